"""What an institution's identity provider says about a member, read into Khizana's terms (no Django).

The category comes from eduPersonAffiliation values (plain, or scoped ones whose scope the institution
may assert); the first of :data:`CATEGORY_ORDER` found wins, unless the registration maps a value to a
category itself (``{"faculty": "researcher"}``). Only a value that makes the person a member of the
institution gives a category: an alumnus or an affiliate is not one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# eduPersonAffiliation value → Khizana reader category, strongest first.
CATEGORY_ORDER: tuple[tuple[str, str], ...] = (
    ("faculty", "teacher"),
    ("staff", "staff"),
    ("employee", "staff"),
    ("student", "student"),
    ("library-walk-in", "public"),
    ("member", "public"),
)
CATEGORIES = ("researcher", "doctoral_student", "student", "teacher", "staff", "public")

# The attribute names (SAML friendly names and OIDC claims) each piece is read from, first found wins.
SCOPED_AFFILIATION = ("eduPersonScopedAffiliation", "eduperson_scoped_affiliation")
AFFILIATION = ("eduPersonAffiliation", "eduperson_affiliation")
SUBJECT = ("pairwise-id", "subject-id", "eduPersonTargetedID", "eduPersonUniqueId", "sub")
EMAIL = ("mail", "email")
GIVEN_NAME = ("givenName", "given_name")
SURNAME = ("sn", "surname", "family_name")


def first(attributes: Mapping[str, object], names: Iterable[str]) -> str:
    """The first non-empty value among ``names`` (a value may be a string or a list of strings)."""
    for name in names:
        value = attributes.get(name)
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if isinstance(item, str) and item.strip():
                return item.strip()
    return ""


def values(attributes: Mapping[str, object], names: Iterable[str]) -> list[str]:
    found: list[str] = []
    for name in names:
        value = attributes.get(name)
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, str) and item.strip():
                found.append(item.strip())
    return found


def affiliations(attributes: Mapping[str, object], allowed_scopes: Iterable[str]) -> list[str]:
    """The affiliation values the institution may assert: plain ones, and scoped ones within its scopes
    (a scope of another institution is ignored, not believed)."""
    allowed = {scope.lower() for scope in allowed_scopes if scope}
    found = [value.lower() for value in values(attributes, AFFILIATION)]
    for scoped in values(attributes, SCOPED_AFFILIATION):
        value, _, scope = scoped.rpartition("@")
        if value and scope.lower() in allowed:
            found.append(value.lower())
    return list(dict.fromkeys(found))


def category(found: Iterable[str], overrides: Mapping[str, str] | None = None) -> str:
    """The reader category of a person with the affiliations ``found`` ("" when none makes a member)."""
    found = list(found)
    for value in found:
        mapped = (overrides or {}).get(value)
        if mapped in CATEGORIES:
            return mapped
    for value, mapped in CATEGORY_ORDER:
        if value in found:
            return mapped
    return ""
