"""Signing in to Khizana through a member institution's identity provider: a pysaml2 identity provider on
loopback (SAML, djangosaml2 on Khizana's side) and Khizana's own OpenID Connect provider as the peer
(mozilla-django-oidc on Khizana's side). The institution and category come from the registration and the
affiliations; the membership is verified by the identity provider; local accounts stay."""

from __future__ import annotations

import pytest
import requests
from django.contrib.auth import get_user_model

from khizana.accounts.models import Membership, ReaderCategory, Role, Verification
from khizana.federation import institutions, mapping, services
from khizana.federation.models import FederatedIdentity, InstitutionIdP
from khizana.federation.services import RegistrationError
from khizana.testing import make_library, make_user

from .peers import InstitutionIdPServer, meta_refresh, post_form, sign_in

pytestmark = pytest.mark.django_db  # the live_server tests are transactional by themselves
EMPTY_ENTITY = '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>'


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.KHIZANA_OUTGOING_ALLOWED_HOSTS = ["127.0.0.1", "localhost", "::1"]


@pytest.fixture
def admin(db):
    return make_user("admin", "network_admin")


@pytest.fixture
def saml_idp(live_server, tmp_path_factory):
    server = InstitutionIdPServer(
        tmp_path_factory.mktemp("idp-keys"), f"{live_server.url}/sso/institution/saml/metadata/"
    )
    yield server
    server.close()


def test_category_mapping_believes_only_the_institution_s_scopes():
    attributes = {"eduPersonScopedAffiliation": ["faculty@other.edu", "student@um5.ac.ma"]}
    assert mapping.affiliations(attributes, ["um5.ac.ma"]) == ["student"]
    assert mapping.category(["student"]) == "student"
    assert mapping.category(["member", "faculty"]) == "teacher"
    assert mapping.category(["faculty"], {"faculty": "researcher"}) == "researcher"
    assert mapping.category(["alum", "affiliate"]) == ""
    assert mapping.affiliations({"eduperson_scoped_affiliation": ["staff@UM5.ac.ma"]}, ["um5.ac.ma"]) == [
        "staff"
    ]


def _saml_sign_in(live_server, server) -> requests.Session:
    browser = requests.Session()
    answer = browser.get(
        f"{live_server.url}/sso/institution/saml/login/",
        params={"idp": server.entity_id, "next": "/account/"},
        timeout=30,
    )
    assert answer.status_code == 200 and "SAMLResponse" in answer.text, answer.text[:300]
    landed = post_form(browser, answer.text)
    return browser, landed


def test_saml_sign_in_creates_a_verified_member_of_the_institution(live_server, saml_idp, admin):
    library = make_library("UM5")
    idp = institutions.register_institution_idp(
        admin,
        library_id=library.pk,
        kind="saml",
        name="Université Mohammed V",
        scopes="um5.ac.ma",
        metadata_url=saml_idp.entity_id,
        category_map={"faculty": "researcher"},
    )
    assert idp.entity_id == saml_idp.entity_id and "IDPSSODescriptor" in idp.metadata_xml
    saml_idp.identity = {
        "eduPersonScopedAffiliation": ["faculty@um5.ac.ma", "member@um5.ac.ma"],
        "mail": ["alice@um5.ac.ma"],
        "givenName": ["Alice"],
        "sn": ["Benali"],
    }
    browser, landed = _saml_sign_in(live_server, saml_idp)
    assert landed.status_code == 200 and landed.url == f"{live_server.url}/account/"
    identity = FederatedIdentity.objects.select_related("user").get()
    assert identity.subject == "alice-at-um5" and identity.idp == idp
    membership = Membership.objects.get(user=identity.user)
    assert membership.library == library and membership.role == Role.READER
    assert membership.category == ReaderCategory.RESEARCHER
    assert membership.verified_by == Verification.IDENTITY_PROVIDER and membership.verified_at
    assert identity.user.email == "alice@um5.ac.ma" and not identity.user.has_usable_password()
    # The same answer posted again (a replay) signs no one in.
    replayed = post_form(browser, saml_idp.last_page)  # same browser, same saml_session cookie
    assert replayed.status_code == 403 and FederatedIdentity.objects.count() == 1
    # The second time, the same account; a category change follows the institution.
    saml_idp.identity["eduPersonScopedAffiliation"] = ["student@um5.ac.ma"]
    _saml_sign_in(live_server, saml_idp)
    assert FederatedIdentity.objects.count() == 1
    assert Membership.objects.get(user=identity.user).category == ReaderCategory.STUDENT


def test_saml_affiliation_of_another_scope_is_not_believed(live_server, saml_idp, admin):
    library = make_library("UM5")
    institutions.register_institution_idp(
        admin,
        library_id=library.pk,
        kind="saml",
        name="UM5",
        scopes="um5.ac.ma",
        metadata_url=saml_idp.entity_id,
    )
    saml_idp.identity = {"eduPersonScopedAffiliation": ["faculty@usthb.dz"]}
    _, landed = _saml_sign_in(live_server, saml_idp)
    assert landed.status_code == 200
    membership = Membership.objects.get(user=FederatedIdentity.objects.get().user)
    assert membership.category == "" and membership.verified_at is None and membership.library == library


def test_saml_assertion_from_an_unregistered_idp_is_refused(live_server, saml_idp, admin):
    browser = requests.Session()
    answer = browser.get(
        f"{live_server.url}/sso/institution/saml/login/", params={"idp": saml_idp.entity_id}, timeout=30
    )
    assert answer.status_code == 403 and saml_idp.entity_id in answer.text
    assert not get_user_model().objects.exclude(username="admin").exists()


def test_local_accounts_stay(live_server, saml_idp, admin):
    library = make_library("UM5")
    local = make_user("alice", "reader", library)
    institutions.register_institution_idp(
        admin,
        library_id=library.pk,
        kind="saml",
        name="UM5",
        scopes="um5.ac.ma",
        metadata_url=saml_idp.entity_id,
    )
    saml_idp.identity = {"eduPersonScopedAffiliation": ["student@um5.ac.ma"], "mail": ["alice@example.org"]}
    _saml_sign_in(live_server, saml_idp)
    assert FederatedIdentity.objects.get().user != local  # same e-mail, but never merged silently
    browser = requests.Session()
    landed = sign_in(browser, browser.get(f"{live_server.url}/account/login/", timeout=30), "alice")
    assert landed.url == f"{live_server.url}/account/" and "alice" in landed.text


def test_oidc_sign_in_through_khizana_s_own_provider(live_server, admin, http_redirect_uris):
    home, institution = make_library("UM5"), make_library("IMIST")
    amina = make_user("amina", "reader", home)
    Membership.objects.filter(user=amina).update(category=ReaderCategory.RESEARCHER)
    client, secret = services.register_oidc_client(
        admin, name="Khizana federation", redirect_uris=f"{live_server.url}/sso/institution/oidc/callback/"
    )
    idp = institutions.register_institution_idp(
        admin,
        library_id=institution.pk,
        kind="oidc",
        name="IMIST",
        scopes="um5.khizana.local",
        metadata_url=f"{live_server.url}/sso/oidc/.well-known/openid-configuration",
        client_id=client.application.client_id,
        client_secret=secret,
    )
    assert idp.entity_id == f"{live_server.url}/sso/oidc"
    browser = requests.Session()
    answer = browser.get(
        f"{live_server.url}/sso/institution/oidc/{idp.pk}/login", params={"next": "/account/"}, timeout=30
    )
    assert "/account/login/" in answer.url  # the peer (Khizana's provider) asks amina to sign in
    moved_on = meta_refresh(sign_in(browser, answer, "amina"))  # Khizana's provider: the page after the form
    landed = browser.get(moved_on, timeout=30)
    assert landed.status_code == 200 and landed.url == f"{live_server.url}/account/", landed.url
    identity = FederatedIdentity.objects.select_related("user").get()
    assert identity.idp == idp and identity.user != amina and identity.subject != str(amina.pk)
    membership = Membership.objects.get(user=identity.user)
    assert membership.library == institution and membership.category == "teacher"  # faculty → teacher
    assert membership.verified_by == Verification.IDENTITY_PROVIDER


def test_oidc_callback_with_a_forged_state_signs_no_one_in(client, admin):
    answer = client.get("/sso/institution/oidc/callback/", {"code": "x", "state": "forged"})
    assert answer.status_code == 302 and answer["Location"] == "/sso/institution/"
    assert not FederatedIdentity.objects.exists() and "_auth_user_id" not in client.session


def test_registration_checks_its_input(admin, settings, db):
    library = make_library("UM5")
    with pytest.raises(RegistrationError, match="not an identity provider"):
        institutions.register_institution_idp(
            admin,
            library_id=library.pk,
            kind="saml",
            name="x",
            scopes="um5.ac.ma",
            metadata_xml=EMPTY_ENTITY,
        )
    settings.KHIZANA_OUTGOING_ALLOWED_HOSTS = []
    with pytest.raises(RegistrationError) as refused:
        institutions.register_institution_idp(
            admin,
            library_id=library.pk,
            kind="oidc",
            name="x",
            scopes="um5.ac.ma",
            metadata_url="http://127.0.0.1:9/.well-known/openid-configuration",
            client_id="a",
            client_secret="b",
        )
    assert "127.0.0.1" in str(refused.value)
    reader = make_user("reader", "reader", library)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        institutions.register_institution_idp(
            reader, library_id=library.pk, kind="saml", name="x", scopes="x"
        )
    assert not InstitutionIdP.objects.exists()
