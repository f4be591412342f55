"""The staff pages: reports by period and institution, downloads, the dashboard, SUSHI credentials; and
forged requests (another library's administrator, a cataloguer, a reader, anonymous)."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from khizana.accounts.models import AuditEntry
from khizana.digital.counter.tests.support import Network, member, month_id
from khizana.digital.models import SushiCredential
from khizana.testing import chart_on_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def network():
    found = Network()
    found.rabat_admin = member("admin-rabat", "library_admin", found.rabat)
    found.oran_admin = member("admin-oran", "library_admin", found.oran)
    found.cataloguer = member("cat-rabat", "cataloguer", found.rabat)
    found.network_admin = member("admin-network", "network_admin", None)
    return found


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_library_admin_runs_their_librarys_report_and_downloads_it(network):
    client = signed_in(network.rabat_admin)
    month = month_id(network.two_months_ago)
    params = {"customer": "RABAT", "begin": month, "end": month, "report": "tr"}
    page = client.get("/staff/digital/usage/reports/", params)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Kitab al-Ibar" in html and "Les Misérables" not in html  # Oran's reader's use is not Rabat's
    body = client.get("/staff/digital/usage/reports/", {**params, "format": "json"})
    assert body["Content-Disposition"].startswith("attachment")
    report = json.loads(body.content)
    assert report["Report_Header"]["Institution_ID"] == {"Proprietary": ["Khizana:RABAT"]}
    tsv = client.get("/staff/digital/usage/reports/", {**params, "format": "tsv"}).content.decode()
    assert tsv.startswith("Report_Name\tTitle Report\r\n")
    xlsx = client.get("/staff/digital/usage/reports/", {**params, "format": "xlsx"}).content
    assert load_workbook(io.BytesIO(xlsx)).active["B2"].value == "TR"


def test_forged_report_requests_are_refused(network, client):
    month = month_id(network.two_months_ago)
    params = {"customer": "ORAN", "begin": month, "end": month, "report": "tr", "format": "json"}
    assert signed_in(network.rabat_admin).get("/staff/digital/usage/reports/", params).status_code == 403
    assert (
        signed_in(network.rabat_admin).get("/staff/digital/usage/", {"customer": "network"}).status_code
        == 403
    )
    assert signed_in(network.cataloguer).get("/staff/digital/usage/reports/", {}).status_code == 403
    assert signed_in(network.reader).get("/staff/digital/usage/reports/", params).status_code == 403
    anonymous = client.get("/staff/digital/usage/reports/", params)
    assert anonymous.status_code == 302 and "/account/" in anonymous["Location"]
    # the network administrator may see any
    assert signed_in(network.network_admin).get("/staff/digital/usage/reports/", params).status_code == 200


def test_bad_input_is_named(network):
    client = signed_in(network.rabat_admin)
    with translation.override("en"):
        page = client.get(
            "/staff/digital/usage/reports/", {"begin": "2026-13", "report": "zz", "format": "pdf"}
        )
    assert page.status_code == 400
    html = page.content.decode()
    assert (
        "“2026-13” is not a month" in html
        and "“zz” is not a report" in html
        and "“pdf” is not a format" in html
    )


def test_dashboard_shows_charts_with_their_tables(network):
    client = signed_in(network.network_admin)
    month = month_id(network.two_months_ago)
    page = client.get(
        "/staff/digital/usage/", {"customer": "network", "begin": month, "end": month_id(network.last_month)}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('role="img"') == 4 and html.count('class="chart-data"') == 4
    top_titles = chart_on_page(html, "top-titles")
    assert top_titles["data"]["labels"] == ["Les Misérables", "Kitab al-Ibar"]
    assert top_titles["data"]["datasets"][0]["data"] == [3, 2]
    charts = {chart["id"]: dict(chart["rows"]) for chart in page.context["charts"]}
    # robots out, the double click one: Rabat's reader 2 + Oran's 1 + anonymous 1, then 1 last month
    assert charts["by-month"] == {month: 4, month_id(network.last_month): 1}
    assert charts["by-language"] == {"ara": 2, "fre": 3}
    assert charts["by-library"] == {"RABAT": 2, "ORAN": 3}
    assert charts["top-titles"] == {"Les Misérables": 3, "Kitab al-Ibar": 2}


def test_credentials_are_made_shown_once_rotated_and_revoked(network, client):
    admin = signed_in(network.rabat_admin)
    page = admin.post("/staff/digital/usage/sushi/", {"customer": "RABAT", "label": "ERM"})
    assert page.status_code == 200
    credential = SushiCredential.objects.get()
    key = page.context["new_key"]
    assert (
        credential.customer_id == "RABAT"
        and credential.library == network.rabat
        and key not in credential.api_key_hash
    )
    auth = {"customer_id": "RABAT", "requestor_id": credential.requestor_id, "api_key": key}
    assert client.get("/r51/reports", auth).status_code == 200
    assert key not in admin.get("/staff/digital/usage/sushi/").content.decode()  # shown once
    rotated = admin.post(f"/staff/digital/usage/sushi/{credential.pk}/", {"action": "rotate"})
    new_key = rotated.context["new_key"]
    assert client.get("/r51/reports", auth).status_code == 401  # the old key no longer works
    assert client.get("/r51/reports", {**auth, "api_key": new_key}).status_code == 200
    admin.post(f"/staff/digital/usage/sushi/{credential.pk}/", {"action": "revoke"})
    assert client.get("/r51/reports", {**auth, "api_key": new_key}).status_code == 401
    assert AuditEntry.objects.filter(action__startswith="sushi.credential").count() == 3


def test_forged_credential_requests_are_refused(network, client):
    signed_in(network.rabat_admin).post("/staff/digital/usage/sushi/", {"customer": "RABAT"})
    credential = SushiCredential.objects.get()
    oran = signed_in(network.oran_admin)
    assert oran.post("/staff/digital/usage/sushi/", {"customer": "RABAT"}).status_code == 403
    assert oran.post("/staff/digital/usage/sushi/", {"customer": "network"}).status_code == 403
    assert oran.post(f"/staff/digital/usage/sushi/{credential.pk}/", {"action": "rotate"}).status_code == 403
    assert oran.post(f"/staff/digital/usage/sushi/{credential.pk}/", {"action": "revoke"}).status_code == 403
    assert b"RABAT" not in oran.get("/staff/digital/usage/sushi/").content
    assert (
        signed_in(network.cataloguer).post("/staff/digital/usage/sushi/", {"customer": "RABAT"}).status_code
        == 403
    )
    assert (
        signed_in(network.reader).post("/staff/digital/usage/sushi/", {"customer": "RABAT"}).status_code
        == 403
    )
    assert client.post("/staff/digital/usage/sushi/", {"customer": "RABAT"}).status_code == 302
    assert (
        signed_in(network.rabat_admin)
        .post("/staff/digital/usage/sushi/999/", {"action": "rotate"})
        .status_code
        == 404
    )
    assert (
        signed_in(network.rabat_admin)
        .post(f"/staff/digital/usage/sushi/{credential.pk}/", {"action": "x"})
        .status_code
        == 400
    )
    credential.refresh_from_db()
    assert credential.active and SushiCredential.objects.count() == 1
    # a network administrator may make network credentials
    signed_in(network.network_admin).post("/staff/digital/usage/sushi/", {"customer": "network"})
    assert SushiCredential.objects.filter(customer_id="network", library=None).exists()
