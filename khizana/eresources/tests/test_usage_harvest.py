"""SUSHI harvesting over real HTTP: Khizana's own SUSHI server (khizana.digital.counter) started in the test,
and a small provider in a thread (``http.server``) that queues a report before giving it, refuses the
credentials with an HTTP 401 exception body, has no usage, fails, and moved from R5 to R5.1."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.utils import timezone

from khizana.digital.counter.tests.support import Network, make_credential, month_id
from khizana.eresources.models import SushiAccount, UsageCount, UsageHarvest
from khizana.eresources.usage import services
from khizana.eresources.usage.services import harvest_all, retry_due
from khizana.testing import DEMO

from .factories import make_resource

KEY = "secret-key-of-the-harvester"
COUNTER_DEMO = DEMO / "eresources" / "counter"


@pytest.fixture(autouse=True)
def _loopback(settings):
    settings.KHIZANA_OUTGOING_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.LANGUAGE_CODE = "en"


def _month(value: str) -> date:
    return date(int(value[:4]), int(value[5:7]), 1)


def _counts(harvest: UsageHarvest) -> dict[str, int]:
    found: dict[str, int] = {}
    for metric, count in harvest.counts.values_list("metric_type", "count"):
        found[metric] = found.get(metric, 0) + count
    return found


# --- Khizana's own SUSHI server ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_harvests_khizanas_own_sushi_server(live_server):
    network = Network()
    make_credential("RABAT", network.rabat, api_key=KEY)
    first, last = month_id(network.two_months_ago), month_id(network.last_month)
    resource = make_resource("khizana-digital", name_fr="Bibliothèque numérique Khizana")
    account = SushiAccount.objects.create(
        resource=resource,
        library=network.rabat,
        base_url=f"{live_server.url}/r51",
        customer_id="RABAT",
        requestor_id="req-RABAT",
        api_key=KEY,
        reports=["TR", "DR", "PR"],
        harvest_from=_month(first),
    )
    summary = harvest_all("khizana-digital")
    assert summary.requested == 6  # three reports, two months
    harvests = {(h.report_id, month_id(h.month)): h for h in UsageHarvest.objects.filter(account=account)}
    tr = harvests[("TR", first)]
    assert tr.status == UsageHarvest.Status.DONE and tr.release == "5.1" and tr.attempts == 1
    assert _counts(tr) == {
        "Total_Item_Investigations": 3,
        "Total_Item_Requests": 2,  # the double click counts once
        "Unique_Item_Investigations": 2,
        "Unique_Item_Requests": 2,
        "Unique_Title_Investigations": 1,
        "Unique_Title_Requests": 1,
    }
    (row,) = tr.counts.filter(metric_type="Total_Item_Requests")
    assert (row.title, row.yop, row.access_type, row.library_id) == (
        "Kitab al-Ibar",
        "1858",
        "Controlled",
        network.rabat.pk,
    )
    last_tr = harvests[("TR", last)]
    assert last_tr.status == UsageHarvest.Status.DONE
    assert set(last_tr.counts.values_list("title", "access_type")) == {("Les Misérables", "Open")}
    assert harvests[("PR", first)].status == UsageHarvest.Status.DONE
    assert _counts(harvests[("PR", first)])["Total_Item_Requests"] == 2
    # Khizana serves no DR: the provider's answer (3000, HTTP 404) is shown, not hidden
    dr = harvests[("DR", first)]
    assert dr.status == UsageHarvest.Status.FAILED
    assert "3000" in dr.last_error and "Report Not Supported" in dr.last_error
    # resumable: a second run asks only for what failed
    again = harvest_all("khizana-digital")
    assert again.requested == 2 and again.by_status == {"failed": 2}
    assert UsageHarvest.objects.get(pk=tr.pk).attempts == 1


@pytest.mark.django_db(transaction=True)
def test_khizana_refuses_a_wrong_key_and_the_account_is_flagged(live_server):
    network = Network()
    make_credential("RABAT", network.rabat, api_key=KEY)
    resource = make_resource("khizana-digital")
    account = SushiAccount.objects.create(
        resource=resource,
        library=network.rabat,
        base_url=f"{live_server.url}/r51",
        customer_id="RABAT",
        requestor_id="req-RABAT",
        api_key="not-the-key",
        reports=["TR", "PR"],
        harvest_from=_month(month_id(network.two_months_ago)),
    )
    summary = harvest_all()
    assert summary.requested == 1  # stopped at the refusal
    account.refresh_from_db()
    assert account.credentials_refused_at is not None
    assert "2020" in account.credentials_error and "APIKey Invalid" in account.credentials_error
    # the monthly run leaves it alone until staff change the credentials
    assert harvest_all(scheduled=True).requested == 0


# --- a provider in a thread -------------------------------------------------------------------------------


def _r51_report(report_id: str, month: str, requests: int) -> dict:
    return {
        "Report_Header": {
            "Release": "5.1",
            "Report_ID": report_id,
            "Report_Name": "Title Report",
            "Created": "2025-03-05T08:00:00Z",
            "Created_By": "Fake provider",
            "Institution_ID": {"Proprietary": ["fake:RABAT"]},
            "Institution_Name": "Rabat",
            "Report_Filters": {"Begin_Date": f"{month}-01", "End_Date": f"{month}-28"},
        },
        "Report_Items": [
            {
                "Title": "Revue d'histoire maghrébine",
                "Platform": "Fake",
                "Item_ID": {"Online_ISSN": "2345-678X"},
                "Attribute_Performance": [
                    {
                        "Data_Type": "Journal",
                        "Access_Type": "Controlled",
                        "Performance": {
                            "Total_Item_Requests": {month: requests + 3},
                            "Unique_Item_Requests": {month: requests},
                        },
                    }
                ],
            }
        ],
    }


def _r5_report(month: str, requests: int) -> dict:
    return {
        "Report_Header": {
            "Report_ID": "TR",
            "Release": "5",
            "Report_Name": "Title Master Report",
            "Report_Filters": [{"Name": "Begin_Date", "Value": f"{month}-01"}],
        },
        "Report_Items": [
            {
                "Title": "Revue d'histoire maghrébine",
                "Item_ID": [{"Type": "Online_ISSN", "Value": "2345-678X"}],
                "Access_Type": "Controlled",
                "Performance": [
                    {
                        "Period": {"Begin_Date": f"{month}-01", "End_Date": f"{month}-28"},
                        "Instance": [{"Metric_Type": "Unique_Item_Requests", "Count": requests}],
                    }
                ],
            }
        ],
    }


class Provider:
    """A SUSHI server in a thread: ``script[(path, month)]`` is the list of answers (status, body) it gives
    in turn (the last one again once the list is used up); ``asked`` the requests it got."""

    def __init__(self):
        self.script: dict[tuple[str, str], list[tuple[int, object]]] = {}
        self.asked: list[tuple[str, dict]] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                provider.asked.append((parts.path, query))
                answers = provider.script.get((parts.path, query.get("begin_date", "")), [(404, {})])
                status, body = answers.pop(0) if len(answers) > 1 else answers[0]
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider():
    found = Provider()
    yield found
    found.close()


def _account(provider, **extra):
    if "resource" not in extra:
        extra["resource"] = make_resource("revues")
    defaults = {
        "base_url": f"{provider.url}/r51",
        "customer_id": "RABAT",
        "requestor_id": "req",
        "api_key": "k",
        "reports": ["TR"],
        "harvest_from": date(2025, 1, 1),
    }
    return SushiAccount.objects.create(**{**defaults, **extra})


@pytest.mark.django_db
def test_a_queued_report_is_retried_later_then_stored(provider):
    queued = {"Code": 1011, "Severity": "Warning", "Message": "Report Queued for Processing"}
    not_ready = {
        "Report_Header": {
            "Report_ID": "TR",
            "Release": "5.1",
            "Exceptions": [{"Code": 3031, "Message": "Usage Not Ready for Requested Dates"}],
        },
        "Report_Items": [],
    }
    provider.script[("/r51/reports/tr", "2025-01")] = [
        (202, queued),
        (200, not_ready),
        (200, _r51_report("TR", "2025-01", 12)),
    ]
    account = _account(provider)
    now = timezone.now()
    harvest_all(end="2025-01", now=now)
    harvest = UsageHarvest.objects.get(account=account)
    assert harvest.status == UsageHarvest.Status.QUEUED and harvest.attempts == 1
    assert "1011 Report Queued for Processing" in harvest.last_error
    assert harvest.next_attempt_at == now + timedelta(minutes=60)
    # not due yet: neither a run nor the retry asks again
    assert harvest_all(end="2025-01", now=now + timedelta(minutes=5)).requested == 0
    assert retry_due(now + timedelta(minutes=5)).requested == 0
    assert retry_due(now + timedelta(minutes=61)).by_status == {"queued": 1}  # 3031 in the header
    assert retry_due(now + timedelta(minutes=200)).by_status == {"done": 1}
    harvest.refresh_from_db()
    assert (harvest.status, harvest.attempts, harvest.last_error) == ("done", 3, "")
    assert _counts(harvest) == {"Unique_Item_Requests": 12, "Total_Item_Requests": 15}
    assert [q["api_key"] for _, q in provider.asked] == ["k", "k", "k"]
    assert provider.asked[0][1]["attributes_to_show"] == "YOP|Access_Type|Access_Method"


@pytest.mark.django_db
def test_a_report_still_queued_after_the_last_attempt_fails(provider, settings):
    settings.KHIZANA_SUSHI_MAX_ATTEMPTS = 2
    provider.script[("/r51/reports/tr", "2025-01")] = [
        (200, [{"Code": 1011, "Message": "Report Queued for Processing"}])
    ]
    account = _account(provider)
    now = timezone.now()
    harvest_all(end="2025-01", now=now)
    retry_due(now + timedelta(hours=2))
    harvest = UsageHarvest.objects.get(account=account)
    assert harvest.status == "failed" and harvest.last_error.startswith("Still queued after 2 attempts")


@pytest.mark.django_db
def test_http_401_with_an_exception_body_flags_the_credentials(provider):
    refused = {"Code": 2020, "Severity": "Error", "Message": "APIKey Invalid", "Data": "key expired"}
    provider.script[("/r51/reports/tr", "2025-01")] = [(401, refused)]
    account = _account(provider)
    summary = harvest_all(end="2025-03")
    assert summary.requested == 1 and summary.refused_accounts == [str(account)]
    account.refresh_from_db()
    assert account.credentials_error == "Credentials refused: 2020 APIKey Invalid (key expired)"
    harvest = UsageHarvest.objects.get(account=account)
    assert harvest.status == "failed" and harvest.exceptions[0]["Code"] == 2020
    # the provider accepts the key again: the flag goes
    provider.script[("/r51/reports/tr", "2025-01")] = [(200, _r51_report("TR", "2025-01", 4))]
    provider.script[("/r51/reports/tr", "2025-02")] = [
        (200, [{"Code": 3030, "Message": "No Usage Available for Requested Dates"}])
    ]
    provider.script[("/r51/reports/tr", "2025-03")] = [(500, b"<html>Internal Server Error</html>")]
    summary = harvest_all(end="2025-03")
    assert summary.by_status == {"done": 1, "no_usage": 1, "failed": 1}
    account.refresh_from_db()
    assert account.credentials_refused_at is None
    by_month = {month_id(h.month): h for h in UsageHarvest.objects.filter(account=account)}
    assert by_month["2025-02"].row_count == 0 and by_month["2025-02"].exceptions[0]["Code"] == 3030
    assert by_month["2025-03"].last_error.startswith(
        "HTTP 500, not a COUNTER answer: <html>Internal Server Error"
    )


@pytest.mark.django_db
def test_re_harvesting_a_month_replaces_its_rows(provider):
    account = _account(provider)
    provider.script[("/r51/reports/tr", "2025-01")] = [(200, _r51_report("TR", "2025-01", 4))]
    harvest_all(end="2025-01")
    harvest = UsageHarvest.objects.get(account=account)
    services.harvest_month(account, "TR", date(2025, 1, 1))  # the provider corrected its numbers
    provider.script[("/r51/reports/tr", "2025-01")] = [(200, _r51_report("TR", "2025-01", 9))]
    services.harvest_month(account, "TR", date(2025, 1, 1))
    assert _counts(harvest) == {"Unique_Item_Requests": 9, "Total_Item_Requests": 12}
    assert UsageCount.objects.filter(resource=account.resource).count() == 2


@pytest.mark.django_db
def test_harvest_splits_at_the_move_to_r51(provider):
    account = _account(provider, release="5.1", r51_from=date(2025, 2, 1), r5_base_url=f"{provider.url}/r5")
    provider.script[("/r5/reports/tr", "2025-01")] = [(200, _r5_report("2025-01", 7))]
    provider.script[("/r51/reports/tr", "2025-02")] = [(200, _r51_report("TR", "2025-02", 8))]
    call_command(
        "eresources", "harvest-usage", "--resource", "revues", "--begin", "2025-01", "--end", "2025-02"
    )
    assert [path for path, _ in provider.asked] == ["/r5/reports/tr", "/r51/reports/tr"]
    assert provider.asked[0][1]["attributes_to_show"] == "Data_Type|YOP|Access_Type|Access_Method"
    releases = dict(UsageHarvest.objects.filter(account=account).values_list("month", "release"))
    assert releases == {date(2025, 1, 1): "5", date(2025, 2, 1): "5.1"}
    counts = dict(UsageCount.objects.filter(metric_type="Unique_Item_Requests").values_list("month", "count"))
    assert counts == {date(2025, 1, 1): 7, date(2025, 2, 1): 8}


@pytest.mark.django_db
def test_an_address_the_policy_refuses_is_an_error_shown(provider, settings):
    settings.KHIZANA_OUTGOING_ALLOWED_HOSTS = []
    account = _account(provider)
    harvest_all(end="2025-01")
    harvest = UsageHarvest.objects.get(account=account)
    assert harvest.status == "failed"
    assert harvest.last_error.startswith(f"Refused: {provider.url}/r51/reports/tr: ")
    assert "api_key" not in harvest.last_error  # the key is in the query, never in the error
    assert provider.asked == []


@pytest.mark.django_db
def test_the_scheduled_tasks_harvest_and_retry(provider):
    from khizana.eresources import tasks

    last = services.last_ended_month()
    provider.script[("/r51/reports/tr", last)] = [(200, [{"Code": 1011, "Message": "Report Queued"}])]
    account = _account(provider, harvest_from=_month(last))
    flagged = _account(
        provider,
        resource=make_resource("flagged"),
        harvest_from=_month(last),
        credentials_refused_at=timezone.now(),
    )
    tasks.harvest_usage_monthly.call_local()
    assert UsageHarvest.objects.get(account=account).status == "queued"
    assert not UsageHarvest.objects.filter(account=flagged).exists()  # refused: left alone until fixed
    UsageHarvest.objects.filter(account=account).update(next_attempt_at=timezone.now())
    provider.script[("/r51/reports/tr", last)] = [(200, _r51_report("TR", last, 3))]
    tasks.retry_queued_usage.call_local()
    assert UsageHarvest.objects.get(account=account).status == "done"


@pytest.mark.django_db
def test_the_command_checks_its_arguments():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No resource with the code 'nope'"):
        call_command("eresources", "harvest-usage", "--resource", "nope")
    with pytest.raises(CommandError, match="before --begin"):
        call_command("eresources", "harvest-usage", "--begin", "2025-03", "--end", "2025-01")


@pytest.mark.django_db
def test_staff_ask_for_a_harvest_over_http(provider, settings):
    from django.test import Client
    from django.urls import reverse
    from huey.contrib.djhuey import HUEY

    from khizana.testing import make_library, make_user

    rabat, oran = make_library("RABAT"), make_library("ORAN")
    account = _account(provider, library=rabat, harvest_from=date(2025, 1, 1))
    provider.script[("/r51/reports/tr", "2025-01")] = [(200, _r51_report("TR", "2025-01", 5))]
    url = reverse("eresources:staff-usage-account-harvest", args=[account.resource_id, account.pk])

    def client_of(name, role, library):
        client = Client()
        client.force_login(make_user(name, role, library))
        return client

    was, HUEY.immediate = HUEY.immediate, True
    try:
        assert Client().post(url).status_code == 302  # to the sign-in page
        assert client_of("reader", "reader", rabat).post(url).status_code == 403
        assert client_of("oran-admin", "library_admin", oran).post(url).status_code == 403
        forged = reverse("eresources:staff-usage-account-harvest", args=[account.resource_id + 1, account.pk])
        admin = client_of("rabat-admin", "library_admin", rabat)
        assert admin.post(forged).status_code == 404
        assert not UsageHarvest.objects.exists() and provider.asked == []
        assert admin.post(url).status_code == 302
    finally:
        HUEY.immediate = was
    january = UsageHarvest.objects.get(account=account, month=date(2025, 1, 1))
    assert january.status == "done" and _counts(january)["Unique_Item_Requests"] == 5
