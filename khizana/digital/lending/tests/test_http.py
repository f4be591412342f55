"""The loans part by HTTP: borrowing, downloads through signed links, returns, the waiting list, the
member's loans page, the staff alerts, usage events; and one run over a live server."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import requests
from django.utils import timezone

from khizana.accounts.models import Role
from khizana.digital.lending import loans, signing
from khizana.digital.models import DigitalItem, Licence, Loan, UsageEvent, WaitlistEntry
from khizana.digital.tests.loans_support import PDF, make_item, make_licence, make_member

pytest_plugins = ["khizana.digital.tests.loans_support"]  # its fixtures: store, lib_a, lib_b, item


INVALID_LINK = "This download link does not work"


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def licence(item):
    return make_licence(item, total_loans=10, concurrent_loans=1)


@pytest.fixture
def reader(lib_a):
    return make_member(lib_a, "ahmed")


def test_anonymous_readers_are_sent_to_sign_in(client, item, licence):
    for url in (f"/digital/{item.pk}/borrow", f"/digital/{item.pk}/download", "/digital/account/loans/"):
        response = client.get(url)
        assert response.status_code == 302 and "/account/login/" in response["Location"], url
    response = client.post(f"/digital/{item.pk}/borrow/confirm")
    assert response.status_code == 302 and "/account/login/" in response["Location"]
    assert not Loan.objects.exists()


def test_a_member_of_another_library_is_refused(client, item, licence, lib_b):
    client.force_login(make_member(lib_b, "other"))
    response = client.post(f"/digital/{item.pk}/borrow/confirm", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "Only members of the library holding this item may borrow it." in response.content.decode()
    assert client.get(f"/digital/{item.pk}/download").status_code == 403
    assert not Loan.objects.exists()


def test_borrow_download_and_return(client, item, licence, reader):
    client.force_login(reader)
    page = client.get(f"/digital/{item.pk}/borrow", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "Borrow this item" in page.content.decode()
    response = client.post(f"/digital/{item.pk}/borrow/confirm")
    assert response.status_code == 302 and response["Location"] == "/digital/account/loans/"
    loan = Loan.objects.get(user=reader)
    licence.refresh_from_db()
    assert licence.loans_used == 1 and loan.licence == licence

    loans_page = client.get("/digital/account/loans/", HTTP_ACCEPT_LANGUAGE="en")
    assert loans_page["Cache-Control"] == "private, no-store"
    hrefs = re.findall(r'href="(/digital/loans/\d+/download/[^"]+)"', loans_page.content.decode())
    assert len(hrefs) == 1
    link = hrefs[0]
    assert link.rsplit("/", 2)[0] in loans_page.content.decode()
    download = client.get(link)
    assert download.status_code == 200 and _body(download) == PDF.read_bytes()
    assert download["Content-Disposition"].startswith("attachment;")
    # The item's own download address sends a borrower on to a signed link.
    forwarded = client.get(f"/digital/{item.pk}/download")
    assert forwarded.status_code == 302 and forwarded["Location"].startswith(
        f"/digital/loans/{loan.pk}/download/"
    )

    assert client.post(f"/digital/loans/{loan.pk}/return").status_code == 302
    loan.refresh_from_db()
    assert loan.returned_at is not None
    after = client.get(link, HTTP_ACCEPT_LANGUAGE="en")
    assert after.status_code == 403 and INVALID_LINK in after.content.decode()


def test_forged_and_altered_links_are_refused(client, item, licence, reader):
    loan = loans.borrow(reader, item)
    client.force_login(reader)
    genuine = signing.download_path(loan)
    _, _, _, loan_id, _, expires, signature = genuine.split("/")
    forged_signature = f"/digital/loans/{loan_id}/download/{expires}/{'0' * 64}"
    longer_life = f"/digital/loans/{loan_id}/download/{int(expires) + 86400}/{signature}"
    for url in (forged_signature, longer_life, f"/digital/loans/{loan_id}/download/{expires}/not-hex"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 403, url
        assert INVALID_LINK in response.content.decode()
    assert client.get(genuine).status_code == 200


def test_a_link_expires_after_its_short_lifetime(client, item, licence, reader):
    loan = loans.borrow(reader, item)
    client.force_login(reader)
    old = signing.download_path(loan, now=timezone.now() - timedelta(hours=1))
    response = client.get(old, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403 and INVALID_LINK in response.content.decode()


def test_another_readers_link_is_refused(client, item, licence, reader, lib_a):
    link = signing.download_path(loans.borrow(reader, item))
    client.force_login(make_member(lib_a, "badia"))
    response = client.get(link, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403 and INVALID_LINK in response.content.decode()


def test_an_expired_loan_is_refused_and_closed(client, item, licence, reader):
    loan = loans.borrow(reader, item, now=timezone.now() - timedelta(days=30))
    assert loan.returned_at is None and loan.due_at < timezone.now()
    client.force_login(reader)
    link = signing.download_path(loan, now=loan.due_at - timedelta(minutes=1))
    response = client.get(link, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403 and INVALID_LINK in response.content.decode()
    loan.refresh_from_db()
    assert loan.returned_at == loan.due_at  # the reader's own genuine link closed the overdue loan
    assert client.get(f"/digital/{item.pk}/content").status_code == 403  # no reading online either


def test_out_of_tokens_borrow_is_refused_with_the_reason_and_the_waitlist_offered(client, item, reader):
    make_licence(item, total_loans=3, concurrent_loans=2)
    Licence.objects.update(loans_used=3)
    client.force_login(reader)
    response = client.post(f"/digital/{item.pk}/borrow/confirm", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 409
    assert "no loans left" in page and "Join the waiting list" in page
    assert not Loan.objects.exists()
    joined = client.post(f"/digital/{item.pk}/waitlist/join")
    assert (
        joined.status_code == 302 and WaitlistEntry.objects.filter(user=reader, closed_at=None).count() == 1
    )
    mine = client.get("/digital/account/loans/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Waiting lists" in mine and "number 1 on the list" in mine


def test_the_waiting_member_gets_the_returned_copy(client, item, licence, reader, lib_a):
    holder = make_member(lib_a, "holder")
    loan = loans.borrow(holder, item)
    client.force_login(reader)
    refused = client.post(f"/digital/{item.pk}/borrow/confirm", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 409 and "Every copy is on loan" in refused.content.decode()
    client.post(f"/digital/{item.pk}/waitlist/join")
    loans.return_loan(holder, loan.pk)
    page = client.get("/digital/account/loans/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Copies held for you" in page
    assert client.post(f"/digital/{item.pk}/borrow/confirm").status_code == 302
    assert loans.current_loans(reader).filter(item=item).exists()


def test_open_and_members_items_are_downloaded_without_a_loan(client, store, lib_a, lib_b, reader):
    members = make_item(lib_a, "M-1", access=DigitalItem.Access.MEMBERS)
    open_item = make_item(lib_a, "O-1", access=DigitalItem.Access.OPEN)
    on_site = make_item(lib_a, "S-1", access=DigitalItem.Access.ON_SITE)
    assert client.get(f"/digital/{open_item.pk}/download").status_code == 200
    assert client.get(f"/digital/{members.pk}/download").status_code == 302  # to sign in
    client.force_login(make_member(lib_b, "other"))
    assert client.get(f"/digital/{members.pk}/download").status_code == 403
    client.force_login(reader)
    response = client.get(f"/digital/{members.pk}/download")
    assert response.status_code == 200 and _body(response) == PDF.read_bytes()
    assert client.get(f"/digital/{on_site.pk}/download").status_code == 403
    assert client.post(f"/digital/{members.pk}/borrow/confirm").status_code == 409  # not lent
    assert not Loan.objects.exists()


def test_usage_events_for_borrow_pages_and_downloads_with_the_double_click_rule(
    client, item, licence, reader
):
    client.force_login(reader)
    client.get(f"/digital/{item.pk}/borrow")
    client.get(f"/digital/{item.pk}/borrow")  # a second click within 30 s: one event
    views = UsageEvent.objects.filter(item=item, action="view")
    assert views.count() == 1 and not views.get().is_request and views.get().user == reader
    loan = loans.borrow(reader, item)
    link = signing.download_path(loan)
    client.get(link)
    client.get(link)
    event = UsageEvent.objects.get(item=item, action="download")
    assert event.is_request and event.access_type == "Controlled" and event.user_library_id == item.library_id
    assert event.work_id == item.record.work_id
    UsageEvent.objects.filter(pk=event.pk).update(occurred_at=event.occurred_at - timedelta(seconds=31))
    client.get(link)
    assert UsageEvent.objects.filter(item=item, action="download").count() == 2


def test_the_loan_box_on_the_item_page(client, item, licence, reader):
    client.force_login(reader)
    page = client.get(f"/digital/{item.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Borrow this item" in page
    loans.borrow(reader, item)
    page = client.get(f"/digital/{item.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Download during the loan" in page and "Return it now" in page
    arabic = client.get(f"/digital/{item.pk}/borrow", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in arabic and "Return it now" not in arabic


def test_staff_alerts_are_scoped_to_the_staff_members_library(client, store, lib_a, lib_b, reader):
    today = timezone.now().date()
    saturated = make_item(lib_a, "SAT")
    make_licence(saturated, concurrent_loans=1, ends_on=date(today.year + 2, 1, 1))
    loans.borrow(reader, saturated)
    loans.join_waitlist(make_member(lib_a, "waiting"), saturated)
    ending = make_item(lib_a, "END")
    make_licence(ending, reference="ENDING-SOON", ends_on=today + timedelta(days=10))
    few = make_item(lib_a, "FEW")
    make_licence(few, reference="FEW-LEFT", total_loans=40, ends_on=date(today.year + 2, 1, 1))
    Licence.objects.filter(reference="FEW-LEFT").update(loans_used=37)
    calm = make_item(lib_a, "CALM")
    make_licence(calm, reference="CALM", ends_on=date(today.year + 2, 1, 1))
    elsewhere = make_item(lib_b, "ELSEWHERE")
    make_licence(elsewhere, reference="OTHER-LIBRARY", ends_on=today + timedelta(days=3))

    client.force_login(reader)
    assert client.get("/digital/staff-alerts/").status_code == 403
    client.force_login(make_member(lib_a, "cataloguer", role=Role.CATALOGUER))
    page = client.get("/digital/staff-alerts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Saturated licences" in page and "SAT" in page
    assert "ENDING-SOON" in page and "FEW-LEFT" in page and "3 / 40" in page
    assert "CALM" not in page and "OTHER-LIBRARY" not in page


def test_account_page_links_to_my_loans(client, reader):
    client.force_login(reader)
    assert "/digital/account/loans/" in client.get("/account/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_signed_links_over_a_live_server(live_server, client, settings, tmp_path):
    from khizana.testing import make_library

    settings.KHIZANA_DIGITAL_STORE = tmp_path / "digital"
    library = make_library("LIVE")
    item = make_item(library, "live")
    make_licence(item)
    reader, other = make_member(library, "live1"), make_member(library, "live2")
    loan = loans.borrow(reader, item)
    link = live_server.url + signing.download_path(loan)

    anonymous = requests.get(link, allow_redirects=False, timeout=30)
    assert anonymous.status_code == 302 and "/account/login/" in anonymous.headers["Location"]
    client.force_login(reader)
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    served = session.get(link, timeout=30)
    assert served.status_code == 200 and served.content == PDF.read_bytes()
    assert served.headers["Cache-Control"] == "private, no-store"
    assert session.get(link[:-8] + "00000000", timeout=30).status_code == 403
    client.force_login(other)
    intruder = requests.Session()
    intruder.cookies.set("sessionid", client.cookies["sessionid"].value)
    assert intruder.get(link, timeout=30).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_every_forged_link_gets_the_same_answer_over_a_live_server(live_server, client, settings, tmp_path):
    """Whatever is wrong with a link, the answer is byte for byte the same: it tells nothing about whose loan
    an id is, or whether that loan was returned, or whether the signature was right but old."""
    from khizana.testing import make_library

    settings.KHIZANA_DIGITAL_STORE = tmp_path / "digital"
    library = make_library("SAME")
    mine, theirs, returned = (make_item(library, f"same-{n}") for n in range(3))
    for item in (mine, theirs, returned):
        make_licence(item)
    reader, other = make_member(library, "same1"), make_member(library, "same2")
    loan = loans.borrow(reader, mine)
    genuine = signing.download_path(loan)
    _, _, _, loan_id, _, expires, signature = genuine.split("/")
    other_loan = loans.borrow(other, theirs)
    leaked = signing.download_path(other_loan)  # another reader's genuine link, copied
    old_loan = loans.borrow(reader, returned)
    old_link = signing.download_path(old_loan)
    loans.return_loan(reader, old_loan.pk)
    base = "/digital/loans"
    forgeries = {
        "altered signature": f"{base}/{loan_id}/download/{expires}/{signature[:-8]}00000000",
        "made-up signature": f"{base}/{loan_id}/download/{expires}/{'0' * 64}",
        "longer life": f"{base}/{loan_id}/download/{int(expires) + 86400}/{signature}",
        "other reader's loan, my signature": f"{base}/{other_loan.pk}/download/{expires}/{signature}",
        "other reader's genuine link": leaked,
        "returned loan": old_link,
        "expired": signing.download_path(loan, now=timezone.now() - timedelta(hours=1)),
        "no such loan": f"{base}/{other_loan.pk + 1000}/download/{expires}/{signature}",
        "signature not hex": f"{base}/{loan_id}/download/{expires}/not-hex",
        "signature too short": f"{base}/{loan_id}/download/{expires}/{signature[:32]}",
        "signature in capitals": f"{base}/{loan_id}/download/{expires}/{signature.upper()}",
        "signature not ASCII": f"{base}/{loan_id}/download/{expires}/{signature[:-1]}%C3%A9",
        "loan id not a number": f"{base}/x{loan_id}/download/{expires}/{signature}",
        "expiry not a number": f"{base}/{loan_id}/download/{expires}x/{signature}",
        "expiry too long": f"{base}/{loan_id}/download/{'9' * 25}/{signature}",
    }
    client.force_login(reader)
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    session.cookies.set("django_language", "en")
    answers = {}
    for name, path in forgeries.items():
        response = session.get(live_server.url + path, allow_redirects=False, timeout=30)
        answers[name] = (response.status_code, response.headers["Content-Type"], response.content)
    first = next(iter(answers.values()))
    assert first[0] == 403 and INVALID_LINK.encode() in first[2]
    assert b"csrfmiddlewaretoken" not in first[2]  # a token would differ from one answer to the next
    different = {name for name, answer in answers.items() if answer != first}
    assert different == set()
    served = session.get(live_server.url + genuine, timeout=30)
    assert served.status_code == 200 and served.content == PDF.read_bytes()
    assert Loan.objects.get(pk=other_loan.pk).returned_at is None  # no forgery touched the other loan
