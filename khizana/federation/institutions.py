"""Signing in to Khizana through a member institution's identity provider (SAML or OpenID Connect).

The registration of an identity provider (network administrators) says which library its members belong
to and which scopes it may assert; its metadata or discovery document is fetched through the guarded
outgoing session (khizana/core/outgoing). A person signing in through it gets (once) a Khizana account
tied to the provider's stable name for them, and a reader membership of the library, verified by the
identity provider, in the category their affiliation says. Local accounts are untouched.
"""

from __future__ import annotations

import hashlib
import json

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from khizana.accounts import permissions
from khizana.accounts.audit import audit
from khizana.accounts.models import Membership, Role, Verification
from khizana.core.outgoing.conf import outgoing_session
from khizana.core.outgoing.policy import OutgoingRequestRefused
from khizana.libraries.models import Library

from . import mapping
from .metadata import MAX_METADATA_BYTES, MetadataError, read_idp_metadata
from .models import FederatedIdentity, InstitutionIdP
from .services import RegistrationError

FETCH_TIMEOUT = 20
DISCOVERY_KEYS = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


def fetch(url: str) -> bytes:
    """The body at ``url`` (through the guarded session), or RegistrationError naming the problem."""
    try:
        with outgoing_session().get(url, timeout=FETCH_TIMEOUT, stream=True) as response:
            if response.status_code != 200:
                message = _("%(url)s answered HTTP %(status)s.") % {
                    "url": url,
                    "status": response.status_code,
                }
                raise RegistrationError("metadata_url", message)
            body = response.raw.read(MAX_METADATA_BYTES + 1, decode_content=True)
    except OutgoingRequestRefused as refused:
        raise RegistrationError("metadata_url", str(refused)) from None
    except OSError as error:  # requests' errors are OSErrors
        message = _("%(url)s cannot be fetched (%(error)s).") % {"url": url, "error": error}
        raise RegistrationError("metadata_url", message) from None
    if len(body) > MAX_METADATA_BYTES:
        raise RegistrationError("metadata_url", _("%(url)s: larger than 1 MiB.") % {"url": url})
    return body


def discover(url: str) -> dict:
    """The OpenID Connect discovery document at ``url``, checked for what the sign-in needs."""
    try:
        document = json.loads(fetch(url))
    except ValueError:
        document = None
    if not isinstance(document, dict):
        message = _("%(url)s: the discovery document is not a JSON object.") % {"url": url}
        raise RegistrationError("metadata_url", message)
    missing = [key for key in DISCOVERY_KEYS if not isinstance(document.get(key), str) or not document[key]]
    if missing:
        message = _("%(url)s: the discovery document has no %(keys)s.") % {
            "url": url,
            "keys": ", ".join(missing),
        }
        raise RegistrationError("metadata_url", message)
    return {key: document[key] for key in (*DISCOVERY_KEYS, "userinfo_endpoint") if document.get(key)}


def register_institution_idp(
    user,
    *,
    library_id,
    kind: str,
    name: str,
    scopes: str,
    metadata_url: str = "",
    metadata_xml: str = "",
    client_id: str = "",
    client_secret: str = "",
    category_map: dict | None = None,
) -> InstitutionIdP:
    """Registers (or updates, for a known entity id or issuer) an institution's identity provider."""
    if not permissions.is_network_admin(user):
        raise PermissionDenied(_("Only network administrators register identity providers."))
    library = Library.objects.filter(pk=library_id).first() if str(library_id or "").isdigit() else None
    if library is None:
        raise RegistrationError("library", _("Choose the member library of the identity provider."))
    if not scopes.split():
        raise RegistrationError("scopes", _("Give the domain (scope) the identity provider asserts."))
    for value in (category_map or {}).values():
        if value not in mapping.CATEGORIES:
            message = _("%(value)s is not a reader category (%(categories)s).") % {
                "value": repr(value),
                "categories": ", ".join(mapping.CATEGORIES),
            }
            raise RegistrationError("category_map", message)
    fields = {
        "library": library,
        "kind": kind,
        "name": name.strip()[:255],
        "scopes": " ".join(scopes.split()),
    }
    if kind == InstitutionIdP.Kind.SAML:
        if not metadata_xml.strip() and metadata_url:
            metadata_xml = fetch(metadata_url).decode("utf-8", "replace")
        try:
            entity_id = read_idp_metadata(metadata_xml).entity_id
        except MetadataError as error:
            raise RegistrationError("metadata_xml", str(error)) from None
        fields.update(metadata_url=metadata_url, metadata_xml=metadata_xml, discovery={})
    elif kind == InstitutionIdP.Kind.OIDC:
        if not metadata_url:
            raise RegistrationError("metadata_url", _("Give the provider's discovery URL."))
        if not client_id or not client_secret:
            raise RegistrationError("client_id", _("Give the client ID and secret the provider issued."))
        document = discover(metadata_url)
        entity_id = document["issuer"]
        fields.update(
            metadata_url=metadata_url,
            discovery=document,
            client_id=client_id,
            client_secret=client_secret,
            metadata_xml="",
        )
    else:
        raise RegistrationError("kind", _("Choose SAML 2.0 or OpenID Connect."))
    fields["attribute_mapping"] = dict(category_map or {})
    with transaction.atomic():
        idp, created = InstitutionIdP.objects.update_or_create(entity_id=entity_id, defaults=fields)
        audit(user, library, "sso-idp-register" if created else "sso-idp-update", entity_id, kind=kind)
    return idp


def remove_institution_idp(user, idp_id: int) -> None:
    """Removes a registration; the accounts made through it stay (they may sign in another way)."""
    if not permissions.is_network_admin(user):
        raise PermissionDenied(_("Only network administrators register identity providers."))
    with transaction.atomic():
        idp = InstitutionIdP.objects.select_for_update().filter(pk=idp_id).first()
        if idp is None:
            raise RegistrationError("idp", _("This identity provider is not registered."))
        audit(user, idp.library_id, "sso-idp-remove", idp.entity_id)
        FederatedIdentity.objects.filter(idp=idp).delete()
        idp.delete()


def sign_in(idp: InstitutionIdP, subject: str, attributes: dict):
    """The Khizana account of the person ``idp`` names ``subject`` (made the first time), its reader
    membership of the IdP's library verified and its category brought up to date."""
    if not idp.enabled:
        raise PermissionDenied(_("This identity provider is not enabled."))
    subject = (subject or "").strip()
    if not subject:
        raise PermissionDenied(_("The identity provider did not give a stable identifier for you."))
    found = mapping.affiliations(attributes, idp.scope_list)
    category = mapping.category(found, idp.attribute_mapping)
    now = timezone.now()
    with transaction.atomic():
        identity = FederatedIdentity.objects.select_for_update().filter(idp=idp, subject=subject).first()
        if identity is None:
            digest = hashlib.sha256(f"{idp.pk}!{subject}".encode()).hexdigest()[:20]
            user = get_user_model()(username=f"{idp.library.code.lower()}-{digest}")
            user.set_unusable_password()
            identity = FederatedIdentity(idp=idp, subject=subject[:512], user=user)
        user = identity.user
        user.email = mapping.first(attributes, mapping.EMAIL)[:254] or user.email
        user.first_name = mapping.first(attributes, mapping.GIVEN_NAME)[:150] or user.first_name
        user.last_name = mapping.first(attributes, mapping.SURNAME)[:150] or user.last_name
        user.save()
        identity.user = user
        identity.last_seen_at = now
        identity.save()
        membership = Membership.objects.select_for_update().filter(user=user).first()
        if membership is None:
            membership = Membership(user=user, role=Role.READER, library=idp.library)
        if membership.role == Role.READER:  # a staff role given by administrators is left alone
            membership.library = idp.library
            membership.category = category
            membership.verified_at = now if category else None
            membership.verified_by = Verification.IDENTITY_PROVIDER if category else ""
        membership.save()
    return user
