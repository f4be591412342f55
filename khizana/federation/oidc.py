"""Khizana as an OpenID Connect provider (django-oauth-toolkit): the claims of a member for a client.

``sub`` is the pairwise identifier of the member for the client (the same construction as SAML's
pairwise-id, the client id as the relying party), so two platforms cannot match their users; the
eduPerson claims follow https://wiki.refeds.org/display/GROUPS/Mapping+SAML+attributes+to+OIDC+Claims
(eduperson_scoped_affiliation, eduperson_entitlement).
"""

from __future__ import annotations

from oauth2_provider.oauth2_validators import OAuth2Validator

from . import services
from .release import pairwise_id

CLAIMS = (
    "sub",
    "eduperson_scoped_affiliation",
    "eduperson_entitlement",
    "name",
    "given_name",
    "family_name",
    "email",
)


def claims_for(user, application) -> dict:
    """Every claim of ``user`` for the client ``application`` (the scopes granted select among them)."""
    from .models import OIDCClient

    link = OIDCClient.objects.filter(application=application).only("resource_id").first()
    resource = services.resource_of(link.resource_id if link else None)
    member = services.member_for(user, resource)
    from django.conf import settings

    sub = pairwise_id(
        member.user_key, application.client_id, services.pairwise_salt(), settings.KHIZANA_SSO_SCOPE
    )
    claims = {
        "sub": sub.split("@", 1)[0],
        "eduperson_scoped_affiliation": [f"{a}@{member.scope}" for a in member.affiliations],
        "eduperson_entitlement": list(member.entitlements),
        "name": " ".join(part for part in (member.given_name, member.surname) if part),
        "given_name": member.given_name,
        "family_name": member.surname,
        "email": member.email,
    }
    return {name: value for name, value in claims.items() if value}  # a claim without a value is left out


class KhizanaOIDCValidator(OAuth2Validator):
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "eduperson_scoped_affiliation": "eduperson",
        "eduperson_entitlement": "eduperson",
    }

    def get_claim_dict(self, request):
        return claims_for(request.user, request.client)

    def get_discovery_claims(self, request):
        return list(CLAIMS)
