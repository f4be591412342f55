"""Federated single sign-on: registering the service providers and OpenID Connect clients (network
administrators only), and what the identity providers release about a member to each of them.

Each function that writes checks the user's role itself and runs in one transaction.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from oauth2_provider.models import get_application_model

from khizana.accounts import permissions
from khizana.accounts.audit import audit
from khizana.accounts.models import EDUPERSON_AFFILIATIONS
from khizana.eresources import services as eresources
from khizana.eresources.models import Resource

from . import keys
from .metadata import MetadataError, read_sp_metadata
from .models import OIDCClient, ServiceProvider
from .release import Member


class RegistrationError(ValueError):
    """Input that cannot be registered; ``field`` names the input, the message the problem."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _require_network_admin(user) -> None:
    if not permissions.is_network_admin(user):
        raise PermissionDenied(_("Only network administrators register service providers."))


# --- what is released ------------------------------------------------------------------------------


def pairwise_salt() -> str:
    """The secret of the pairwise identifiers: the setting, else a random one kept in the SSO dir."""
    if settings.KHIZANA_SSO_PAIRWISE_SALT:
        return settings.KHIZANA_SSO_PAIRWISE_SALT
    path = Path(settings.KHIZANA_SSO_DIR) / "pairwise-salt"
    if not path.exists():
        keys.write_new(path, secrets.token_urlsafe(32).encode())
    return path.read_text().strip()


def library_scope(library) -> str:
    """The scope of a member institution: ``<code>.<KHIZANA_SSO_SCOPE>``, lower case."""
    if library is None:
        return settings.KHIZANA_SSO_SCOPE
    return f"{library.code.lower().replace('_', '-')}.{settings.KHIZANA_SSO_SCOPE}"


def resource_of(provider_resource_id: int | None, entity_id: str = "") -> Resource | None:
    if provider_resource_id:
        return Resource.objects.filter(pk=provider_resource_id).first()
    return eresources.resource_for_entity_id(entity_id) if entity_id else None


def member_for(user, resource: Resource | None) -> Member:
    """What the identity providers know of ``user`` for a relying party linked to ``resource``: the
    affiliations of a verified member's category, and the entitlements of the licences that let the
    member use ``resource`` now (none without a resource, a licence, or once the licence has ended)."""
    membership = permissions.membership(user)
    affiliations: tuple[str, ...] = ()
    library = None
    if membership is not None:
        library = membership.library
        if membership.is_verified and membership.category:
            affiliations = tuple(EDUPERSON_AFFILIATIONS.get(membership.category, ()))
    entitlements: list[str] = []
    if resource is not None:
        for grant in eresources.entitlements_for(user, remote=True):
            if grant.resource_id == resource.pk and grant.entitlement not in entitlements:
                entitlements.append(grant.entitlement)
    return Member(
        user_key=str(user.pk),
        username=user.get_username(),
        affiliations=affiliations,
        scope=library_scope(library),
        entitlements=tuple(entitlements),
        given_name=user.first_name,
        surname=user.last_name,
        email=user.email,
    )


# --- registering SAML service providers ------------------------------------------------------------


def _check_metadata_with_pysaml2(xml: str) -> None:
    # (imported here: pysaml2's metadata store builds XML schemas at import, half a second at every start)
    from saml2.attribute_converter import ac_factory
    from saml2.mdstore import MetadataStore

    store = MetadataStore(ac_factory(), None)
    try:
        store.load("inline", xml)
    except Exception as error:  # pysaml2 raises many kinds for metadata it cannot use
        raise MetadataError(f"the metadata cannot be read as SAML metadata ({error})") from None


def _resource(resource_id) -> Resource | None:
    if resource_id in (None, ""):
        return None
    try:
        return Resource.objects.get(pk=int(resource_id))
    except (TypeError, ValueError, Resource.DoesNotExist):
        raise RegistrationError("resource", _("No electronic resource has this identifier.")) from None


def register_service_provider(user, metadata: bytes | str, *, resource_id=None) -> ServiceProvider:
    """Registers (or updates, for a known entity id) the service provider the metadata describes."""
    _require_network_admin(user)
    if isinstance(metadata, bytes):
        try:
            metadata = metadata.decode("utf-8")
        except UnicodeDecodeError:
            raise RegistrationError("metadata", _("The metadata is not UTF-8 text.")) from None
    try:
        described = read_sp_metadata(metadata)
        _check_metadata_with_pysaml2(metadata)
    except MetadataError as error:
        raise RegistrationError("metadata", str(error)) from None
    resource = _resource(resource_id)
    with transaction.atomic():
        provider, created = ServiceProvider.objects.select_for_update().get_or_create(
            entity_id=described.entity_id,
            defaults={"metadata_xml": metadata, "registered_by": user},
        )
        provider.metadata_xml = metadata
        provider.name = described.name[:255]
        provider.categories = described.categories
        provider.resource = resource
        provider.registered_by = user
        provider.save()
        audit(
            user,
            None,
            "sso-sp-register" if created else "sso-sp-update",
            provider.entity_id,
            categories=provider.categories,
            resource=resource.code if resource else "",
        )
    return provider


def remove_service_provider(user, provider_id: int) -> None:
    _require_network_admin(user)
    with transaction.atomic():
        provider = ServiceProvider.objects.select_for_update().filter(pk=provider_id).first()
        if provider is None:
            raise RegistrationError("provider", _("This service provider is not registered."))
        audit(user, None, "sso-sp-remove", provider.entity_id)
        provider.delete()


# --- registering OpenID Connect clients ------------------------------------------------------------


def register_oidc_client(user, *, name: str, redirect_uris: str, resource_id=None) -> tuple[OIDCClient, str]:
    """A confidential client (authorization code with PKCE, RS256 ID tokens); returns it and its
    secret, shown once."""
    _require_network_admin(user)
    name = (name or "").strip()
    if not name:
        raise RegistrationError("name", _("Give the platform's name."))
    uris = (redirect_uris or "").split()
    if not uris:
        raise RegistrationError("redirect_uris", _("Give at least one redirect URI."))
    for uri in uris:
        parts = urlsplit(uri)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
            raise RegistrationError(
                "redirect_uris", _("%(uri)s is not an http(s) address without a fragment.") % {"uri": uri}
            )
    resource = _resource(resource_id)
    Application = get_application_model()
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        application = Application(
            name=name[:255],
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(uris),
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=True,
            client_secret=secret,
            user=None,
        )
        try:
            application.full_clean(exclude=["client_id", "client_secret", "user"])
        except ValidationError as error:
            field, problems = next(iter(error.message_dict.items()))
            raise RegistrationError(field, " ".join(problems)) from None
        application.save()
        client = OIDCClient.objects.create(application=application, resource=resource)
        audit(user, None, "sso-oidc-register", application.client_id, name=name, redirect_uris=uris)
    return client, secret


def remove_oidc_client(user, client_id: int) -> None:
    _require_network_admin(user)
    with transaction.atomic():
        client = OIDCClient.objects.select_related("application").filter(pk=client_id).first()
        if client is None:
            raise RegistrationError("client", _("This client is not registered."))
        audit(user, None, "sso-oidc-remove", client.application.client_id)
        client.application.delete()
