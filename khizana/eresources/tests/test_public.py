"""The public pages over HTTP: A-Z of resources and journals, a resource's page (public terms only), my
resources and one-click access (anonymous, other institution, category without the licence, expired
licence, campaign active and ended), the banner, and "online via" on a work page."""

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from khizana.accounts.models import Membership
from khizana.catalog.models import SourceRecord, Work
from khizana.eresources.models import AccessEvent, Campaign, Licence, LicenceTerm, TermType
from khizana.eresources.services import load_titles
from khizana.testing import make_library, make_user

from .factories import make_agreement, make_resource

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def world(db):
    um5 = make_library("UM5")
    usthb = make_library("USTHB", country="DZ", city="Alger")
    scopus = make_resource(
        "scopus",
        name_fr="Scopus",
        subjects="sciences, médecine",
        languages="en",
        platform_url="https://www.scopus.example/",
    )
    cairn = make_resource(
        "cairn", name_fr="Cairn.info", kind="journal_package", subjects="sciences humaines", languages="fr"
    )
    openedition = make_resource(
        "openedition",
        name_fr="OpenEdition",
        kind="free_resource",
        access_method="open",
        is_free=True,
        languages="fr, en",
    )
    agreement, rule = make_agreement(
        [scopus, cairn], libraries=[um5], categories=["researcher", "doctoral_student"]
    )
    LicenceTerm.objects.create(
        licence=agreement.licence, term_type=TermType.REMOTE_ACCESS, value="Yes, for members", is_public=True
    )
    LicenceTerm.objects.create(
        licence=agreement.licence,
        term_type=TermType.TEXT_AND_DATA_MINING,
        value="SECRET internal",
        is_public=False,
    )
    load_titles(None, cairn, (DATA / "cairn_journals.txt").read_bytes(), "cairn_journals.txt")
    load_titles(
        None, openedition, (DATA / "openedition_journals.txt").read_bytes(), "openedition_journals.txt"
    )
    return {
        "um5": um5,
        "usthb": usthb,
        "scopus": scopus,
        "cairn": cairn,
        "openedition": openedition,
        "rule": rule,
    }


def member(name, library, category="researcher", verified=True):
    user = make_user(name, "reader", library, verified=verified)
    Membership.objects.filter(user=user).update(category=category)
    client = Client()
    client.force_login(user)
    return client


def test_resource_a_to_z_marks_licensed_and_free_and_filters(world):
    client = Client()
    with override("en"):
        page = client.get(reverse("eresources:list")).content.decode()
    assert "Scopus" in page and "Cairn.info" in page and "OpenEdition" in page
    assert "Licensed: members only" in page and "Free access" in page
    by_subject = client.get(reverse("eresources:list"), {"subject": "sciences"}).content.decode()
    assert "Scopus" in by_subject and "Cairn.info" not in by_subject  # "sciences humaines" is another subject
    by_kind = client.get(reverse("eresources:list"), {"kind": "journal_package"}).content.decode()
    assert "Cairn.info" in by_kind and "Scopus" not in by_kind
    by_language = client.get(reverse("eresources:list"), {"language": "fr"}).content.decode()
    assert "Cairn.info" in by_language and "OpenEdition" in by_language and "Scopus" not in by_language
    by_letter = client.get(reverse("eresources:list"), {"letter": "O"}).content.decode()
    assert "OpenEdition" in by_letter and "Scopus" not in by_letter
    not_a_letter = client.get(reverse("eresources:list"), {"letter": "OP"}).content.decode()
    assert "OpenEdition" in not_a_letter and "Scopus" in not_a_letter  # ignored
    words = client.get(reverse("eresources:list"), {"q": "cairn"}).content.decode()
    assert "Cairn.info" in words and "Scopus" not in words
    for language in ("fr", "ar"):
        response = client.get(
            reverse("eresources:list"), HTTP_ACCEPT_LANGUAGE=language, headers={"Cookie": ""}
        )
        assert response.status_code == 200


def test_a_resource_page_shows_public_terms_only(world):
    page = Client().get(reverse("eresources:detail", args=["scopus"])).content.decode()
    assert "Yes, for members" in page
    assert "SECRET internal" not in page
    assert "Sign in to see whether you may use it." in page
    assert reverse("eresources:access", args=["scopus"]) in _detail(member("amina", world["um5"]), "scopus")
    assert "does not include this resource" in _detail(member("karim", world["usthb"]), "scopus")
    assert 'href="https://openedition.example.org/"' in _detail(Client(), "openedition")


def _detail(client, code):
    with override("en"):
        return client.get(reverse("eresources:detail", args=[code])).content.decode()
    assert Client().get(reverse("eresources:detail", args=["nope"])).status_code == 404


def test_journal_a_to_z_by_title_issn_package(world):
    client = Client()
    page = client.get(reverse("eresources:journals")).content.decode()
    assert "Insaniyat / إنسانيات" in page and "Maghreb - Machrek" in page
    by_issn = client.get(reverse("eresources:journals"), {"q": "22530738"}).content.decode()
    assert "Insaniyat" in by_issn and "Maghreb" not in by_issn
    by_words = client.get(reverse("eresources:journals"), {"q": "monde arabe"}).content.decode()
    assert "Égypte/Monde arabe" in by_words and "Insaniyat" not in by_words
    by_package = client.get(reverse("eresources:journals"), {"package": "cairn"}).content.decode()
    assert "Maghreb - Machrek" in by_package and "Insaniyat" not in by_package
    by_letter = client.get(reverse("eresources:journals"), {"letter": "I"}).content.decode()
    assert "Ikosim" in by_letter and "Insaniyat" in by_letter and "Maghreb" not in by_letter


def _mine(client) -> str:
    return client.get(reverse("eresources:mine")).content.decode()


def test_my_resources_for_each_kind_of_visitor(world):
    assert Client().get(reverse("eresources:mine")).status_code == 302  # anonymous: to the sign-in page
    researcher = _mine(member("amina", world["um5"]))
    assert "Scopus" in researcher and "Cairn.info" in researcher and "OpenEdition" in researcher
    other_institution = _mine(member("karim", world["usthb"]))
    assert "Scopus" not in other_institution and "OpenEdition" in other_institution
    student = _mine(member("sara", world["um5"], category="student"))
    assert "Scopus" not in student and "OpenEdition" in student
    unverified = _mine(member("new", world["um5"], verified=False))
    assert "Scopus" not in unverified and "has not been confirmed" in unverified
    Licence.objects.update(end_date=timezone.localdate() - timedelta(days=1))
    assert "Scopus" not in _mine(member("amina2", world["um5"]))


def test_one_click_access_checks_again_and_records(world):
    amina = member("amina", world["um5"])
    url = reverse("eresources:access", args=["scopus"])
    response = amina.post(url)
    assert response.status_code == 302 and response["Location"] == "https://www.scopus.example/"
    event = AccessEvent.objects.get()
    assert (event.via, event.library, event.category, event.rule_id) == (
        "licence",
        world["um5"],
        "researcher",
        world["rule"].pk,
    )
    assert amina.get(url).status_code == 405  # a POST only (a link cannot be forged into an access)
    # Another institution, a forged POST: refused, nothing recorded.
    karim = member("karim", world["usthb"])
    response = karim.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("eresources:mine")
    assert AccessEvent.objects.count() == 1
    with override("en"):
        assert "You are not entitled to use Scopus." in karim.get(reverse("eresources:mine")).content.decode()
    # Anonymous: to the sign-in page.
    assert Client().post(url)["Location"].startswith(reverse("accounts:login"))
    # The licence expired since the page was shown.
    Licence.objects.update(end_date=timezone.localdate() - timedelta(days=1))
    assert amina.post(url)["Location"] == reverse("eresources:mine")
    assert AccessEvent.objects.count() == 1
    # Without CSRF token (a forged cross-site form): refused.
    forged = Client(enforce_csrf_checks=True)
    forged.force_login(User.objects.get(username="amina"))
    assert forged.post(reverse("eresources:access", args=["openedition"])).status_code == 403


def test_simultaneous_users(world):
    world["rule"].simultaneous_users = 1
    world["rule"].save()
    first, second = member("amina", world["um5"]), member("nadia", world["um5"], category="doctoral_student")
    url = reverse("eresources:access", args=["scopus"])
    assert first.post(url)["Location"] == "https://www.scopus.example/"
    assert second.post(url)["Location"] == reverse("eresources:mine")
    assert first.post(url)["Location"] == "https://www.scopus.example/"  # the same member again
    AccessEvent.objects.update(at=timezone.now() - timedelta(hours=2))  # the first session is over
    assert second.post(url)["Location"] == "https://www.scopus.example/"


def test_campaign_active_then_ended_with_its_banner(world):
    now = timezone.now()
    campaign = Campaign.objects.create(
        name="Confinement",
        message_fr="Accès ouvert",
        message_en="Every resource is open to every member",
        all_resources=True,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
    )
    karim = member("karim", world["usthb"])
    with override("en"):
        page = _mine(karim)
    assert "Scopus" in page and "an open-access campaign" in page
    assert "Every resource is open to every member" in page  # the banner
    with override("en"):
        assert "Every resource is open to every member" in Client().get(reverse("web:home")).content.decode()
    assert (
        karim.post(reverse("eresources:access", args=["scopus"]))["Location"] == "https://www.scopus.example/"
    )
    assert AccessEvent.objects.get().campaign == campaign
    Campaign.objects.update(ends_at=now - timedelta(minutes=1), starts_at=now - timedelta(days=2))
    page = _mine(karim)
    assert "Scopus" not in page and "Every resource is open" not in page
    assert karim.post(reverse("eresources:access", args=["scopus"]))["Location"] == reverse("eresources:mine")


def test_work_pages_show_online_via_the_package(world, django_assert_max_num_queries):
    library = world["um5"]
    work = Work.objects.create(
        title="Insaniyat",
        material_type="serial",
        record_count=1,
        library_count=1,
        identifiers={"issn": ["1111-2050"]},
    )
    SourceRecord.objects.create(
        library=library,
        local_id="1",
        format="dc",
        serialisation="xml",
        raw=b"x",
        checksum=hashlib.sha256(b"x").hexdigest(),
        title="Insaniyat",
        fields={"title": "Insaniyat"},
        work=work,
    )
    with override("en"):
        page = Client().get(reverse("web:work", args=[work.pk])).content.decode()
    assert "Online via <bdi>OpenEdition</bdi>" in page
    other = Work.objects.create(title="Other", material_type="book", identifiers={"isbn": ["9780306406157"]})
    with override("en"):
        assert "Online via" not in Client().get(reverse("web:work", args=[other.pk])).content.decode()


def test_on_site_only_rules_follow_the_address_of_the_request(world):
    world["rule"].remote_allowed = False
    world["rule"].ip_ranges = "196.200.128.0/20"
    world["rule"].save()
    amina = member("amina", world["um5"])
    url = reverse("eresources:access", args=["scopus"])
    assert "Scopus" not in _mine(amina)  # the test client's address: 127.0.0.1
    assert amina.post(url)["Location"] == reverse("eresources:mine")
    on_site = {"REMOTE_ADDR": "196.200.131.10"}
    assert "Scopus" in amina.get(reverse("eresources:mine"), **on_site).content.decode()
    assert amina.post(url, **on_site)["Location"] == "https://www.scopus.example/"
