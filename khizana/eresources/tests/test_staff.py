"""The staff pages over HTTP: who may see and change what (network admin, library admin of the library and of
another, cataloguer, reader, anonymous), forged POSTs, clear errors, title-list uploads."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from khizana.accounts.models import AuditEntry
from khizana.eresources.models import (
    AccessEvent,
    Agreement,
    AgreementPeriod,
    Campaign,
    EntitlementRule,
    FreeList,
    FreeListEntry,
    Licence,
    LicenceTerm,
    PackageTitle,
    Resource,
)
from khizana.testing import make_library, make_user

from .factories import make_agreement, make_resource

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def client_of(name, role=None, library=None):
    user = make_user(name, role, library)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world(db):
    um5 = make_library("UM5")
    usthb = make_library("USTHB", country="DZ")
    scopus = make_resource("scopus")
    licence = Licence.objects.create(name="UM5 licence", library=um5, start_date=timezone.localdate())
    agreement, _ = make_agreement([scopus], libraries=[um5], library=um5, licence=licence)
    return {
        "um5": um5,
        "usthb": usthb,
        "scopus": scopus,
        "licence": licence,
        "agreement": agreement,
        "network": client_of("net", "network_admin"),
        "admin": client_of("admin-um5", "library_admin", um5),
        "other_admin": client_of("admin-usthb", "library_admin", usthb),
        "cataloguer": client_of("cat-um5", "cataloguer", um5),
        "reader": client_of("reader-um5", "reader", um5),
        "anonymous": Client(),
    }


RESOURCE = {
    "code": "wos",
    "name_fr": "Web of Science",
    "kind": "database",
    "platform_url": "https://www.webofscience.example/",
    "access_method": "saml",
    "languages": "EN",
    "subjects": "sciences ,  citations",
}


def test_who_may_enter(world):
    url = reverse("eresources:staff")
    assert world["anonymous"].get(url).status_code == 302
    assert world["reader"].get(url).status_code == 403
    assert world["cataloguer"].get(url).status_code == 403
    assert world["admin"].get(url).status_code == 200
    page = world["network"].get(url).content.decode()
    assert "Add a resource" in page and "Add a campaign" in page
    admin_page = world["admin"].get(url).content.decode()
    assert "Add a resource" not in admin_page and "UM5 licence" in admin_page
    assert "UM5 licence" not in world["other_admin"].get(url).content.decode()


def test_only_network_admins_create_resources_and_campaigns(world):
    new = reverse("eresources:staff-new", args=["resource"])
    for who in ("admin", "cataloguer", "reader"):
        assert world[who].post(new, RESOURCE).status_code == 403
    assert world["anonymous"].post(new, RESOURCE).status_code == 302
    assert not Resource.objects.filter(code="wos").exists()
    response = world["network"].post(new, RESOURCE)
    assert response.status_code == 302
    wos = Resource.objects.get(code="wos")
    assert (wos.languages, wos.subjects) == ("en", "sciences, citations")
    assert AuditEntry.objects.filter(action="eresources.resource").count() == 1
    edit = reverse("eresources:staff-edit", args=["resource", wos.pk])
    AccessEvent.objects.create(resource=wos, via="campaign")
    AccessEvent.objects.create(resource=wos, via="campaign")
    assert '<td class="count-campaign">2</td>' in world["network"].get(edit).content.decode()
    assert world["admin"].post(edit, {**RESOURCE, "name_fr": "Hacked"}).status_code == 403
    assert world["admin"].get(edit).status_code == 403
    campaign = {
        "name": "Open",
        "message_fr": "Ouvert",
        "all_resources": "on",
        "starts_at": "2026-03-01T00:00",
        "ends_at": "2026-04-01T00:00",
    }
    assert (
        world["admin"].post(reverse("eresources:staff-new", args=["campaign"]), campaign).status_code == 403
    )
    assert (
        world["network"].post(reverse("eresources:staff-new", args=["campaign"]), campaign).status_code == 302
    )
    assert Campaign.objects.get().created_by.username == "net"


def test_clear_errors_and_nothing_written(world):
    new = reverse("eresources:staff-new", args=["resource"])
    response = world["network"].post(new, {**RESOURCE, "languages": "french", "code": "journals"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "french: not ISO 639 language codes" in page
    assert "journals is the address of another page" in page
    bad_campaign = {
        "name": "x",
        "message_fr": "x",
        "starts_at": "2026-03-02T00:00",
        "ends_at": "2026-03-01T00:00",
    }
    response = world["network"].post(reverse("eresources:staff-new", args=["campaign"]), bad_campaign)
    assert response.status_code == 400 and "The end is not after the start." in response.content.decode()
    assert not Resource.objects.filter(code="wos").exists() and not Campaign.objects.exists()
    assert world["network"].get(reverse("eresources:staff-edit", args=["resource", "abc"])).status_code == 404
    assert world["network"].get(reverse("eresources:staff-new", args=["nothing"])).status_code == 404


def test_library_admins_manage_their_own_licences_and_agreements_only(world):
    licence = world["licence"]
    edit = reverse("eresources:staff-edit", args=["licence", licence.pk])
    data = {"name": "Renamed", "status": "active", "start_date": "2026-01-01", "library": world["um5"].pk}
    assert world["other_admin"].get(edit).status_code == 403
    assert world["other_admin"].post(edit, data).status_code == 403
    assert world["cataloguer"].post(edit, data).status_code == 403
    assert world["reader"].post(edit, data).status_code == 403
    # Moving one's licence to another library (a forged library id): not offered, so refused.
    response = world["admin"].post(edit, {**data, "library": world["usthb"].pk})
    assert response.status_code == 400
    licence.refresh_from_db()
    assert (licence.name, licence.library) == ("UM5 licence", world["um5"])
    assert world["admin"].post(edit, data).status_code == 302
    licence.refresh_from_db()
    assert licence.name == "Renamed"
    # A library administrator cannot create a network licence (no library).
    new = reverse("eresources:staff-new", args=["licence"])
    response = world["admin"].post(new, {**data, "library": ""})
    assert response.status_code == 400 and Licence.objects.count() == 1
    assert world["network"].post(new, {**data, "name": "Consortium", "library": ""}).status_code == 302
    assert Licence.objects.get(name="Consortium").library is None


def test_terms_amendments_periods_and_rules(world):
    licence, agreement = world["licence"], world["agreement"]
    add_term = reverse("eresources:staff-part-add", args=["licence", licence.pk, "term"])
    term = {"term-term_type": "tdm", "term-value": "Allowed", "term-is_public": "on"}
    assert world["other_admin"].post(add_term, term).status_code == 403
    assert world["reader"].post(add_term, term).status_code == 403
    assert world["admin"].post(add_term, term).status_code == 302
    assert LicenceTerm.objects.get().value == "Allowed"
    bad = world["admin"].post(add_term, {"term-term_type": "nonsense", "term-value": ""})
    assert bad.status_code == 400 and LicenceTerm.objects.count() == 1
    add_period = reverse("eresources:staff-part-add", args=["agreement", agreement.pk, "period"])
    period = {
        "period-start_date": "2027-01-01",
        "period-end_date": "2027-12-31",
        "period-cost_per_year": "12000.50",
    }
    response = world["admin"].post(add_period, {**period, "period-currency": "M4D"})
    assert response.status_code == 400 and "M4D: not an ISO 4217 currency code" in response.content.decode()
    assert world["admin"].post(add_period, {**period, "period-currency": "mad"}).status_code == 302
    assert AgreementPeriod.objects.filter(currency="MAD").count() == 1
    add_rule = reverse("eresources:staff-part-add", args=["agreement", agreement.pk, "rule"])
    rule = {
        "rule-libraries": [world["um5"].pk],
        "rule-categories": ["researcher"],
        "rule-remote_allowed": "on",
    }
    # Another library in a library's agreement: not offered.
    response = world["admin"].post(add_rule, {**rule, "rule-libraries": [world["usthb"].pk]})
    assert response.status_code == 400
    response = world["admin"].post(
        add_rule, {**rule, "rule-remote_allowed": "", "rule-ip_ranges": "10.0.0.0/33"}
    )
    assert (
        response.status_code == 400
        and "10.0.0.0/33: not an IP address or CIDR range" in response.content.decode()
    )
    assert world["admin"].post(add_rule, {**rule, "rule-ip_ranges": "196.200.128.0/20"}).status_code == 302
    new_rule = EntitlementRule.objects.latest("pk")
    assert new_rule.categories == ["researcher"] and new_rule.range_list == ["196.200.128.0/20"]
    delete = reverse("eresources:staff-part-delete", args=["agreement", agreement.pk, "rule", new_rule.pk])
    assert world["other_admin"].post(delete).status_code == 403
    assert world["reader"].post(delete).status_code == 403
    assert world["admin"].get(delete).status_code == 405
    assert world["admin"].post(delete).status_code == 302
    assert not EntitlementRule.objects.filter(pk=new_rule.pk).exists()
    # A part of another parent given in the URL: 404.
    _other_agreement, other_rule = make_agreement([world["scopus"]], all_libraries=True)
    wrong = reverse("eresources:staff-part-delete", args=["agreement", agreement.pk, "rule", other_rule.pk])
    assert world["admin"].post(wrong).status_code == 404


def test_library_admins_cannot_use_network_licences(world):
    network_licence = Licence.objects.create(name="National", start_date=timezone.localdate())
    data = {
        "name": "A",
        "library": world["um5"].pk,
        "licence": network_licence.pk,
        "resources": [world["scopus"].pk],
    }
    response = world["admin"].post(reverse("eresources:staff-new", args=["agreement"]), data)
    assert response.status_code == 400 and Agreement.objects.count() == 1
    own = {**data, "licence": world["licence"].pk}
    assert world["admin"].post(reverse("eresources:staff-new", args=["agreement"]), own).status_code == 302
    assert Agreement.objects.filter(library=world["um5"]).count() == 2


def test_agreements_cannot_use_another_librarys_licence(world):
    foreign = Licence.objects.create(
        name="USTHB licence", library=world["usthb"], start_date=timezone.localdate()
    )
    data = {"name": "A", "library": world["um5"].pk, "licence": foreign.pk, "resources": [world["scopus"].pk]}
    response = world["network"].post(reverse("eresources:staff-new", args=["agreement"]), data)
    assert (
        response.status_code == 400
        and "This licence belongs to another library." in response.content.decode()
    )
    assert Agreement.objects.count() == 1


def test_title_list_upload(world):
    url = reverse("eresources:staff-titles", args=[world["scopus"].pk])

    def upload(name="cairn_journals.txt", content=None, **extra):
        content = content if content is not None else (DATA / "cairn_journals.txt").read_bytes()
        return {"file": SimpleUploadedFile(name, content), **extra}

    assert world["admin"].post(url, upload()).status_code == 403
    assert world["reader"].post(url, upload()).status_code == 403
    assert PackageTitle.objects.count() == 0
    response = world["network"].post(url, upload())
    assert response.status_code == 200
    assert "3 rows read, 3 titles added, 0 removed" in response.content.decode()
    response = world["network"].post(url, upload("bad.csv", b"title;issn\n"))
    assert response.status_code == 400 and "bad.csv, line 1: not a KBART header" in response.content.decode()
    assert PackageTitle.objects.count() == 3
    response = world["network"].post(url, upload(add_only="on"))
    assert "0 titles added, 0 removed, 3 already in the list" in response.content.decode()


def test_too_large_a_title_list(world, settings):
    settings.KHIZANA_MAX_KBART_BYTES = 1024 * 1024
    url = reverse("eresources:staff-titles", args=[world["scopus"].pk])
    big = SimpleUploadedFile("big.txt", b"x" * (1024 * 1024 + 1))
    response = world["network"].post(url, {"file": big})
    assert response.status_code == 400
    assert "big.txt is larger than 1 MB" in response.content.decode()


def test_free_lists_and_links(world, settings):
    settings.KHIZANA_OUTGOING_ALLOWED_HOSTS = []
    new = reverse("eresources:staff-new", args=["freelist"])
    data = {"code": "archives", "title_fr": "Archives ouvertes", "library": world["um5"].pk}
    assert world["reader"].post(new, data).status_code == 403
    assert world["admin"].post(new, data).status_code == 302
    free_list = FreeList.objects.get()
    add = reverse("eresources:staff-part-add", args=["freelist", free_list.pk, "entry"])
    entry = {"entry-title": "HAL", "entry-url": "https://hal.science/", "entry-position": "1"}
    assert world["other_admin"].post(add, entry).status_code == 403
    assert world["admin"].post(add, entry).status_code == 302
    response = world["admin"].post(add, {**entry, "entry-url": "http://127.0.0.1:8000/admin"})
    assert response.status_code == 400  # the server would fetch it: loopback refused
    assert FreeListEntry.objects.count() == 1
    assert Client().get(reverse("eresources:free")).content.decode().count("HAL") >= 1
