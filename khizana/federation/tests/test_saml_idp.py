"""Khizana's SAML identity provider against a real pysaml2 service provider over a live server: signed
metadata, sign-in through both bindings, signatures checked by xmlsec1, attributes released per REFEDS
entity category and per licence."""

from __future__ import annotations

import re
import subprocess
from datetime import date, timedelta

import pytest
import requests
from django.conf import settings
from saml2 import BINDING_HTTP_POST

from khizana.accounts.models import Membership, ReaderCategory
from khizana.federation import release, saml_idp, services
from khizana.federation.models import ServiceProvider
from khizana.testing import make_library, make_user

from .peers import (
    XMLSEC,
    decoded_response,
    license_resource,
    make_resource,
    saml_form,
    saml_sign_in,
    sign_in,
    sp_client,
    sp_metadata,
)

pytestmark = pytest.mark.django_db  # the live_server tests are transactional by themselves

SCOPE = "khizana.local"
PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"


@pytest.fixture(scope="session")
def sp_keys(tmp_path_factory):
    return tmp_path_factory.mktemp("sp-keys")


@pytest.fixture
def network(db):
    rabat, oran = make_library("UM5"), make_library("USTO", country="DZ", city="Oran")
    scopus = make_resource("scopus")
    license_resource(scopus, rabat, categories=["researcher", "doctoral_student"])
    old = make_resource("oldbase")
    license_resource(
        old, rabat, ends=date.today() - timedelta(days=1), starts=date.today() - timedelta(days=400)
    )
    users = {}
    for username, library, category in [
        ("amina", rabat, ReaderCategory.RESEARCHER),
        ("yassine", rabat, ReaderCategory.STUDENT),
        ("karim", oran, ReaderCategory.RESEARCHER),
    ]:
        users[username] = make_user(
            username, "reader", library, first_name=username.title(), last_name="Test"
        )
        Membership.objects.filter(user=users[username]).update(category=category)
    users["admin"] = make_user("admin", "network_admin")
    return {"scopus": scopus, "old": old, "users": users}


def _idp_metadata(live_server) -> str:
    answer = requests.get(f"{live_server.url}/sso/saml/metadata", timeout=30)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/samlmetadata+xml")
    return answer.text


def _registered_sp(live_server, sp_keys, network, name, categories, resource="scopus", required=()):
    entity_id = f"https://{name}.example.org/shibboleth"
    client = sp_client(
        entity_id,
        f"https://{name}.example.org/Shibboleth.sso/SAML2/POST",
        sp_keys,
        _idp_metadata(live_server),
        categories,
        required,
    )
    resource_id = network[resource].pk if resource else None
    services.register_service_provider(
        network["users"]["admin"], sp_metadata(client), resource_id=resource_id
    )
    return client


def test_metadata_is_signed_by_the_key_of_its_certificate(live_server, tmp_path):
    xml = _idp_metadata(live_server)
    assert f'entityID="{live_server.url}/sso/saml/metadata"' in xml
    assert f'Location="{live_server.url}/sso/saml/sso"' in xml
    assert "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" in xml and "HTTP-POST" in xml
    assert release.RESEARCH_AND_SCHOLARSHIP in xml  # entity-category-support
    _, cert = saml_idp.key_pair()
    (tmp_path / "metadata.xml").write_text(xml)
    verify = [
        XMLSEC,
        "--verify",
        "--pubkey-cert-pem",
        str(cert),
        "--id-attr:ID",
        "urn:oasis:names:tc:SAML:2.0:metadata:EntityDescriptor",
    ]
    assert subprocess.run([*verify, str(tmp_path / "metadata.xml")], capture_output=True).returncode == 0
    tampered = xml.replace("HTTP-Redirect", "HTTP-Artifact", 1)
    (tmp_path / "tampered.xml").write_text(tampered)
    assert subprocess.run([*verify, str(tmp_path / "tampered.xml")], capture_output=True).returncode != 0


def test_key_and_certificate_are_made_once_in_the_data_directory():
    key, cert = saml_idp.key_pair()
    assert key.parent == settings.KHIZANA_SSO_DIR and oct(key.stat().st_mode & 0o777) == "0o600"
    assert saml_idp.key_pair() == (key, cert) and key.read_bytes() == saml_idp.key_pair()[0].read_bytes()


def test_research_and_scholarship_member_with_the_licence(live_server, sp_keys, network, tmp_path):
    client = _registered_sp(live_server, sp_keys, network, "rs", [release.RESEARCH_AND_SCHOLARSHIP])
    parsed, answer = saml_sign_in(live_server.url, client, "amina")
    assert parsed is not None, answer.text[:500]
    ava = parsed.ava  # pysaml2 checked both signatures (xmlsec1) against the metadata's certificate
    assert ava["eduPersonEntitlement"] == [network["scopus"].entitlement or services_uri("scopus")]
    assert sorted(ava["eduPersonScopedAffiliation"]) == [
        "faculty@um5.khizana.local",
        "member@um5.khizana.local",
    ]
    assert ava["mail"] == ["amina@example.org"]
    assert ava["eduPersonPrincipalName"] == [f"amina@{SCOPE}"]
    assert ava["displayName"] == ["Amina Test"]
    (pairwise,) = ava["pairwise-id"]
    assert pairwise.endswith(f"@{SCOPE}")
    assert parsed.name_id.format.endswith("persistent") and parsed.name_id.text == pairwise.split("@")[0]
    # The page that posts the answer lets the browser post to the service provider, nowhere else.
    policy = answer.headers["Content-Security-Policy"]
    assert "form-action https://rs.example.org;" in policy and "default-src 'none'" in policy
    xml = decoded_response(answer)
    assert len(re.findall(r"<\w+:SignatureValue>", xml)) == 2  # the response and the assertion
    _, cert = saml_idp.key_pair()
    (tmp_path / "response.xml").write_text(xml)
    verify = [XMLSEC, "--verify", "--pubkey-cert-pem", str(cert), "--id-attr:ID", PROTOCOL + ":Response"]
    assert subprocess.run([*verify, str(tmp_path / "response.xml")], capture_output=True).returncode == 0
    (tmp_path / "forged.xml").write_text(xml.replace("amina@example.org", "admin@example.org"))
    assert subprocess.run([*verify, str(tmp_path / "forged.xml")], capture_output=True).returncode != 0
    # The same member gets the same pairwise id the next time, and another SP another one.
    again, _ = saml_sign_in(live_server.url, client, "amina")
    assert again.ava["pairwise-id"] == [pairwise]
    other = _registered_sp(live_server, sp_keys, network, "ps", [release.PSEUDONYMOUS])
    elsewhere, _ = saml_sign_in(live_server.url, other, "amina")
    assert elsewhere.ava["pairwise-id"] != [pairwise]


def services_uri(code: str) -> str:
    from khizana.eresources.services import entitlement_uri

    return entitlement_uri(code)


def test_each_category_gets_only_what_it_allows(live_server, sp_keys, network):
    anonymous = _registered_sp(live_server, sp_keys, network, "anon", [release.ANONYMOUS])
    parsed, _ = saml_sign_in(live_server.url, anonymous, "amina")
    assert set(parsed.ava) == {"eduPersonEntitlement", "eduPersonScopedAffiliation"}
    assert parsed.name_id.format.endswith("transient")
    pseudonymous = _registered_sp(live_server, sp_keys, network, "pseudo", [release.PSEUDONYMOUS])
    parsed, _ = saml_sign_in(live_server.url, pseudonymous, "amina")
    assert set(parsed.ava) == {"eduPersonEntitlement", "eduPersonScopedAffiliation", "pairwise-id"}
    uncategorised = _registered_sp(live_server, sp_keys, network, "plain", [])
    parsed, _ = saml_sign_in(live_server.url, uncategorised, "amina")
    assert set(parsed.ava) == {"eduPersonEntitlement", "eduPersonScopedAffiliation"}


def test_no_entitlement_without_the_licence_or_with_an_expired_one(live_server, sp_keys, network):
    client = _registered_sp(live_server, sp_keys, network, "rs2", [release.RESEARCH_AND_SCHOLARSHIP])
    student, _ = saml_sign_in(live_server.url, client, "yassine")  # category not licensed
    assert "eduPersonEntitlement" not in student.ava
    assert sorted(student.ava["eduPersonScopedAffiliation"]) == [
        "member@um5.khizana.local",
        "student@um5.khizana.local",
    ]
    other, _ = saml_sign_in(live_server.url, client, "karim")  # member of another institution
    assert "eduPersonEntitlement" not in other.ava
    assert sorted(other.ava["eduPersonScopedAffiliation"]) == [
        "faculty@usto.khizana.local",
        "member@usto.khizana.local",
    ]
    expired = _registered_sp(live_server, sp_keys, network, "old", [release.ANONYMOUS], resource="old")
    parsed, _ = saml_sign_in(live_server.url, expired, "amina")  # the licence of "oldbase" ended yesterday
    assert "eduPersonEntitlement" not in parsed.ava
    assert "member@um5.khizana.local" in parsed.ava["eduPersonScopedAffiliation"]


def test_anonymous_visitor_is_sent_to_the_sign_in_page_with_either_binding(live_server, sp_keys, network):
    client = _registered_sp(live_server, sp_keys, network, "post", [release.ANONYMOUS])
    _, answer = saml_sign_in(live_server.url, client, None)
    assert answer.status_code == 200 and "/account/login/" in answer.url and "SAMLRequest" in answer.url
    _, answer = saml_sign_in(live_server.url, client, None, binding=BINDING_HTTP_POST)
    assert "/account/login/" in answer.url and "saml/resume" in answer.url
    # the POSTed request waits in the session while the member signs in
    parsed, _ = saml_sign_in(live_server.url, client, "amina", binding=BINDING_HTTP_POST)
    assert parsed.ava["eduPersonEntitlement"]


def test_unknown_service_provider_and_forged_addresses_are_refused(live_server, sp_keys, network):
    stranger = sp_client(
        "https://stranger.example.org/sp",
        "https://stranger.example.org/acs",
        sp_keys,
        _idp_metadata(live_server),
    )
    _, answer = saml_sign_in(live_server.url, stranger, None)  # refused before the sign-in page
    assert answer.status_code == 403 and "/account/login/" not in answer.url
    assert "https://stranger.example.org/sp" in answer.text and "SAMLResponse" not in answer.text
    # A registered SP's request asking for the answer at an address not in its metadata
    client = _registered_sp(live_server, sp_keys, network, "forged", [release.ANONYMOUS])
    session = requests.Session()
    _, info = client.prepare_for_authenticate(
        entityid=f"{live_server.url}/sso/saml/metadata",
        assertion_consumer_service_url="https://evil.example.net/acs",
    )
    answer = sign_in(session, session.get(dict(info["headers"])["Location"], timeout=30), "amina")
    assert answer.status_code == 400 and "SAMLResponse" not in answer.text


def test_garbage_requests_get_a_clear_error(client, network):
    client.force_login(network["users"]["amina"])
    for query, expected in [
        ("", "SAMLRequest: missing"),
        ("?SAMLRequest=%%%", "SAMLRequest: not a base64"),
        ("?SAMLRequest=aGVsbG8=", "SAMLRequest"),
    ]:
        response = client.get(f"/sso/saml/sso{query}", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400, query
        assert expected in response.content.decode(), query
    assert not ServiceProvider.objects.exists()


def test_over_long_relay_state_is_refused(client, network):
    client.force_login(network["users"]["amina"])
    response = client.get(
        "/sso/saml/sso", {"SAMLRequest": "x", "RelayState": "r" * 2000}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400 and "RelayState" in response.content.decode()


def test_passive_request_of_an_anonymous_visitor_gets_no_passive(live_server, sp_keys, network):
    from saml2.response import StatusNoPassive

    client = _registered_sp(live_server, sp_keys, network, "passive", [release.ANONYMOUS])
    request_id, info = client.prepare_for_authenticate(
        entityid=f"{live_server.url}/sso/saml/metadata", is_passive="true"
    )
    answer = requests.get(dict(info["headers"])["Location"], timeout=30)
    assert "/account/login/" not in answer.url and "SAMLResponse" in answer.text
    _, saml_response, _ = saml_form(answer)
    with pytest.raises(StatusNoPassive):
        client.parse_authn_request_response(saml_response, BINDING_HTTP_POST, outstanding={request_id: "/"})
