"""Khizana's OpenID Connect provider against authlib's client over a live server: discovery, the
authorization code flow with PKCE, the ID token's signature checked with the JWKS, pairwise ``sub`` per
client, the eduPerson claims per licence."""

from __future__ import annotations

import base64
import json
import secrets
from datetime import date, timedelta

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.jose.errors import BadSignatureError

from khizana.accounts.models import Membership, ReaderCategory
from khizana.federation import services
from khizana.testing import make_library, make_user

from .peers import license_resource, make_resource, meta_refresh, query_of, sign_in

pytestmark = pytest.mark.django_db  # the live_server tests are transactional by themselves
CALLBACK = "https://rp.example.org/callback"


@pytest.fixture(autouse=True)
def _plain_http(monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the live server speaks HTTP on loopback


@pytest.fixture
def network(db):
    rabat, oran = make_library("UM5"), make_library("USTO", country="DZ", city="Oran")
    scopus, old = make_resource("scopus"), make_resource("oldbase")
    license_resource(scopus, rabat, categories=["researcher"])
    license_resource(
        old, rabat, ends=date.today() - timedelta(days=1), starts=date.today() - timedelta(days=99)
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
    admin = make_user("admin", "network_admin")
    clients = {}
    for name, resource in [("scopus", scopus), ("old", old)]:
        client, secret = services.register_oidc_client(
            admin, name=f"{name} platform", redirect_uris=CALLBACK, resource_id=resource.pk
        )
        clients[name] = (client.application.client_id, secret)
    return {"users": users, "clients": clients}


def discovery(live_server) -> dict:
    answer = requests.get(f"{live_server.url}/sso/oidc/.well-known/openid-configuration", timeout=30)
    assert answer.status_code == 200
    return answer.json()


def oidc_sign_in(live_server, client_id, secret, username, *, pkce=True):
    """authlib's client sends the member to Khizana, the member signs in, the client redeems the code.
    Returns (token, discovery document, nonce) or (None, the last Khizana response, None)."""
    config = discovery(live_server)
    rp = OAuth2Session(
        client_id,
        secret,
        scope="openid eduperson profile email",
        redirect_uri=CALLBACK,
        code_challenge_method="S256" if pkce else None,
    )
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    extra = {"code_verifier": verifier} if pkce else {}
    url, state = rp.create_authorization_url(config["authorization_endpoint"], nonce=nonce, **extra)
    browser = requests.Session()
    answer = browser.get(url, timeout=30)
    if username is None:
        return None, answer, None
    if "/account/login/" in answer.url:
        answer = sign_in(browser, answer, username)
        # after the sign-in form, a page that moves on by itself (see oidc_views): follow it
        moved_on = meta_refresh(answer)
        if moved_on is None:
            return None, answer, None
        assert "/sso/oidc/authorize/" in answer.url
        answer = browser.get(moved_on, timeout=30)
    # the browser stopped at the client's callback (not served): that is where the code is
    hops = [answer.url, *(hop.headers.get("Location", "") for hop in answer.history)]
    location = next((hop for hop in hops if hop.startswith(CALLBACK)), None)
    if location is None:
        return None, answer, None
    if "error" in query_of(location):
        return None, location, None
    assert query_of(location)["state"] == state
    token = rp.fetch_token(config["token_endpoint"], authorization_response=location, **extra)
    return token, config, nonce


@pytest.fixture(autouse=True)
def _callback_not_fetched(monkeypatch):
    """The browser stops at the client's callback (https://rp.example.org is not served)."""
    original = requests.Session.send

    def send(self, request, **kwargs):
        if request.url.startswith(CALLBACK):
            response = requests.Response()
            response.status_code, response.url, response.request = 204, request.url, request
            return response
        return original(self, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", send)


def verified_claims(live_server, token, config, client_id, nonce):
    keys = JsonWebKey.import_key_set(requests.get(config["jwks_uri"], timeout=30).json())
    claims = jwt.decode(
        token["id_token"],
        keys,
        claims_options={
            "iss": {"essential": True, "value": config["issuer"]},
            "aud": {"essential": True, "value": client_id},
            "nonce": {"essential": True, "value": nonce},
        },
    )
    claims.validate()
    return claims


def userinfo(config, token) -> dict:
    answer = requests.get(
        config["userinfo_endpoint"], headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=30
    )
    assert answer.status_code == 200
    return answer.json()


def test_discovery_announces_code_flow_with_pkce_and_rs256(live_server):
    config = discovery(live_server)
    assert config["issuer"] == f"{live_server.url}/sso/oidc"
    assert "RS256" in config["id_token_signing_alg_values_supported"]
    assert "S256" in config["code_challenge_methods_supported"]
    assert {"eduperson_scoped_affiliation", "eduperson_entitlement"} <= set(config["claims_supported"])
    (key,) = requests.get(config["jwks_uri"], timeout=30).json()["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and "d" not in key


def test_member_with_the_licence(live_server, network):
    client_id, secret = network["clients"]["scopus"]
    token, config, nonce = oidc_sign_in(live_server, client_id, secret, "amina")
    assert token is not None, config
    claims = verified_claims(live_server, token, config, client_id, nonce)
    assert claims["eduperson_entitlement"] == [services_entitlement("scopus")]
    assert sorted(claims["eduperson_scoped_affiliation"]) == [
        "faculty@um5.khizana.local",
        "member@um5.khizana.local",
    ]
    info = userinfo(config, token)
    assert info["sub"] == claims["sub"] and info["eduperson_entitlement"] == claims["eduperson_entitlement"]
    assert info["email"] == "amina@example.org"
    # pairwise: another client sees another sub for the same member, this one the same one again
    other_id, other_secret = network["clients"]["old"]
    other, other_config, other_nonce = oidc_sign_in(live_server, other_id, other_secret, "amina")
    other_claims = verified_claims(live_server, other, other_config, other_id, other_nonce)
    assert other_claims["sub"] != claims["sub"]
    assert claims["sub"] != str(network["users"]["amina"].pk)
    # An ID token whose claims were changed fails the signature check.
    header, payload, signature = token["id_token"].split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged["eduperson_entitlement"] = ["urn:forged"]
    forged = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    with pytest.raises(BadSignatureError):
        verified_claims(live_server, {"id_token": f"{header}.{forged}.{signature}"}, config, client_id, nonce)


def services_entitlement(code):
    from khizana.eresources.services import entitlement_uri

    return entitlement_uri(code)


def test_no_entitlement_for_another_institution_another_category_or_an_expired_licence(live_server, network):
    client_id, secret = network["clients"]["scopus"]
    for username, scope in [("karim", "usto"), ("yassine", "um5")]:
        token, config, nonce = oidc_sign_in(live_server, client_id, secret, username)
        claims = verified_claims(live_server, token, config, client_id, nonce)
        assert "eduperson_entitlement" not in claims, username
        assert f"member@{scope}.khizana.local" in claims["eduperson_scoped_affiliation"]
    old_id, old_secret = network["clients"]["old"]
    token, config, nonce = oidc_sign_in(live_server, old_id, old_secret, "amina")
    assert "eduperson_entitlement" not in verified_claims(live_server, token, config, old_id, nonce)


def test_anonymous_visitor_unknown_client_and_missing_pkce(live_server, network):
    client_id, secret = network["clients"]["scopus"]
    _, answer, _ = oidc_sign_in(live_server, client_id, secret, None)
    assert answer.status_code == 200 and "/account/login/" in answer.url
    token, location, _ = oidc_sign_in(live_server, client_id, secret, "amina", pkce=False)
    assert token is None and query_of(location)["error"] == "invalid_request"
    token, answer, _ = oidc_sign_in(live_server, "not-a-client", "x", "amina")
    assert token is None and answer.status_code == 400


def test_an_already_signed_in_member_is_redirected_at_once(live_server, network, client):
    """No page in between when no form was submitted (the page is only for the sign-in form's CSP)."""
    client_id, _ = network["clients"]["scopus"]
    browser = requests.Session()
    sign_in(browser, browser.get(f"{live_server.url}/account/login/", timeout=30), "amina")
    config = discovery(live_server)
    rp = OAuth2Session(client_id, scope="openid", redirect_uri=CALLBACK, code_challenge_method="S256")
    url, _ = rp.create_authorization_url(
        config["authorization_endpoint"], nonce="n", code_verifier=secrets.token_urlsafe(48)
    )
    answer = browser.get(url, timeout=30, allow_redirects=False)
    assert answer.status_code == 302 and answer.headers["Location"].startswith(CALLBACK)
