"""The usage staff pages over HTTP: SUSHI accounts (the API key never shown back), uploads of report files,
the harvest status with its errors, the usage page (cost per use, charts with their tables, CSV and Excel
exports), and who may do what (network admin, library admin of the library and of another, reader,
anonymous, forged ids)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from khizana.accounts.models import AuditEntry
from khizana.eresources.models import Agreement, AgreementPeriod, SushiAccount, UsageCount, UsageHarvest
from khizana.eresources.usage.costs import month_cost, usage_lines
from khizana.testing import DEMO, make_library, make_user

from .factories import make_resource

COUNTER_DEMO = DEMO / "eresources" / "counter"
KEY = "a-very-secret-api-key-1234"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def client_of(name, role=None, library=None):
    client = Client()
    client.force_login(make_user(name, role, library))
    return client


@pytest.fixture
def world(db):
    rabat = make_library("RABAT")
    oran = make_library("ORAN", country="DZ")
    revues = make_resource("revues", name_fr="Revues du Maghreb")
    return {
        "rabat": rabat,
        "oran": oran,
        "revues": revues,
        "network": client_of("net", "network_admin"),
        "admin": client_of("admin-rabat", "library_admin", rabat),
        "other_admin": client_of("admin-oran", "library_admin", oran),
        "reader": client_of("reader-rabat", "reader", rabat),
        "anonymous": Client(),
    }


def _account_data(**extra):
    data = {
        "account-base_url": "https://sushi.provider.example/r51",
        "account-customer_id": "RABAT-123",
        "account-requestor_id": "req-1",
        "account-api_key": KEY,
        "account-release": "5.1",
        "account-reports": ["TR", "DR"],
        "account-harvest_from": "2025-01",
        "account-active": "on",
    }
    return {**data, **extra}


def test_sushi_account_is_saved_and_its_key_never_shown(world):
    revues, rabat = world["revues"], world["rabat"]
    new = reverse("eresources:staff-usage-account-new", args=[revues.pk])
    response = world["admin"].post(new, _account_data(**{"account-library": rabat.pk}))
    assert response.status_code == 302, response.content.decode()[:2000]
    account = SushiAccount.objects.get()
    assert (account.library, account.api_key, account.reports) == (rabat, KEY, ["TR", "DR"])
    assert account.harvest_from == date(2025, 1, 1)
    page = world["admin"].get(reverse("eresources:staff-usage-resource", args=[revues.pk])).content.decode()
    assert "RABAT-123" in page and KEY not in page and "1234" in page  # the last four characters only
    edit = reverse("eresources:staff-usage-account", args=[revues.pk, account.pk])
    form = world["admin"].get(edit).content.decode()
    assert KEY not in form
    # saved again without a key: the stored key stays; the refusal flag goes
    SushiAccount.objects.filter(pk=account.pk).update(
        credentials_error="2020 APIKey Invalid", credentials_refused_at="2025-03-01T00:00Z"
    )
    assert "2020 APIKey Invalid" in world["admin"].get(edit).content.decode()
    data = _account_data(
        **{"account-library": rabat.pk, "account-api_key": "", "account-customer_id": "RABAT-9"}
    )
    assert world["admin"].post(edit, data).status_code == 302
    account.refresh_from_db()
    assert (account.api_key, account.customer_id, account.credentials_refused_at) == (KEY, "RABAT-9", None)
    assert AuditEntry.objects.filter(action="eresources.sushi_account").count() == 2
    assert KEY not in str(list(AuditEntry.objects.values_list("target", "details")))


def test_sushi_account_writes_are_checked(world):
    revues, rabat, oran = world["revues"], world["rabat"], world["oran"]
    new = reverse("eresources:staff-usage-account-new", args=[revues.pk])
    data = _account_data(**{"account-library": rabat.pk})
    assert world["anonymous"].post(new, data).status_code == 302
    assert world["reader"].post(new, data).status_code == 403
    # another library's administrator cannot name Rabat (a forged id), nor the network
    assert world["other_admin"].post(new, data).status_code == 400
    assert world["admin"].post(new, _account_data(**{"account-library": ""})).status_code == 400
    assert not SushiAccount.objects.exists()
    # an endpoint on a private address is refused with the reason
    bad = world["network"].post(new, _account_data(**{"account-base_url": "http://10.0.0.1/r51"}))
    assert bad.status_code == 400 and "10.0.0.1" in bad.content.decode()
    # bad months and reports are named
    bad = world["network"].post(
        new, _account_data(**{"account-harvest_from": "2025-13", "account-reports": ["XX"]})
    )
    assert bad.status_code == 400 and not SushiAccount.objects.exists()
    account = SushiAccount.objects.create(
        resource=revues,
        library=rabat,
        base_url="https://s.example/r51",
        customer_id="c",
        harvest_from=date(2025, 1, 1),
    )
    edit = reverse("eresources:staff-usage-account", args=[revues.pk, account.pk])
    delete = reverse("eresources:staff-usage-account-delete", args=[revues.pk, account.pk])
    assert world["other_admin"].get(edit).status_code == 403
    assert world["other_admin"].post(edit, _account_data(**{"account-library": oran.pk})).status_code == 403
    assert world["other_admin"].post(delete).status_code == 403
    assert world["reader"].post(delete).status_code == 403
    assert world["anonymous"].post(delete).status_code == 302
    other = make_resource("other")
    assert (
        world["admin"]
        .post(reverse("eresources:staff-usage-account-delete", args=[other.pk, account.pk]))
        .status_code
        == 404
    )
    assert (
        world["admin"].post(reverse("eresources:staff-usage-account", args=[revues.pk, "x1"])).status_code
        == 404
    )
    # the library admin cannot move Rabat's account to Oran
    assert world["admin"].post(edit, _account_data(**{"account-library": oran.pk})).status_code == 400
    assert SushiAccount.objects.get().library == rabat
    assert world["admin"].post(delete).status_code == 302
    assert not SushiAccount.objects.exists()


def _upload(client, resource, path, library=None, name=None):
    data = {"upload-file": SimpleUploadedFile(name or path.name, path.read_bytes())}
    if library is not None:
        data["upload-library"] = library.pk
    return client.post(reverse("eresources:staff-usage-upload", args=[resource.pk]), data)


def test_uploads_store_the_months_and_replace_them(world):
    revues, rabat = world["revues"], world["rabat"]
    response = _upload(world["admin"], revues, COUNTER_DEMO / "tr_r51_demo.json", rabat)
    assert response.status_code == 302
    harvests = UsageHarvest.objects.filter(resource=revues, library=rabat, report_id="TR").order_by("month")
    assert [(h.month, h.status, h.source, h.release) for h in harvests] == [
        (date(2025, 1, 1), "done", "upload", "5.1"),
        (date(2025, 2, 1), "done", "upload", "5.1"),
    ]
    assert UsageCount.objects.filter(resource=revues).count() == 11
    again = _upload(world["admin"], revues, COUNTER_DEMO / "tr_r51_demo.json", rabat)
    assert again.status_code == 302 and UsageCount.objects.filter(resource=revues).count() == 11
    assert _upload(world["network"], revues, COUNTER_DEMO / "pr_r51_demo.xlsx").status_code == 302
    assert _upload(world["network"], revues, COUNTER_DEMO / "dr_r51_demo.tsv").status_code == 302
    assert set(UsageHarvest.objects.filter(library=None).values_list("report_id", flat=True)) == {"PR", "DR"}
    page = world["network"].get(reverse("eresources:staff-usage-resource", args=[revues.pk])).content.decode()
    assert "pr_r51_demo.xlsx" in page and "uploaded file" in page


def test_upload_writes_are_checked_and_bad_files_explained(world):
    revues, rabat = world["revues"], world["rabat"]
    path = COUNTER_DEMO / "tr_r51_demo.json"
    assert _upload(world["anonymous"], revues, path, rabat).status_code == 302
    assert _upload(world["reader"], revues, path, rabat).status_code == 403
    assert _upload(world["other_admin"], revues, path, rabat).status_code == 400  # a forged institution
    assert _upload(world["admin"], revues, path).status_code == 400  # the network's: not theirs
    bad = io.BytesIO(b"Report_ID\tTR\n\nTitle\tMetric_Type\tJan-2025\nA\tTotal_Item_Requests\tlots\n")
    response = world["admin"].post(
        reverse("eresources:staff-usage-upload", args=[revues.pk]),
        {"upload-file": SimpleUploadedFile("broken.tsv", bad.getvalue()), "upload-library": rabat.pk},
    )
    assert response.status_code == 400
    assert (
        "broken.tsv, line 4, column Jan-2025: the count &#x27;lots&#x27; is not a whole number"
        in response.content.decode()
    )
    assert not UsageHarvest.objects.exists() and not UsageCount.objects.exists()
    assert world["admin"].post(reverse("eresources:staff-usage-upload", args=["999999"])).status_code == 404


def test_harvest_status_shows_the_errors(world):
    revues, rabat = world["revues"], world["rabat"]
    UsageHarvest.objects.create(
        resource=revues,
        library=rabat,
        report_id="TR",
        month=date(2025, 1, 1),
        status="failed",
        attempts=3,
        last_error="HTTP 500: the provider is down",
        exceptions=[{"Code": 3031, "Message": "Usage Not Ready for Requested Dates", "Data": "2025-01"}],
    )
    UsageHarvest.objects.create(
        resource=revues,
        library=world["oran"],
        report_id="TR",
        month=date(2025, 1, 1),
        last_error="Oran's secret",
    )
    url = reverse("eresources:staff-usage-resource", args=[revues.pk])
    page = world["admin"].get(url).content.decode()
    assert (
        "HTTP 500: the provider is down" in page
        and "3031 Usage Not Ready for Requested Dates (2025-01)" in page
    )
    assert "1 month failed or is waiting for the provider" in page
    assert "Oran&#x27;s secret" not in page  # another library's harvest
    assert "Oran&#x27;s secret" in world["network"].get(url).content.decode()
    assert world["reader"].get(url).status_code == 403
    assert world["anonymous"].get(url).status_code == 302


def _costed_world(world):
    """Revues: a network agreement of 36,500 MAD a year in 2025, shared with a second resource (so 18,250
    each); Rabat's title report uploaded for January and February 2025."""
    revues = world["revues"]
    agreement = Agreement.objects.create(name="Consortium")
    agreement.resources.set([revues, make_resource("autre")])
    AgreementPeriod.objects.create(
        agreement=agreement,
        start_date=date(2025, 1, 1),
        end_date=date(2025, 12, 31),
        cost_per_year=36500,
        currency="MAD",
    )
    assert (
        _upload(world["admin"], revues, COUNTER_DEMO / "tr_r51_demo.json", world["rabat"]).status_code == 302
    )
    return revues


def test_cost_per_use_per_resource_institution_and_month(world):
    revues = _costed_world(world)
    assert month_cost(18250, date(2025, 1, 1), date(2025, 12, 31), "2025-01") == 1550
    lines = {(line.library_code, line.month): line for line in usage_lines([revues], "2025-01", "2025-03")}
    network_january = lines[("", "2025-01")]
    # 20 unique requests (the 5 open-access ones left out) for 18,250 × 31/365 = 1,550 MAD
    assert (network_january.source, network_january.requests, network_january.investigations) == (
        "TR",
        20,
        40,
    )
    assert (network_january.cost, network_january.currency, network_january.cost_per_request) == (
        1550,
        "MAD",
        77.5,
    )
    network_february = lines[("", "2025-02")]
    assert (network_february.requests, network_february.cost, str(network_february.cost_per_request)) == (
        16,
        1400,
        "87.50",
    )
    march = lines[("", "2025-03")]
    assert march.requests is None and march.cost == 1550 and march.notes == ["usage not harvested"]
    rabat = lines[("RABAT", "2025-01")]
    assert rabat.requests == 20 and rabat.cost is None and rabat.notes == ["no cost recorded"]
    assert rabat.searches is None  # no DR nor PR


def test_usage_page_charts_tables_and_exports(world):
    _costed_world(world)
    url = reverse("eresources:staff-usage")
    query = {"begin": "2025-01", "end": "2025-03"}
    response = world["network"].get(url, query)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="usage-requests-canvas"' in page and 'id="usage-requests-table"' in page
    assert "<caption>Requests by month (the chart's figures)</caption>" in page
    assert "77.50" in page and "no cost recorded" in page and "usage not harvested" in page
    exported = world["network"].get(url, {**query, "format": "csv"})
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    network_january = next(
        r for r in rows if (r["resource"], r["institution"], r["month"]) == ("revues", "network", "2025-01")
    )
    assert (network_january["requests"], network_january["cost"], network_january["cost_per_request"]) == (
        "20",
        "1550.00",
        "77.50",
    )
    workbook = world["network"].get(url, {**query, "format": "xlsx"})
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(workbook.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][:5] == ["resource", "institution", "month", "report", "requests"]
    assert ["revues", "network", "2025-01", "TR", 20, 40, None, 1550, "MAD", 77.5, None, None] in values
    # a library administrator sees its institution's lines only, and cannot ask for another's
    mine = world["admin"].get(url, {**query, "format": "csv"}).content.decode("utf-8-sig")
    assert "RABAT" in mine and "network" not in mine
    assert world["admin"].get(url, {**query, "library": "ORAN"}).status_code == 403
    assert world["admin"].get(url, {**query, "library": "network"}).status_code == 403
    assert (
        world["other_admin"].get(url, {**query, "format": "csv"}).content.decode("utf-8-sig").count("\n") == 1
    )
    assert world["reader"].get(url).status_code == 403
    assert world["anonymous"].get(url).status_code == 302
    bad = world["network"].get(url, {"begin": "2025-05", "end": "2025-01"})
    assert bad.status_code == 400 and "The period ends before it begins." in bad.content.decode()
    assert world["network"].get(url, {**query, "format": "pdf"}).status_code == 404


def test_menu_lists_the_usage_page(world):
    page = world["admin"].get(reverse("eresources:staff-usage")).content.decode()
    assert reverse("eresources:staff-usage") in page


def test_load_usage_command(world):
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    path = COUNTER_DEMO / "tr_r5_demo.json"
    call_command("eresources", "load-usage", "revues", str(path), "--library", "RABAT", stdout=out)
    assert out.getvalue().strip() == "tr_r5_demo.json: TR, 6 counts, months 2024-11 to 2024-12"
    harvest = UsageHarvest.objects.get(month=date(2024, 11, 1))
    assert (harvest.library, harvest.release, harvest.source) == (world["rabat"], "5", "upload")
    with pytest.raises(CommandError, match="No library with the code 'NOPE'"):
        call_command("eresources", "load-usage", "revues", str(path), "--library", "NOPE")
    with pytest.raises(CommandError, match=r"^PROVENANCE.md, line 1: not a COUNTER tabular report"):
        call_command("eresources", "load-usage", "revues", str(DEMO / "eresources" / "PROVENANCE.md"))
