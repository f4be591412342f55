"""entitlements_for: licences, rules, campaigns and free resources (the SSO provider builds on it)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings
from django.utils import timezone

from khizana.accounts.models import Membership
from khizana.eresources.models import Campaign, Licence, LicenceAmendment, LicenceTerm, TermType
from khizana.eresources.services import (
    COMMON_LIB_TERMS,
    Grant,
    effective_terms,
    entitlements_for,
    resource_for_entity_id,
)
from khizana.testing import make_library, make_user

from .factories import make_agreement, make_resource


@pytest.fixture
def world(db):
    um5 = make_library("UM5")
    usthb = make_library("USTHB", country="DZ", city="Alger")
    scopus = make_resource("scopus", saml_entity_id="https://sp.scopus.example/shibboleth")
    wos = make_resource("wos")
    openedition = make_resource("openedition", is_free=True, kind="free_resource", access_method="open")
    return um5, usthb, scopus, wos, openedition


def reader(name, library, category="researcher", verified=True):
    user = make_user(name, "reader", library, verified=verified)
    Membership.objects.filter(user=user).update(category=category)
    user.refresh_from_db()
    return user


def codes(grants):
    return [(g.resource_code, g.via) for g in grants]


@override_settings(KHIZANA_ERESOURCES_ENTITLEMENT_BASE="https://khizana.example.ma/")
def test_a_member_of_a_licensed_library_gets_the_licence_and_free_resources(world):
    um5, _usthb, scopus, _wos, openedition = world
    _, rule = make_agreement([scopus], libraries=[um5])
    grants = entitlements_for(reader("amina", um5))
    assert grants == [
        Grant(
            openedition.pk, "openedition", "https://khizana.example.ma/resources/openedition/licence", "free"
        ),
        Grant(
            scopus.pk,
            "scopus",
            "https://khizana.example.ma/resources/scopus/licence",
            "licence",
            rule_id=rule.pk,
        ),
    ]


def test_another_institution_a_category_without_the_licence_and_anonymous_get_only_free(world):
    um5, usthb, scopus, wos, _openedition = world
    make_agreement([scopus, wos], libraries=[um5], categories=["researcher", "doctoral_student"])
    assert codes(entitlements_for(reader("karim", usthb))) == [("openedition", "free")]
    assert codes(entitlements_for(reader("sara", um5, category="student"))) == [("openedition", "free")]
    assert codes(entitlements_for(AnonymousUser())) == [("openedition", "free")]
    assert codes(entitlements_for(None)) == [("openedition", "free")]
    assert codes(entitlements_for(reader("nadia", um5, category="doctoral_student"))) == [
        ("openedition", "free"),
        ("scopus", "licence"),
        ("wos", "licence"),
    ]


def test_unverified_readers_get_only_free_resources(world):
    um5, _, scopus, *_ = world
    make_agreement([scopus], all_libraries=True)
    assert codes(entitlements_for(reader("new", um5, verified=False))) == [("openedition", "free")]


def test_expired_licence_or_agreement_or_rule_gives_nothing(world):
    um5, _, scopus, _wos, _ = world
    today = timezone.localdate()
    user = reader("amina", um5)
    _, rule = make_agreement([scopus], libraries=[um5])
    assert ("scopus", "licence") in codes(entitlements_for(user))
    Licence.objects.update(end_date=today - timedelta(days=1))
    assert ("scopus", "licence") not in codes(entitlements_for(user))
    Licence.objects.update(end_date=None, status=Licence.Status.EXPIRED)
    assert ("scopus", "licence") not in codes(entitlements_for(user))
    Licence.objects.update(status=Licence.Status.ACTIVE)
    assert ("scopus", "licence") in codes(entitlements_for(user))
    # The period of the agreement is over.
    Licence.objects.update(start_date=today - timedelta(days=400))
    rule.agreement.periods.update(start_date=today - timedelta(days=400), end_date=today - timedelta(days=35))
    assert ("scopus", "licence") not in codes(entitlements_for(user))
    # ... but on a day it covered, the licence was granted.
    past = timezone.now() - timedelta(days=36)
    assert ("scopus", "licence") in codes(entitlements_for(user, at=past))
    rule.agreement.periods.update(end_date=today)
    rule.valid_to = today - timedelta(days=1)
    rule.save()
    assert ("scopus", "licence") not in codes(entitlements_for(user))


def test_an_agreement_without_a_licence_grants_nothing(world):
    um5, _, scopus, *_ = world
    agreement, _ = make_agreement([scopus], all_libraries=True)
    agreement.licence = None
    agreement.save()
    assert codes(entitlements_for(reader("amina", um5))) == [("openedition", "free")]


def test_a_library_agreement_serves_only_its_members_even_with_every_library_ticked(world):
    um5, usthb, scopus, *_ = world
    make_agreement([scopus], all_libraries=True, library=um5)
    assert ("scopus", "licence") in codes(entitlements_for(reader("amina", um5)))
    assert ("scopus", "licence") not in codes(entitlements_for(reader("karim", usthb)))


def test_on_site_only_rules_need_the_address_in_range(world):
    um5, _, scopus, *_ = world
    make_agreement([scopus], libraries=[um5], remote_allowed=False, ip_ranges="196.200.128.0/20\n10.0.0.1")
    user = reader("amina", um5)
    assert ("scopus", "licence") not in codes(entitlements_for(user))  # remote
    assert ("scopus", "licence") in codes(entitlements_for(user, remote=False, ip="196.200.130.7"))
    assert ("scopus", "licence") in codes(entitlements_for(user, remote=False, ip="10.0.0.1"))
    assert ("scopus", "licence") not in codes(entitlements_for(user, remote=False, ip="8.8.8.8"))
    assert ("scopus", "licence") not in codes(entitlements_for(user, remote=False, ip="not an address"))


def test_campaigns_open_resources_between_their_dates_to_members_or_a_category(world):
    um5, usthb, scopus, wos, _ = world
    now = timezone.now()
    campaign = Campaign.objects.create(
        name="Confinement",
        message_fr="Tout est ouvert",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
    )
    campaign.resources.set([wos])
    student = reader("sara", usthb, category="student")
    assert codes(entitlements_for(student)) == [("openedition", "free"), ("wos", "campaign")]
    assert entitlements_for(student)[1].campaign_id == campaign.pk
    assert codes(entitlements_for(AnonymousUser())) == [("openedition", "free")]
    assert codes(entitlements_for(reader("unv", usthb, verified=False))) == [("openedition", "free")]
    # Ended: nothing, without any job.
    assert ("wos", "campaign") not in codes(entitlements_for(student, at=now + timedelta(days=2)))
    # A category campaign, opening every licensed resource (those of some agreement; not the free ones).
    make_agreement([scopus, wos], libraries=[make_library("OTHER")])
    campaign.category = "researcher"
    campaign.all_resources = True
    campaign.save()
    assert codes(entitlements_for(student)) == [("openedition", "free")]
    assert codes(entitlements_for(reader("amina", um5))) == [
        ("openedition", "free"),
        ("scopus", "campaign"),
        ("wos", "campaign"),
    ]


def test_a_licence_wins_over_a_campaign_and_own_entitlement_values_are_used(world):
    um5, usthb, scopus, wos, _ = world
    scopus.entitlement = COMMON_LIB_TERMS
    scopus.save()
    make_agreement([scopus], libraries=[um5])
    make_agreement([wos], libraries=[usthb])
    unsubscribed = make_resource("unsubscribed")
    now = timezone.now()
    campaign = Campaign.objects.create(
        name="c",
        message_fr="m",
        all_resources=True,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    grants = {g.resource_code: g for g in entitlements_for(reader("amina", um5))}
    assert grants["scopus"].via == "licence"
    assert grants["scopus"].entitlement == COMMON_LIB_TERMS
    assert grants["wos"].via == "campaign" and grants["wos"].campaign_id == campaign.pk
    assert unsubscribed.code not in grants  # nobody subscribes to it: no campaign can open it


def test_resource_for_entity_id(world):
    _, _, scopus, *_ = world
    assert resource_for_entity_id("https://sp.scopus.example/shibboleth") == scopus
    assert resource_for_entity_id("https://unknown.example/sp") is None
    assert resource_for_entity_id("") is None


def test_amendments_replace_terms_of_their_type_from_their_date(world):
    today = timezone.localdate()
    licence = Licence.objects.create(name="L", start_date=today - timedelta(days=100))
    LicenceTerm.objects.create(licence=licence, term_type=TermType.REMOTE_ACCESS, value="no", is_public=True)
    LicenceTerm.objects.create(
        licence=licence, term_type=TermType.TEXT_AND_DATA_MINING, value="yes", is_public=False
    )
    amendment = LicenceAmendment.objects.create(
        licence=licence, name="A1", effective_date=today - timedelta(days=10)
    )
    LicenceTerm.objects.create(
        licence=licence, amendment=amendment, term_type=TermType.REMOTE_ACCESS, value="yes", is_public=True
    )
    assert [(t.term_type, t.value) for t in effective_terms(licence, today)] == [
        ("remote_access", "yes"),
        ("tdm", "yes"),
    ]
    assert [(t.term_type, t.value) for t in effective_terms(licence, today - timedelta(days=20))] == [
        ("remote_access", "no"),
        ("tdm", "yes"),
    ]
    assert [t.term_type for t in effective_terms(licence, today, public_only=True)] == ["remote_access"]
