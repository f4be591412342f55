"""Authentication backends for signing in through an institution's identity provider.

- :class:`InstitutionSaml2Backend` (djangosaml2): the assertion's issuer must be a registered SAML
  identity provider; the person is named by their pairwise-id / subject-id / persistent NameID.
- :class:`InstitutionOIDCBackend` (mozilla-django-oidc): the provider is the one the sign-in started
  with (kept in the session by the state), the ID token's signature, issuer, audience and nonce are
  checked, and every request to the provider goes through the guarded outgoing session.

Both return None for anything else (a password sign-in goes to Django's own backend).
"""

from __future__ import annotations

import logging

import jwt
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from djangosaml2.backends import Saml2Backend
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from saml2.saml import NAMEID_FORMAT_PERSISTENT

from khizana.core.outgoing.conf import outgoing_session

from . import institutions, mapping
from .models import InstitutionIdP

TIMEOUT = 20
logger = logging.getLogger(__name__)


class InstitutionSaml2Backend(Saml2Backend):
    def authenticate(
        self,
        request,
        session_info=None,
        attribute_mapping=None,
        create_unknown_user=True,
        assertion_info=None,
        **kwargs,
    ):
        if not session_info or "ava" not in session_info:
            return None
        idp = (
            InstitutionIdP.objects.filter(
                kind=InstitutionIdP.Kind.SAML, entity_id=session_info.get("issuer", ""), enabled=True
            )
            .select_related("library")
            .first()
        )
        if idp is None:
            return None
        attributes = session_info["ava"]
        subject = mapping.first(attributes, mapping.SUBJECT)
        name_id = session_info.get("name_id")
        if not subject and name_id is not None and name_id.format == NAMEID_FORMAT_PERSISTENT:
            subject = name_id.text
        try:
            return institutions.sign_in(idp, subject, attributes)
        except PermissionDenied as error:
            logger.warning("SAML sign-in through %s refused: %s", idp.entity_id, error)
            return None


class InstitutionOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, configured per request from the institution's registration."""

    SETTINGS = {
        "OIDC_AUTHENTICATION_CALLBACK_URL": "federation:institution-oidc-callback",
        "OIDC_RP_SIGN_ALGO": "RS256",
        "OIDC_USE_NONCE": True,
        "OIDC_CREATE_USER": True,
        "OIDC_STORE_ACCESS_TOKEN": False,
        "OIDC_STORE_ID_TOKEN": False,
        "OIDC_VERIFY_KID": True,
        "OIDC_ALLOW_UNSECURED_JWT": False,
        "OIDC_TOKEN_USE_BASIC_AUTH": False,
    }

    def __init__(self, *args, **kwargs):
        ModelBackend.__init__(self)
        self.UserModel = get_user_model()
        self.idp: InstitutionIdP | None = None

    def get_settings(self, attr, *args):
        if attr in self.SETTINGS:
            return self.SETTINGS[attr]
        return import_from_settings(attr, *args)

    def authenticate(self, request, **kwargs):
        idp = getattr(request, "federation_oidc_idp", None) if request is not None else None
        if idp is None or "nonce" not in kwargs:
            return None
        self.idp = idp
        self.OIDC_OP_TOKEN_ENDPOINT = idp.discovery["token_endpoint"]
        self.OIDC_OP_USER_ENDPOINT = idp.discovery.get("userinfo_endpoint", "")
        self.OIDC_OP_JWKS_ENDPOINT = idp.discovery["jwks_uri"]
        self.OIDC_RP_CLIENT_ID = idp.client_id
        self.OIDC_RP_CLIENT_SECRET = idp.client_secret
        self.OIDC_RP_SIGN_ALGO = "RS256"
        self.OIDC_RP_IDP_SIGN_KEY = None
        try:
            return super().authenticate(request, **kwargs)
        except (OSError, ValueError, KeyError, SuspiciousOperation, PermissionDenied) as error:
            logger.warning("OpenID Connect sign-in through %s refused: %s", idp.entity_id, error)
            return None  # the callback shows the failure; nothing was written

    # every request to the provider through the guarded session

    def get_token(self, payload):
        response = outgoing_session().post(self.OIDC_OP_TOKEN_ENDPOINT, data=payload, timeout=TIMEOUT)
        self.raise_token_response_error(response)
        return response.json()

    def get_userinfo(self, access_token, id_token, payload):
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            response = outgoing_session().get(
                self.OIDC_OP_USER_ENDPOINT,
                headers={"Authorization": f"Bearer {access_token}"},
                timeout=TIMEOUT,
            )
            response.raise_for_status()
            info = response.json()
            if info.get("sub") != payload.get("sub"):
                raise SuspiciousOperation("the userinfo is about another subject than the ID token")
            claims.update(info)
        return claims

    def retrieve_matching_jwk(self, token):
        response = outgoing_session().get(self.OIDC_OP_JWKS_ENDPOINT, timeout=TIMEOUT)
        response.raise_for_status()
        header = jwt.get_unverified_header(token)
        for key in response.json().get("keys", []):
            if key.get("kid") == header.get("kid") and key.get("alg", header.get("alg")) == header.get("alg"):
                return jwt.PyJWK(key)
        raise SuspiciousOperation("no key of the provider's JWKS signed the ID token")

    def _verify_jws(self, payload, key):
        """The ID token's claims, its signature (RS256 only), issuer and audience checked."""
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=["RS256"],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=self.idp.discovery["issuer"],
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"ID token refused: {error}") from None

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        return institutions.sign_in(self.idp, claims.get("sub", ""), claims)
