"""The single sign-on staff page: network administrators register service providers (metadata checked,
entity categories read) and OpenID Connect clients; every other role, and anonymous visitors, are refused."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from oauth2_provider.models import Application

from khizana.accounts.models import AuditEntry
from khizana.federation import release
from khizana.federation.metadata import MetadataError, read_sp_metadata
from khizana.federation.models import OIDCClient, ServiceProvider
from khizana.testing import make_library, make_user

from .peers import make_resource

SP = """<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:mdattr="urn:oasis:names:tc:SAML:metadata:attribute"
    xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" entityID="https://sp.example.org/shibboleth">
  <md:Extensions><mdattr:EntityAttributes>
    <saml:Attribute Name="http://macedir.org/entity-category"
        NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">
      <saml:AttributeValue>http://refeds.org/category/research-and-scholarship</saml:AttributeValue>
      <saml:AttributeValue>https://refeds.org/category/pseudonymous</saml:AttributeValue>
    </saml:Attribute>
  </mdattr:EntityAttributes></md:Extensions>
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
        Location="https://sp.example.org/Shibboleth.sso/SAML2/POST" index="1"/>
  </md:SPSSODescriptor>
  <md:Organization><md:OrganizationName xml:lang="en">Example</md:OrganizationName>
    <md:OrganizationDisplayName xml:lang="en">Example Platform</md:OrganizationDisplayName>
    <md:OrganizationURL xml:lang="en">https://sp.example.org/</md:OrganizationURL></md:Organization>
</md:EntityDescriptor>
"""

PAGE = "/sso/staff/"


@pytest.fixture
def people(db):
    library = make_library("UM5")
    return {
        "network_admin": make_user("net", "network_admin"),
        "library_admin": make_user("libadmin", "library_admin", library),
        "cataloguer": make_user("cat", "cataloguer", library),
        "reader": make_user("reader", "reader", library),
    }


def test_metadata_reader_reads_entity_categories_and_name():
    described = read_sp_metadata(SP)
    assert described.entity_id == "https://sp.example.org/shibboleth"
    assert described.name == "Example Platform"
    assert described.categories == [release.RESEARCH_AND_SCHOLARSHIP, release.PSEUDONYMOUS]


@pytest.mark.parametrize(
    ("metadata", "problem"),
    [
        ("", "empty"),
        ("<md:EntityDescriptor", "not well-formed XML"),
        ('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "refused"),
        ("<root/>", "not a SAML 2.0 md:EntityDescriptor"),
        (SP.replace(' entityID="https://sp.example.org/shibboleth"', ""), "no entityID"),
        (SP.replace("SPSSODescriptor", "IDPSSODescriptor"), "not a service provider"),
        (
            SP.replace("https://sp.example.org/Shibboleth.sso/SAML2/POST", "javascript:alert(1)"),
            r"not an http\(s\) URL",
        ),
        (SP.replace("AssertionConsumerService", "SingleLogoutService"), "no md:AssertionConsumerService"),
        (
            '<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">'
            + SP.split("?>", 1)[1] * 2
            + "</md:EntitiesDescriptor>",
            "describes 2 entities",
        ),
    ],
)
def test_metadata_reader_names_the_problem(metadata, problem):
    with pytest.raises(MetadataError, match=problem):
        read_sp_metadata(metadata)


def test_network_admin_registers_a_service_provider_from_a_file(client, people):
    scopus = make_resource("scopus")
    client.force_login(people["network_admin"])
    assert client.get(PAGE).status_code == 200
    upload = SimpleUploadedFile("sp.xml", SP.encode(), content_type="application/xml")
    response = client.post(PAGE, {"metadata_file": upload, "resource": str(scopus.pk)})
    assert response.status_code == 302
    provider = ServiceProvider.objects.get()
    assert provider.entity_id == "https://sp.example.org/shibboleth" and provider.resource == scopus
    assert provider.categories == [release.RESEARCH_AND_SCHOLARSHIP, release.PSEUDONYMOUS]
    assert AuditEntry.objects.filter(action="sso-sp-register", target=provider.entity_id).exists()
    with translation.override("en"):
        page = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Example Platform" in page and "Research and Scholarship" in page
    # Uploading it again updates it (one row per entity id).
    response = client.post(
        PAGE, {"metadata_text": SP.replace("https://refeds.org/category/pseudonymous", "")}
    )
    assert response.status_code == 302
    assert ServiceProvider.objects.get().categories == [release.RESEARCH_AND_SCHOLARSHIP]
    response = client.post(f"/sso/staff/providers/{provider.pk}/remove")
    assert response.status_code == 302 and not ServiceProvider.objects.exists()


def test_bad_metadata_gets_a_clear_error_and_nothing_is_saved(client, people):
    client.force_login(people["network_admin"])
    for data, expected in [
        ({"metadata_text": "<x"}, "not well-formed XML"),
        ({}, "Upload the service provider"),
        ({"metadata_text": SP, "resource": "999"}, "Select a valid choice"),
    ]:
        response = client.post(PAGE, data, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        assert expected in response.content.decode()
    assert not ServiceProvider.objects.exists()


@pytest.mark.parametrize("role", ["library_admin", "cataloguer", "reader"])
def test_other_roles_are_refused(client, people, role):
    provider = ServiceProvider.objects.create(entity_id="https://kept.example.org", metadata_xml=SP)
    client.force_login(people[role])
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"metadata_text": SP}).status_code == 403
    assert client.post(f"/sso/staff/providers/{provider.pk}/remove").status_code == 403
    data = {"name": "Evil", "redirect_uris": "https://evil.example.net/cb"}
    assert client.post("/sso/staff/clients/", data).status_code == 403
    assert list(ServiceProvider.objects.values_list("entity_id", flat=True)) == ["https://kept.example.org"]
    assert not Application.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, people):
    for response in (client.get(PAGE), client.post(PAGE, {"metadata_text": SP})):
        assert response.status_code == 302 and response["Location"].startswith("/account/login/")
    assert not ServiceProvider.objects.exists()


def test_csrf_is_checked(people):
    from django.test import Client

    forged = Client(enforce_csrf_checks=True)
    forged.force_login(people["network_admin"])
    assert forged.post(PAGE, {"metadata_text": SP}).status_code == 403
    assert not ServiceProvider.objects.exists()


def test_network_admin_registers_an_oidc_client(client, people):
    client.force_login(people["network_admin"])
    bad = client.post(
        "/sso/staff/clients/", {"name": "P", "redirect_uris": "ftp://x"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert bad.status_code == 400 and "is not an http(s) address" in bad.content.decode()
    plain = client.post("/sso/staff/clients/", {"name": "P", "redirect_uris": "http://p.example.org/cb"})
    assert plain.status_code == 400 and not Application.objects.exists()  # https only (RFC 9700)
    response = client.post(
        "/sso/staff/clients/", {"name": "Platform", "redirect_uris": "https://p.example.org/cb"}
    )
    assert response.status_code == 200
    registered = OIDCClient.objects.select_related("application").get()
    page = response.content.decode()
    assert registered.application.client_id in page
    assert registered.application.skip_authorization and registered.application.algorithm == "RS256"
    assert AuditEntry.objects.filter(action="sso-oidc-register").exists()
    response = client.post(f"/sso/staff/clients/{registered.pk}/remove")
    assert response.status_code == 302 and not Application.objects.exists()


IDP = """<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.um5.ac.ma/idp">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location="https://idp.um5.ac.ma/idp/profile/SAML2/Redirect/SSO"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"""


def test_network_admin_registers_an_institution_idp(client, people):
    from khizana.federation.models import InstitutionIdP
    from khizana.libraries.models import Library

    library = Library.objects.get(code="UM5")
    client.force_login(people["network_admin"])
    data = {
        "library": str(library.pk),
        "kind": "saml",
        "name": "UM5",
        "scopes": "um5.ac.ma",
        "metadata_xml": IDP,
    }
    bad = client.post(
        "/sso/staff/institutions/", {**data, "category_map": '{"faculty": "dean"}'}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert bad.status_code == 400 and "&#x27;dean&#x27; is not a reader category" in bad.content.decode()
    assert client.post("/sso/staff/institutions/", data).status_code == 302
    idp = InstitutionIdP.objects.get()
    assert idp.entity_id == "https://idp.um5.ac.ma/idp" and idp.library == library
    assert AuditEntry.objects.filter(action="sso-idp-register").exists()
    assert "?idp=https%3A//idp.um5.ac.ma/idp" in client.get("/sso/institution/").content.decode()
    assert client.post(f"/sso/staff/institutions/{idp.pk}/remove").status_code == 302
    assert not InstitutionIdP.objects.exists()


@pytest.mark.parametrize("role", ["library_admin", "cataloguer", "reader", None])
def test_institution_idps_are_registered_by_network_admins_only(client, people, role):
    from khizana.federation.models import InstitutionIdP
    from khizana.libraries.models import Library

    library = Library.objects.get(code="UM5")
    kept = InstitutionIdP.objects.create(library=library, kind="saml", name="kept", entity_id="k", scopes="x")
    if role:
        client.force_login(people[role])
    data = {
        "library": str(library.pk),
        "kind": "saml",
        "name": "UM5",
        "scopes": "um5.ac.ma",
        "metadata_xml": IDP,
    }
    expected = 403 if role else 302
    assert client.post("/sso/staff/institutions/", data).status_code == expected
    assert client.post(f"/sso/staff/institutions/{kept.pk}/remove").status_code == expected
    assert list(InstitutionIdP.objects.values_list("entity_id", flat=True)) == ["k"]


def test_command_registers_and_lists(people, tmp_path):
    from django.core.management import CommandError, call_command

    make_resource("scopus")
    metadata = tmp_path / "sp.xml"
    metadata.write_text(SP)
    with pytest.raises(CommandError, match="--by"):
        call_command("sso", "add-sp", str(metadata), "--by", "libadmin")
    with pytest.raises(CommandError, match="--resource"):
        call_command("sso", "add-sp", str(metadata), "--by", "net", "--resource", "nope")
    (tmp_path / "bad.xml").write_text("<x")
    with pytest.raises(CommandError, match="not well-formed XML"):
        call_command("sso", "add-sp", str(tmp_path / "bad.xml"), "--by", "net")
    assert not ServiceProvider.objects.exists()
    call_command("sso", "add-sp", str(metadata), "--by", "net", "--resource", "scopus")
    from io import StringIO

    out = StringIO()
    call_command("sso", "list", stdout=out)
    assert "saml-sp\thttps://sp.example.org/shibboleth\tscopus\t" in out.getvalue()
