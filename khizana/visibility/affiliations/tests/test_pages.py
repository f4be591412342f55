"""The research office's affiliation analysis page over HTTP (Django's test client): roles, uploads,
validation, the background job, the report and its downloads. The registry is the database one,
loaded from the small ROR copy of data/ror; the export is data/analysis_scopus.csv (hand-made)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from huey.contrib.djhuey import HUEY
from openpyxl import load_workbook

from khizana.accounts.models import AuditEntry
from khizana.testing import chart_on_page, make_library, make_user
from khizana.visibility.affiliations import services as analysis_services
from khizana.visibility.affiliations import views as analysis_views
from khizana.visibility.affiliations.services import run_report_now
from khizana.visibility.models import AffiliationReport
from khizana.visibility.registry import services
from khizana.visibility.tests.support import DATA

pytestmark = pytest.mark.django_db

SAMPLE = DATA / "analysis_scopus.csv"
HOME = "/research/affiliations/"


@pytest.fixture
def registry():
    services.load_registry([DATA / "ror" / "ror_MA_DZ_TN.jsonl", DATA / "ror" / "ror_names_index_all.tsv"])


@pytest.fixture
def users(db):
    library = make_library("LIBA")
    return {
        "reader": make_user("lecteur", "reader", library),
        "cataloguer": make_user("catalogueur", "cataloguer", library),
        "network_admin": make_user("reseau", "network_admin", None),
    }


def client_for(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")  # the tests read the pages in English
    if user is not None:
        client.force_login(user)
    return client


def upload(client: Client, data: bytes, name: str = "export.csv", institution: str = ""):
    return client.post(HOME, {"file": SimpleUploadedFile(name, data), "institution": institution})


def test_access_by_role(users, registry):
    assert reverse("visibility:affiliations") == HOME
    response = client_for().get(HOME)
    assert response.status_code == 302 and "/login" in response["Location"]
    assert client_for(users["reader"]).get(HOME).status_code == 403
    assert upload(client_for(users["reader"]), SAMPLE.read_bytes()).status_code == 403
    assert AffiliationReport.objects.count() == 0
    for role in ("cataloguer", "network_admin"):
        page = client_for(users[role]).get(HOME)
        assert page.status_code == 200
        assert 'enctype="multipart/form-data"' in page.content.decode()


def test_upload_and_read_the_report(users, registry):
    client = client_for(users["cataloguer"])
    response = upload(client, SAMPLE.read_bytes(), name="../../etc/Scopus export.txt")
    report = AffiliationReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{HOME}{report.pk}/"
    assert report.status == "finished" and report.filename == "Scopus export.txt"
    assert report.source_format == "scopus_csv" and report.created_by == users["cataloguer"]
    assert report.summary["publications"] == 6 and report.summary["affiliations"] == 7
    assert report.summary["registry"].startswith("database registry")
    page = client.get(response["Location"]).content.decode()
    assert "6 publications, 7 affiliations, of which 5 with at least one anomaly" in page
    chart = chart_on_page(page, "anomaly-shares")
    assert (
        chart["data"]["labels"][0] == "institution not found"
        and chart["data"]["datasets"][0]["data"][0] == 14.3
    )
    assert 'src="/static/web/khizana-charts.js" defer' in page
    assert "Mohammed V University" in page and "University of Sfax" in page
    assert "write “Mohammed V University” instead of “Univ Mohammed 5”" in page
    assert "Univ Mohammed 5, Rabat, Morocco" in page
    entry = AuditEntry.objects.get(action="affiliation-report")
    assert entry.user == users["cataloguer"] and entry.details["report"] == report.pk
    assert entry.library_id == users["cataloguer"].membership.library_id
    listing = client.get(HOME).content.decode()
    assert f'href="{HOME}{report.pk}/"' in listing and "Scopus export.txt" in listing


def test_downloads(users, registry):
    client = client_for(users["network_admin"])
    upload(client, SAMPLE.read_bytes())
    report = AffiliationReport.objects.get()
    response = client.get(f"{HOME}{report.pk}/corrections.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 7 and rows[0]["institution"] == "Mohammed V University"
    response = client.get(f"{HOME}{report.pk}/corrections.xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["Affiliations", "Authors", "Institutions"]
    page = client.get(f"{HOME}{report.pk}/anomalies.html")
    assert page["Content-Type"] == "text/html; charset=utf-8" and "attachment" in page["Content-Disposition"]
    assert b'<canvas id="anomaly-shares-canvas" role="img"' in b"".join(page.streaming_content)
    assert client.get(f"{HOME}{report.pk}/anomalies.svg").status_code == 404  # the SVG of before
    assert client.get(f"{HOME}{report.pk}/report.csv").status_code == 200
    assert client.get(f"{HOME}{report.pk}/export.upload").status_code == 404
    assert client.get(f"{HOME}{report.pk + 1}/corrections.csv").status_code == 404
    assert client_for(users["reader"]).get(f"{HOME}{report.pk}/corrections.csv").status_code == 403


def test_the_report_page_speaks_the_reader_language_and_the_files_stay_english(users, registry):
    client = client_for(users["cataloguer"])
    upload(client, SAMPLE.read_bytes())
    report = AffiliationReport.objects.get()
    french = Client(HTTP_ACCEPT_LANGUAGE="fr")
    french.force_login(users["cataloguer"])
    page = french.get(f"{HOME}{report.pk}/").content.decode()
    assert "écrivez « Mohammed V University » au lieu de « Univ Mohammed 5 »" in page
    assert "n’est pas un nom enregistré de Mohammed V University" in page
    assert "instead of" not in page and "is not a registered name" not in page
    arabic = Client(HTTP_ACCEPT_LANGUAGE="ar")
    arabic.force_login(users["cataloguer"])
    page = arabic.get(f"{HOME}{report.pk}/").content.decode()
    assert "اكتب «Mohammed V University» بدلًا من «Univ Mohammed 5»" in page
    assert "instead of" not in page
    # the corrections sent to the database providers stay in English, whatever the page language
    response = french.get(f"{HOME}{report.pk}/corrections.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert any("write 'Mohammed V University' instead of 'Univ Mohammed 5'" in r["correction"] for r in rows)


def test_a_report_stored_without_its_texts_shows_its_english(users, registry):
    client = client_for(users["cataloguer"])
    upload(client, SAMPLE.read_bytes())
    report = AffiliationReport.objects.get()
    path = report.folder / analysis_services.CORRECTIONS_JSON
    rows = json.loads(path.read_text(encoding="utf-8"))
    for row in rows:
        row.pop("texts")
    path.write_text(json.dumps(rows), encoding="utf-8")
    french = Client(HTTP_ACCEPT_LANGUAGE="fr")
    french.force_login(users["cataloguer"])
    page = french.get(f"{HOME}{report.pk}/").content.decode()
    assert "write &#x27;Mohammed V University&#x27; instead of &#x27;Univ Mohammed 5&#x27;" in page


def test_one_institution(users, registry):
    client = client_for(users["cataloguer"])
    upload(client, SAMPLE.read_bytes(), institution="https://ror.org/04d4sd432")
    report = AffiliationReport.objects.get()
    assert report.summary["publications"] == 1
    page = client.get(f"{HOME}{report.pk}/").content.decode()
    assert "Only the affiliations of https://ror.org/04d4sd432" in page


def test_bad_uploads_are_refused_with_the_file_named(users, registry, settings):
    client = client_for(users["cataloguer"])
    response = upload(client, b"just some text\nnothing else\n", name="notes.csv")
    assert response.status_code == 400
    assert "notes.csv is not a Scopus or Web of Science export" in response.content.decode()
    response = upload(client, b"  \n", name="empty.csv")
    assert "empty.csv: the file is empty." in response.content.decode()
    settings.KHIZANA_MAX_AFFILIATION_BYTES = 100
    response = upload(client, SAMPLE.read_bytes(), name="big.csv")
    assert "big.csv: the file is 1," in response.content.decode()
    assert "over the limit of 100 bytes" in response.content.decode()
    assert AffiliationReport.objects.count() == 0


def test_a_failed_analysis_is_reported(users, settings, tmp_path):
    settings.KHIZANA_AFFILIATION_REGISTRY = str(tmp_path / "nowhere")
    client = client_for(users["cataloguer"])
    response = upload(client, SAMPLE.read_bytes(), name="scopus.csv")
    report = AffiliationReport.objects.get()
    assert report.status == "failed" and "scopus.csv: " in report.error and "nowhere" in report.error
    page = client.get(response["Location"]).content.decode()
    assert 'role="alert"' in page and "not a directory of ROR extract files" in page
    assert client.get(f"{HOME}{report.pk}/corrections.csv").status_code == 404


def test_large_exports_wait_for_the_background_job(users, registry, settings):
    settings.KHIZANA_AFFILIATION_BACKGROUND_BYTES = 100
    client = client_for(users["cataloguer"])
    HUEY.immediate = False  # queue the job instead of running it inside the request
    try:
        response = upload(client, SAMPLE.read_bytes())
        report = AffiliationReport.objects.get()
        assert report.status == "queued"
        page = client.get(response["Location"]).content.decode()
        assert '<meta http-equiv="refresh"' in page and "background job service" in page
        assert len(HUEY.pending()) == 1
        HUEY.flush()
    finally:
        HUEY.immediate = True
    run_report_now(report.pk)  # what the consumer does
    report.refresh_from_db()
    assert report.status == "finished" and report.summary["publications"] == 6
    assert '<meta http-equiv="refresh"' not in client.get(response["Location"]).content.decode()


def test_corrections_are_paged(users, registry, monkeypatch):
    monkeypatch.setattr(analysis_views, "PAGE_SIZE", 3)
    monkeypatch.setattr(analysis_views, "INSTITUTIONS_SHOWN", 2)
    client = client_for(users["cataloguer"])
    location = upload(client, SAMPLE.read_bytes())["Location"]
    first = client.get(location).content.decode()
    assert "Page 1 of 3" in first and 'rel="next"' in first
    assert "The 2 institutions with the most publications of 6: every one is in the" in first
    last = client.get(location + "?page=3").content.decode()
    assert "Page 3 of 3" in last and "57300000003" in last  # the author corrections come last


def test_a_small_export_waits_while_the_registry_matcher_is_built(users, registry, monkeypatch):
    monkeypatch.setattr(analysis_services, "_db_registry", None)
    (analysis_services.cache_dir() / analysis_services.DB_FINGERPRINT).unlink(missing_ok=True)
    assert not analysis_services.registry_is_ready()
    client = client_for(users["cataloguer"])
    HUEY.immediate = False
    try:
        upload(client, SAMPLE.read_bytes())
        assert AffiliationReport.objects.get().status == "queued"
        HUEY.flush()
    finally:
        HUEY.immediate = True
    run_report_now(AffiliationReport.objects.get().pk)  # builds the matcher and pickles it
    monkeypatch.setattr(analysis_services, "_db_registry", None)  # another process: the pickle serves
    assert analysis_services.registry_is_ready()
    upload(client, SAMPLE.read_bytes())
    assert AffiliationReport.objects.order_by("-pk").first().status == "finished"
