"""Peers the single sign-on tests talk to: a pysaml2 service provider with its own key and metadata,
members signing in over HTTP (requests), and licences set up through the eresources models."""

from __future__ import annotations

import base64
import html
import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor
from saml2.sigver import get_xmlsec_binary

from khizana.federation import keys
from khizana.testing import PASSWORD

XMLSEC = get_xmlsec_binary(["/usr/bin", "/usr/local/bin"])


def sp_client(
    entity_id: str, acs_url: str, key_dir: Path, idp_metadata: str, categories=(), required=()
) -> Saml2Client:
    """A pysaml2 service provider that trusts the identity provider ``idp_metadata`` describes."""
    key_file, cert_file = keys.saml_key_pair(key_dir, common_name="test SP")
    config = SPConfig()
    config.load(
        {
            "entityid": entity_id,
            "xmlsec_binary": XMLSEC,
            "key_file": str(key_file),
            "cert_file": str(cert_file),
            "metadata": {"inline": [idp_metadata]} if idp_metadata else {},
            "entity_category": list(categories),
            "accepted_time_diff": 60,
            "allow_unknown_attributes": True,
            "service": {
                "sp": {
                    "endpoints": {"assertion_consumer_service": [(acs_url, BINDING_HTTP_POST)]},
                    "want_response_signed": True,
                    "want_assertions_signed": True,
                    "authn_requests_signed": False,
                    "allow_unsolicited": False,
                    "required_attributes": list(required),
                }
            },
        }
    )
    return Saml2Client(config)


def sp_metadata(client: Saml2Client) -> str:
    return str(entity_descriptor(client.config))


def sign_in(session: requests.Session, response: requests.Response, username: str) -> requests.Response:
    """Fills Khizana's sign-in page ``response`` (after redirects) and follows where it leads."""
    assert "/account/login/" in response.url, response.url
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text).group(1)
    next_url = html.unescape(re.search(r'name="next" value="([^"]*)"', response.text).group(1))
    return session.post(
        response.url,
        data={"username": username, "password": PASSWORD, "next": next_url, "csrfmiddlewaretoken": token},
        headers={"Referer": response.url},
        timeout=30,
    )


def meta_refresh(response: requests.Response) -> str | None:
    """Where a page that moves on by itself (meta refresh) leads, or None."""
    found = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', response.text)
    return html.unescape(found.group(1)) if found else None


def saml_form(response: requests.Response) -> tuple[str, str, str]:
    """(action, SAMLResponse, RelayState) of the page that posts the answer to the service provider."""
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', response.text).group(1))
    saml = re.search(r'name="SAMLResponse" value="([^"]+)"', response.text).group(1)
    relay = re.search(r'name="RelayState" value="([^"]*)"', response.text)
    return action, saml, html.unescape(relay.group(1)) if relay else ""


def saml_sign_in(
    live_url: str, client: Saml2Client, username: str | None, *, binding: str = BINDING_HTTP_REDIRECT
):
    """The SP sends the member to Khizana (``binding``), the member signs in, the SP reads the answer.
    Returns (the pysaml2 AuthnResponse, the last Khizana response)."""
    idp_entity_id = f"{live_url}/sso/saml/metadata"
    session = requests.Session()
    request_id, info = client.prepare_for_authenticate(
        entityid=idp_entity_id, relay_state="/article/42", binding=binding
    )
    if binding == BINDING_HTTP_REDIRECT:
        location = dict(info["headers"])["Location"]
        answer = session.get(location, timeout=30)
    else:
        form = info["data"]
        action = html.unescape(re.search(r'action="([^"]+)"', form).group(1))
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
        answer = session.post(action, data={k: html.unescape(v) for k, v in fields.items()}, timeout=30)
    if username is None:
        return None, answer
    if "/account/login/" in answer.url:
        answer = sign_in(session, answer, username)
    if answer.status_code != 200 or "SAMLResponse" not in answer.text:
        return None, answer
    action, saml_response, relay_state = saml_form(answer)
    assert relay_state == "/article/42"
    parsed = client.parse_authn_request_response(
        saml_response, BINDING_HTTP_POST, outstanding={request_id: "/article/42"}
    )
    return parsed, answer


def decoded_response(answer: requests.Response) -> str:
    return base64.b64decode(saml_form(answer)[1]).decode()


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


# --- licences ---------------------------------------------------------------------------------------


def make_resource(code: str, **extra):
    from khizana.eresources.models import Resource

    defaults = {
        "name_fr": code.title(),
        "kind": Resource.Kind.DATABASE,
        "platform_url": f"https://{code}.example.org/",
        "access_method": Resource.AccessMethod.SAML,
    }
    return Resource.objects.create(code=code, **{**defaults, **extra})


def license_resource(
    resource, library, *, categories=(), ends: date | None = None, starts: date | None = None
):
    """A licence of ``library`` for ``resource``, for members of ``categories`` (all when empty)."""
    from khizana.eresources.models import Agreement, AgreementPeriod, EntitlementRule, Licence

    today = date.today()
    starts = starts or today - timedelta(days=365)
    ends = ends or today + timedelta(days=365)
    licence = Licence.objects.create(name=f"{resource.code} licence", start_date=starts, end_date=ends)
    agreement = Agreement.objects.create(name=f"{resource.code} agreement", licence=licence)
    agreement.resources.add(resource)
    AgreementPeriod.objects.create(agreement=agreement, start_date=starts, end_date=ends)
    rule = EntitlementRule.objects.create(
        agreement=agreement, categories=list(categories), remote_allowed=True
    )
    rule.libraries.add(library)
    return licence


# --- an institution's SAML identity provider (pysaml2) on loopback ----------------------------------


class InstitutionIdPServer:
    """A pysaml2 identity provider served on 127.0.0.1 (wsgiref, in a thread): /metadata, and /sso which
    answers any AuthnRequest of the service provider with the identity in :attr:`identity` (its
    attributes and a persistent name), posting it back through an HTML form as a browser would."""

    def __init__(self, key_dir: Path, sp_metadata_url: str):
        import threading
        from wsgiref.simple_server import WSGIRequestHandler, make_server

        class Quiet(WSGIRequestHandler):
            def log_message(self, *args):
                pass

        self.httpd = make_server("127.0.0.1", 0, self.app, handler_class=Quiet)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.entity_id = f"{self.url}/metadata"
        self.sp_metadata_url = sp_metadata_url
        self.key_dir = key_dir
        self.identity: dict = {}
        self.last_page = ""
        self.subject = "alice-at-um5"
        self._server = None
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def config(self, sp_metadata: str | None):
        from saml2.config import IdPConfig
        from saml2.saml import NAME_FORMAT_URI

        key_file, cert_file = keys.saml_key_pair(self.key_dir, common_name="test IdP")
        config = IdPConfig()
        config.load(
            {
                "entityid": self.entity_id,
                "xmlsec_binary": XMLSEC,
                "key_file": str(key_file),
                "cert_file": str(cert_file),
                "metadata": {"inline": [sp_metadata]} if sp_metadata else {},
                "accepted_time_diff": 60,
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [
                                (f"{self.url}/sso", BINDING_HTTP_REDIRECT),
                                (f"{self.url}/sso", BINDING_HTTP_POST),
                            ]
                        },
                        "policy": {"default": {"attribute_restrictions": None, "name_form": NAME_FORMAT_URI}},
                        "name_id_format": ["urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"],
                    }
                },
            }
        )
        return config

    def metadata(self) -> str:
        return str(entity_descriptor(self.config(None)))

    def server(self):
        from saml2.server import Server

        if self._server is None:
            sp_metadata = requests.get(self.sp_metadata_url, timeout=30).text
            self._server = Server(config=self.config(sp_metadata))
        return self._server

    def app(self, environ, start_response):
        from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID

        path = environ["PATH_INFO"]
        if path == "/metadata":
            start_response("200 OK", [("Content-Type", "application/samlmetadata+xml")])
            return [self.metadata().encode()]
        if path == "/sso":
            query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
            server = self.server()
            request = server.parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT)
            arguments = server.response_args(request.message, [BINDING_HTTP_POST])
            response = server.create_authn_response(
                identity=self.identity,
                in_response_to=arguments["in_response_to"],
                destination=arguments["destination"],
                sp_entity_id=arguments["sp_entity_id"],
                name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=self.subject),
                authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"},
                sign_assertion=True,
                sign_response=True,
            )
            info = server.apply_binding(
                BINDING_HTTP_POST,
                str(response),
                arguments["destination"],
                query.get("RelayState", ""),
                response=True,
            )
            self.last_page = info["data"]
            start_response("200 OK", [("Content-Type", "text/html")])
            return [info["data"].encode()]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]


def post_form(session: requests.Session, page: str) -> requests.Response:
    """Submits the (auto-posting) HTML form of ``page`` as a browser would."""
    action = html.unescape(re.search(r'<form[^>]*action="([^"]+)"', page).group(1))
    fields = {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page)
    }
    return session.post(action, data=fields, timeout=30)
