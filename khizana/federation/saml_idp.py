"""Khizana as a SAML 2.0 identity provider (pysaml2): metadata, reading an authentication request,
answering it with a signed assertion.

One :class:`saml2.server.Server` is built per service provider (its metadata alone, inline) and kept
until the registration or the identity provider's address changes: a request is first read only for its
issuer, an unknown issuer is refused before pysaml2 sees it.
"""

from __future__ import annotations

import base64
import functools
import logging
import secrets
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext as _
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, samlp
from saml2.saml import (
    AUTHN_PASSWORD_PROTECTED,
    NAME_FORMAT_URI,
    NAMEID_FORMAT_PERSISTENT,
    NAMEID_FORMAT_TRANSIENT,
    NameID,
)

from . import keys
from .release import ENTITY_CATEGORIES, gets_persistent_name, pairwise_id, release

if TYPE_CHECKING:
    from saml2.config import IdPConfig
    from saml2.server import Server

# pysaml2's configuration, server and signing modules are imported where they are used: they build XML
# schemas at import (half a second at every start of the command line and of the web and queue workers).

PASSWORD_PROTECTED_TRANSPORT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
MAX_REQUEST_BYTES = 64 * 1024
logger = logging.getLogger(__name__)


class SamlRequestError(ValueError):
    """An authentication request that cannot be answered; the message says why (shown to the member),
    ``status`` is the HTTP status of the page that says it."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class IdPAddress:
    """Where the identity provider is reached: its entity id and single sign-on endpoint."""

    entity_id: str
    sso_url: str


def key_pair() -> tuple[Path, Path]:
    return keys.saml_key_pair(Path(settings.KHIZANA_SSO_DIR))


def _config(address: IdPAddress, sp_metadata: tuple[str, ...]) -> IdPConfig:
    from saml2.config import IdPConfig
    from saml2.sigver import get_xmlsec_binary

    key_file, cert_file = key_pair()
    config = IdPConfig()
    config.load(
        {
            "entityid": address.entity_id,
            "xmlsec_binary": get_xmlsec_binary(["/usr/bin", "/usr/local/bin"]),
            "key_file": str(key_file),
            "cert_file": str(cert_file),
            "accepted_time_diff": 60,
            "entity_category_support": list(ENTITY_CATEGORIES),
            "metadata": {"inline": list(sp_metadata)} if sp_metadata else {},
            "service": {
                "idp": {
                    "name": "Khizana",
                    "endpoints": {
                        "single_sign_on_service": [
                            (address.sso_url, BINDING_HTTP_REDIRECT),
                            (address.sso_url, BINDING_HTTP_POST),
                        ]
                    },
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT],
                    "want_authn_requests_signed": False,
                    "scope": [settings.KHIZANA_SSO_SCOPE],
                    "policy": {
                        "default": {
                            "lifetime": {"seconds": settings.KHIZANA_SSO_ASSERTION_SECONDS},
                            "attribute_restrictions": None,
                            "name_form": NAME_FORMAT_URI,
                            "fail_on_missing_requested": False,
                        }
                    },
                }
            },
        }
    )
    return config


@functools.lru_cache(maxsize=256)
def _server(address: IdPAddress, sp_metadata: str, _version: str) -> Server:
    from saml2.server import Server

    return Server(config=_config(address, (sp_metadata,)))


def server_for(address: IdPAddress, provider) -> Server:
    """The pysaml2 server that knows ``provider`` (a :class:`~.models.ServiceProvider`) only."""
    return _server(address, provider.metadata_xml, f"{provider.pk}:{provider.updated_at.isoformat()}")


@functools.lru_cache(maxsize=16)
def signed_metadata(address: IdPAddress) -> str:
    """The identity provider's metadata, signed with its key, declaring the entity categories whose
    attribute release rules it follows (signed once per address and process)."""
    from saml2.metadata import entity_descriptor, sign_entity_descriptor
    from saml2.sigver import security_context

    config = _config(address, ())
    descriptor = entity_descriptor(config)
    _, xml = sign_entity_descriptor(descriptor, None, security_context(config))
    return xml


def decode_request(message: str, binding: str) -> str:
    """The XML of a SAMLRequest as sent with ``binding`` (base64, deflated for HTTP-Redirect)."""
    too_large = _("SAMLRequest: the request is larger than %(size)d KiB.") % {
        "size": MAX_REQUEST_BYTES // 1024
    }
    try:
        raw = base64.b64decode("".join(message.split()).encode("ascii"), validate=True)
        if not raw:
            raise ValueError("empty")
        if binding == BINDING_HTTP_REDIRECT:
            inflater = zlib.decompressobj(-15)
            raw = inflater.decompress(raw, MAX_REQUEST_BYTES)
            if inflater.unconsumed_tail:
                raise SamlRequestError(too_large)
        if len(raw) > MAX_REQUEST_BYTES:
            raise SamlRequestError(too_large)
        return raw.decode("utf-8")
    except SamlRequestError:
        raise
    except (ValueError, UnicodeError, zlib.error):
        raise SamlRequestError(_("SAMLRequest: not a base64-encoded SAML message.")) from None


def request_issuer(message: str, binding: str) -> str:
    """The entity id of the service provider that sent the AuthnRequest ``message``."""
    return read_request(message, binding).issuer.text.strip()


def is_passive(message: str, binding: str) -> bool:
    """True when the service provider asks that the member not be asked anything (IsPassive)."""
    return (read_request(message, binding).is_passive or "").strip().lower() in ("true", "1")


def read_request(message: str, binding: str) -> samlp.AuthnRequest:
    """The AuthnRequest ``message`` (not yet checked against the service provider's metadata)."""
    xml = decode_request(message, binding)
    try:
        request = samlp.authn_request_from_string(xml)
    except Exception:  # pysaml2 raises several kinds for bad XML
        request = None
    if request is None:
        raise SamlRequestError(_("SAMLRequest: not a SAML 2.0 AuthnRequest."))
    if request.issuer is None or not (request.issuer.text or "").strip():
        raise SamlRequestError(_("SAMLRequest: the request names no issuer (service provider)."))
    return request


def name_id_for(categories, pairwise: str, address: IdPAddress, sp_entity_id: str) -> NameID:
    """A persistent name (the pairwise value) for a service provider that may recognise the member,
    else a new transient one at each sign-in."""
    recognisable = gets_persistent_name(categories)
    if recognisable:
        return NameID(
            format=NAMEID_FORMAT_PERSISTENT,
            name_qualifier=address.entity_id,
            sp_name_qualifier=sp_entity_id,
            text=pairwise.split("@", 1)[0],
        )
    return NameID(format=NAMEID_FORMAT_TRANSIENT, text=secrets.token_hex(20))


def _checked(server: Server, provider, message: str, binding: str) -> dict:
    try:
        parsed = server.parse_authn_request(message, binding)
        return server.response_args(parsed.message, [BINDING_HTTP_POST])
    except Exception as error:  # pysaml2 raises many kinds: bad signature, destination, ACS address…
        logger.info("SAML request of %s refused: %s", provider.entity_id, error)
        raise SamlRequestError(str(error) or error.__class__.__name__) from None


def no_passive_answer(address: IdPAddress, provider, message: str, binding: str) -> tuple[str, str]:
    """(assertion consumer service, signed response) saying NoPassive: the member would have to sign in,
    which a passive request forbids."""
    server = server_for(address, provider)
    arguments = _checked(server, provider, message, binding)
    response = server.create_error_response(
        arguments["in_response_to"],
        arguments["destination"],
        (samlp.STATUS_NO_PASSIVE, "The member is not signed in to Khizana."),
        sign=True,
    )
    return arguments["destination"], str(response)


def answer(address: IdPAddress, provider, user, message: str, binding: str) -> tuple[str, str]:
    """(the service provider's assertion consumer service, the signed SAML response) answering the
    AuthnRequest ``message`` of ``provider`` for ``user``, with what ``provider``'s entity categories
    allow and the entitlements of its resource. :class:`SamlRequestError` when the request is refused
    (a signature, destination or assertion consumer service address that does not check out)."""
    from . import services

    server = server_for(address, provider)
    arguments = _checked(server, provider, message, binding)
    resource = services.resource_of(provider.resource_id, provider.entity_id)
    member = services.member_for(user, resource)
    salt = services.pairwise_salt()
    scope = settings.KHIZANA_SSO_SCOPE
    attributes = release(member, provider.entity_id, provider.categories, salt, scope)
    pairwise = pairwise_id(member.user_key, provider.entity_id, salt, scope)
    response = server.create_authn_response(
        identity=attributes,
        in_response_to=arguments["in_response_to"],
        destination=arguments["destination"],
        sp_entity_id=provider.entity_id,
        name_id=name_id_for(provider.categories, pairwise, address, provider.entity_id),
        authn={"class_ref": AUTHN_PASSWORD_PROTECTED, "authn_auth": address.entity_id},
        sign_response=True,
        sign_assertion=True,
    )
    return arguments["destination"], str(response)
