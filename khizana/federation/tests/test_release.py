"""The attribute release rules and the pairwise identifier (pure functions)."""

from __future__ import annotations

import re

import pytest

from khizana.federation import release
from khizana.federation.release import ANONYMOUS, PSEUDONYMOUS, RESEARCH_AND_SCHOLARSHIP, Member

MEMBER = Member(
    user_key="7",
    username="amina",
    affiliations=("member", "faculty"),
    scope="um5.khizana.local",
    entitlements=("urn:mace:dir:entitlement:common-lib-terms",),
    given_name="Amina",
    surname="Alaoui",
    email="amina@example.org",
)


def test_pairwise_id_is_stable_per_relying_party_and_secret():
    first = release.pairwise_id("7", "https://sp.example.org", "salt", "khizana.local")
    assert first == release.pairwise_id("7", "https://sp.example.org", "salt", "khizana.local")
    assert first != release.pairwise_id("7", "https://other.example.org", "salt", "khizana.local")
    assert first != release.pairwise_id("8", "https://sp.example.org", "salt", "khizana.local")
    assert first != release.pairwise_id("7", "https://sp.example.org", "pepper", "khizana.local")
    value, scope = first.split("@")
    assert scope == "khizana.local" and re.fullmatch(r"[a-z0-9]{1,127}", value)
    with pytest.raises(ValueError, match="salt"):
        release.pairwise_id("7", "https://sp.example.org", "", "khizana.local")


@pytest.mark.parametrize(
    ("categories", "names"),
    [
        ([], {"eduPersonEntitlement", "eduPersonScopedAffiliation"}),
        ([ANONYMOUS], {"eduPersonEntitlement", "eduPersonScopedAffiliation"}),
        ([PSEUDONYMOUS], {"eduPersonEntitlement", "eduPersonScopedAffiliation", "pairwise-id"}),
        (
            [RESEARCH_AND_SCHOLARSHIP],
            {
                "eduPersonEntitlement",
                "eduPersonScopedAffiliation",
                "pairwise-id",
                "displayName",
                "givenName",
                "sn",
                "mail",
                "eduPersonPrincipalName",
            },
        ),
        (["http://example.org/some-other-category"], {"eduPersonEntitlement", "eduPersonScopedAffiliation"}),
    ],
)
def test_each_category_releases_its_attributes(categories, names):
    released = release.release(MEMBER, "https://sp.example.org", categories, "salt", "khizana.local")
    assert set(released) == names
    assert released["eduPersonScopedAffiliation"] == ["member@um5.khizana.local", "faculty@um5.khizana.local"]


def test_empty_values_are_left_out():
    bare = Member("9", "x", (), "um5.khizana.local", ())
    released = release.release(bare, "https://sp", [RESEARCH_AND_SCHOLARSHIP], "salt", "khizana.local")
    assert set(released) == {"pairwise-id", "eduPersonPrincipalName"}
    assert not release.gets_persistent_name([ANONYMOUS]) and release.gets_persistent_name([PSEUDONYMOUS])
