"""What Khizana's identity provider tells a service provider about a member (no Django import).

The REFEDS entity categories a service provider declares in its metadata decide the attributes it gets:

- Anonymous Authorization (https://refeds.org/category/anonymous): eduPersonEntitlement and
  eduPersonScopedAffiliation only, under a transient name;
- Pseudonymous Authorization (https://refeds.org/category/pseudonymous): those, and the pairwise subject
  identifier (urn:oasis:names:tc:SAML:attribute:pairwise-id), a stable value of its own for each service
  provider that no two service providers can match;
- Research and Scholarship (http://refeds.org/category/research-and-scholarship): those, and the
  member's name, e-mail address and eduPersonPrincipalName.

A service provider in no category gets what Anonymous Authorization allows: the least.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

RESEARCH_AND_SCHOLARSHIP = "http://refeds.org/category/research-and-scholarship"
ANONYMOUS = "https://refeds.org/category/anonymous"
PSEUDONYMOUS = "https://refeds.org/category/pseudonymous"
ENTITY_CATEGORIES = (RESEARCH_AND_SCHOLARSHIP, ANONYMOUS, PSEUDONYMOUS)

BASE_ATTRIBUTES = ("eduPersonEntitlement", "eduPersonScopedAffiliation")
PSEUDONYMOUS_ATTRIBUTES = (*BASE_ATTRIBUTES, "pairwise-id")
RESEARCH_ATTRIBUTES = (
    *PSEUDONYMOUS_ATTRIBUTES,
    "displayName",
    "givenName",
    "sn",
    "mail",
    "eduPersonPrincipalName",
)


@dataclass(frozen=True)
class Member:
    """What the identity provider knows of the member signing in."""

    user_key: str  # stable and never reused (the user's primary key)
    username: str
    affiliations: tuple[str, ...]  # eduPersonAffiliation values of the member's category
    scope: str  # the member institution's scope (a DNS domain)
    entitlements: tuple[str, ...]  # eduPersonEntitlement URIs of the licences for this service provider
    given_name: str = ""
    surname: str = ""
    email: str = ""


def allowed_attributes(categories: Iterable[str]) -> tuple[str, ...]:
    """The attributes a service provider of these entity categories may receive (the widest applies)."""
    categories = set(categories)
    if RESEARCH_AND_SCHOLARSHIP in categories:
        return RESEARCH_ATTRIBUTES
    if PSEUDONYMOUS in categories:
        return PSEUDONYMOUS_ATTRIBUTES
    return BASE_ATTRIBUTES


def gets_persistent_name(categories: Iterable[str]) -> bool:
    """True when the service provider may recognise the member from one visit to the next."""
    return allowed_attributes(categories) != BASE_ATTRIBUTES


def pairwise_id(user_key: str, relying_party: str, salt: str, scope: str) -> str:
    """urn:oasis:names:tc:SAML:attribute:pairwise-id: ``<value>@<scope>``, the value an HMAC of the user
    and the relying party (service provider entity id or OIDC client id) under a secret salt, in base32
    lower case (the specification allows [a-z0-9=-], at most 127 characters before the scope)."""
    if not salt:
        raise ValueError("the pairwise identifier salt is empty")
    digest = hmac.new(salt.encode(), f"{user_key}!{relying_party}".encode(), hashlib.sha256).digest()

    value = base64.b32encode(digest).decode().lower().rstrip("=")
    return f"{value}@{scope}"


def scoped_affiliations(affiliations: Iterable[str], scope: str) -> list[str]:
    return [f"{affiliation}@{scope}" for affiliation in affiliations]


def release(member: Member, relying_party: str, categories: Iterable[str], salt: str, idp_scope: str):
    """The attributes (friendly name → list of values) the service provider ``relying_party`` gets."""
    allowed = allowed_attributes(categories)
    everything: dict[str, list[str]] = {
        "eduPersonEntitlement": list(member.entitlements),
        "eduPersonScopedAffiliation": scoped_affiliations(member.affiliations, member.scope),
        "pairwise-id": [pairwise_id(member.user_key, relying_party, salt, idp_scope)],
        "displayName": [" ".join(part for part in (member.given_name, member.surname) if part)],
        "givenName": [member.given_name],
        "sn": [member.surname],
        "mail": [member.email],
        "eduPersonPrincipalName": [f"{member.username}@{idp_scope}"],
    }
    return {name: values for name in allowed if (values := [v for v in everything[name] if v])}
