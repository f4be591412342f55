"""The supplying library's desk and the network's figures, over HTTP: the pick list (sorted, printable,
CSV), the daily overdue run and its e-mails, the statistics CSV, the labels instead of the raw codes,
and new requests forged at the ISO 18626 endpoint."""

import csv
import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from khizana.ill import labels, services
from khizana.ill import protocol as p
from khizana.ill.models import Agency, IllRequest
from khizana.ill.states import REASONS_RETRY, REASONS_UNFILLED, Action, Condition, Status
from khizana.ill.tasks import notify_overdue_loans
from khizana.testing import make_library

from .factories import holding, network

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return network()


def client_for(user):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def incoming_of(request):
    return IllRequest.objects.get(side="supplier", requester_request_id=request.requester_request_id)


def test_pick_list_by_shelf_place_and_csv(world):
    from khizana.catalog.models import Work

    second = Work.objects.create(title="Rihla", material_type="book")
    holding(world["b"], second, local_id="r1")
    world["b"].holdings.filter(record__work=world["work"]).update(location="Magasin 2", call_number="B 900")
    world["b"].holdings.filter(record__work=second).update(location="Magasin 1", call_number="Z 12")
    # an unavailable copy with an earlier call number is not the one to pull
    holding(world["b"], second, status="on_loan", local_id="r2")
    world["b"].holdings.filter(record__work=second, status="on_loan").update(
        location="Annexe", call_number="A 1"
    )
    first = services.create_request(world["reader"], service_type="Loan", work=world["work"])
    later = services.create_request(world["reader"], service_type="Loan", work=second)
    waiting = services.create_request(world["reader"], service_type="Loan", work=world["work"])
    for request in (first, later):
        services.supply(world["staff_b"], incoming_of(request).pk, "WillSupply")
    assert incoming_of(waiting).status == "RequestReceived"  # not decided: not on the list

    staff_b = client_for(world["staff_b"])
    page = staff_b.get(reverse("ill:pick-list"))
    lines = page.context["lines"]
    assert [(line.location, line.call_number, line.request.title) for line in lines] == [
        ("Magasin 1", "Z 12", "Rihla"),
        ("Magasin 2", "B 900", "Muqaddima"),
    ]
    html = page.content.decode()
    assert "<caption>2 documents to pull</caption>" in html and '<th scope="row"><bdi>Rihla' in html
    by_number = staff_b.get(reverse("ill:pick-list"), {"sort": "call_number"}).context["lines"]
    assert [line.call_number for line in by_number] == ["B 900", "Z 12"]
    by_date = staff_b.get(reverse("ill:pick-list"), {"sort": "date"}).context["lines"]
    assert [line.request.title for line in by_date] == ["Muqaddima", "Rihla"]
    refused = staff_b.get(reverse("ill:pick-list"), {"sort": "title; drop"})
    assert refused.status_code == 400 and "Sort" in refused.content.decode()

    exported = staff_b.get(reverse("ill:pick-list"), {"format": "csv"})
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows[0][:3] == ["library", "location", "call_number"]
    assert rows[1][:5] == ["RBT-B", "Magasin 1", "Z 12", "", "Rihla"] and rows[1][-1] == "MA-RBT-A"

    # the other libraries' staff see nothing of it; readers and visitors not the page
    assert client_for(world["staff_fes"]).get(reverse("ill:pick-list")).context["lines"] == []
    assert client_for(world["staff_a"]).get(reverse("ill:pick-list")).context["lines"] == []
    assert client_for(world["reader"]).get(reverse("ill:pick-list")).status_code == 403
    assert Client().get(reverse("ill:pick-list")).status_code == 302


def test_daily_run_marks_late_loans_overdue_and_mails_reader_and_staff(world, mailoutbox):
    make_library("RBT-Z")  # a library without interlibrary loan changes nothing
    Agency.objects.filter(pk=world["agency_a"].pk).update(name="BU Rabat")
    world["a"].contact_email = "pret@bu-a.example.org"
    world["a"].save()
    loan = services.create_request(world["reader"], service_type="Loan", work=world["work"])
    on_time = services.create_request(world["reader"], service_type="Loan", work=world["work"])
    for request in (loan, on_time):
        services.supply(world["staff_b"], incoming_of(request).pk, "Loaned")
    IllRequest.objects.filter(requester_request_id=loan.requester_request_id).update(
        due_date=timezone.now() - timedelta(days=1)
    )
    notify_overdue_loans.call_local()  # the daily task (huey), run here
    assert IllRequest.objects.get(pk=loan.pk).status == incoming_of(loan).status == "Overdue"
    assert IllRequest.objects.get(pk=on_time.pk).status == "Loaned"
    assert [m.to for m in mailoutbox] == [
        ["amina@example.org"],
        ["pret@bu-a.example.org", "staff_a@example.org"],
    ]
    assert "overdue" in mailoutbox[0].body and "Muqaddima" in mailoutbox[1].body
    assert "Status: Overdue" in mailoutbox[1].body
    # the next day: nothing new (a reminder only after a week)
    assert services.mark_overdue() == 0 and len(mailoutbox) == 2
    assert services.mark_overdue(timezone.now() + timedelta(days=8)) == 1
    assert len(mailoutbox) == 4 and "Reminder" in IllRequest.objects.get(pk=loan.pk).messages.last().raw
    out = io.StringIO()
    call_command("ill_timeouts", stdout=out)
    assert "0 overdue loan(s) notified" in out.getvalue()


def test_statistics_per_library_and_month_as_charts_tables_and_csv(world):
    from khizana.testing import chart_on_page, make_user

    reader_fes = make_user("karim", "reader", world["fes"])
    world["fes"].holdings.update(status="on_loan")
    filled = services.create_request(world["reader"], service_type="Loan", work=world["work"])
    services.create_request(world["reader"], service_type="Loan", work=world["work"])
    services.create_request(reader_fes, service_type="Loan", work=world["work"])
    services.supply(world["staff_b"], incoming_of(filled).pk, "Loaned")
    filled_at = IllRequest.objects.get(pk=filled.pk).filled_at
    IllRequest.objects.filter(pk=filled.pk).update(created_at=filled_at - timedelta(days=3))
    admin = client_for(make_user("net", "network_admin"))
    page = admin.get(reverse("ill:stats")).content.decode()
    month = f"{filled_at:%Y-%m}"
    assert chart_on_page(page, "ill-requests")["data"]["datasets"][0]["data"] == [3]
    assert chart_on_page(page, "ill-fill-rate")["data"]["datasets"][0]["data"] == [33.3]
    assert chart_on_page(page, "ill-turnaround")["data"]["datasets"][0]["data"] == [3.0]
    per_library = chart_on_page(page, "ill-libraries")
    assert per_library["data"]["datasets"][0]["data"] == [0.0, 50.0]  # MA-FES-C, MA-RBT-A
    assert '<th scope="row">MA-RBT-A</th><td>2</td><td>1</td><td>50.0</td><td>3.0</td>' in page
    exported = admin.get(reverse("ill:stats"), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows == [
        ["month", "library", "requests", "filled", "fill_rate_percent", "mean_days_to_fill"],
        [month, "MA-FES-C", "1", "0", "0.0", ""],
        [month, "MA-RBT-A", "2", "1", "50.0", "3.0"],
    ]
    # a library's staff get their library's figures only; readers nothing
    staff_rows = list(
        csv.reader(
            io.StringIO(
                client_for(world["staff_a"]).get(reverse("ill:stats"), {"format": "csv"}).content.decode()
            )
        )
    )
    assert [row[1] for row in staff_rows[1:]] == ["MA-RBT-A"]
    assert client_for(world["reader"]).get(reverse("ill:stats"), {"format": "csv"}).status_code == 403


def test_every_code_has_a_label_and_pages_show_labels(world):
    for code in [*Status, *Action, *Condition, *REASONS_UNFILLED, *REASONS_RETRY]:
        assert any(code in table for table in labels.TABLES), code
    assert labels.label("") == "—" and labels.label("SomethingNew") == "SomethingNew"
    Agency.objects.filter(pk=world["agency_fes"].pk).update(excluded=True)  # B is the only lender
    refused = services.create_request(world["reader"], service_type="Loan", work=world["work"])
    services.supply(world["staff_b"], incoming_of(refused).pk, "Unfilled", reason="NonCirculating")
    lent = services.create_request(world["reader"], service_type="Loan", work=world["work"])
    services.supply(world["staff_b"], incoming_of(lent).pk, "Loaned")
    mine = client_for(world["reader"]).get(reverse("ill:mine")).content.decode()
    assert "No library could supply it (Does not circulate)" in mine
    assert "<td>Lent<br>Due on" in mine and "<td>Loan</td>" in mine
    assert "Unfilled" not in mine and "NonCirculating" not in mine and "Loaned" not in mine
    queue = client_for(world["staff_b"]).get(reverse("ill:staff-supplying")).content.decode()
    assert "<td>Cannot be supplied" in queue and "<td>Lent" in queue
    assert '<option value="NotOnShelf">Not on the shelf</option>' in queue
    assert '<option value="Overdue">Overdue</option>' in queue
    assert '<option value="Fee">A fee</option>' not in queue  # no condition once lent


def test_new_requests_forged_at_the_endpoint_are_refused(world):
    """A new request names no request the two agencies share yet: over HTTP it must come from a
    registered external peer, with that peer's shared secret."""
    Agency.objects.create(
        isil="FR-PEER", peer_url="https://peer.example.org/iso18626", shared_secret="s3cret"
    )
    Agency.objects.create(isil="FR-OPEN", peer_url="https://open.example.org/iso18626")

    def post(requester, code, rid="r-1"):
        header = p.Header(
            supplying_agency=p.AgencyId("ISIL", "MA-RBT-B"),
            requesting_agency=p.AgencyId("ISIL", requester),
            requesting_request_id=rid,
            timestamp=p.now(),
            security_code=code,
        )
        message = p.Request(header=header, bibliographic=p.Bibliographic(title="Forged"))
        response = Client().post(reverse("ill:iso18626"), p.to_xml(message), content_type="application/xml")
        return p.parse(response.content)

    for requester, code, why in (
        ("MA-RBT-A", "", "MA-RBT-A is not an external peer"),  # a member library never posts
        ("NOBODY", "", "NOBODY is not an external peer"),
        ("FR-OPEN", "", "securityCode"),  # a peer without a secret cannot open requests
        ("FR-PEER", "", "securityCode"),
        ("FR-PEER", "s3cre", "securityCode"),
        ("FR-PEER", "S3CRET", "securityCode"),
    ):
        answer = post(requester, code)
        assert not answer.ok and why in answer.error_value, (requester, code, answer.error_value)
    assert not IllRequest.objects.exists()
    assert post("FR-PEER", "s3cret").ok
    assert IllRequest.objects.get().requester_agency.isil == "FR-PEER"
