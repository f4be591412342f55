"""Lending services with a fixed clock: licence choice, tokens, limits, returns, ends, the waiting list and
its 48-hour offers, and two simultaneous borrows of the last token."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import translation

from khizana.digital.lending import loans
from khizana.digital.models import DigitalItem, Licence, Loan, WaitlistEntry
from khizana.digital.tests.loans_support import NOW, make_item, make_licence, make_member

pytest_plugins = ["khizana.digital.tests.loans_support"]  # its fixtures: store, lib_a, lib_b, item


def test_borrow_spends_a_token_of_the_licence_expiring_first_and_is_capped_at_its_end(item, lib_a):
    later = make_licence(item, reference="later", ends_on=date(2027, 6, 30))
    sooner = make_licence(item, reference="sooner", ends_on=date(2026, 3, 12), max_loan_days=21)
    reader = make_member(lib_a, "ahmed")
    loan = loans.borrow(reader, item, now=NOW)
    assert loan.licence == sooner
    assert loan.due_at == NOW.replace(day=13, hour=0)  # the licence's last day, not 21 days
    sooner.refresh_from_db()
    later.refresh_from_db()
    assert (sooner.loans_used, later.loans_used) == (1, 0)
    second = loans.borrow(make_member(lib_a, "badia"), item, now=NOW)
    assert second.licence == later  # "sooner" has one simultaneous loan, in use
    assert second.due_at == NOW + timedelta(days=21)


def test_borrow_refusals(item, lib_a, lib_b, settings):
    make_licence(item, total_loans=1)
    with pytest.raises(loans.LoanRefused) as refused:
        loans.borrow(make_member(lib_b, "other"), item, now=NOW)
    assert refused.value.code == "not_member" and not refused.value.can_wait
    reader = make_member(lib_a, "ahmed")
    loans.borrow(reader, item, now=NOW)
    with pytest.raises(loans.LoanRefused) as refused:
        loans.borrow(reader, item, now=NOW)
    assert refused.value.code == "already_borrowed"
    loans.return_loan(reader, Loan.objects.get().pk, now=NOW + timedelta(hours=1))
    with pytest.raises(loans.LoanRefused) as refused:
        loans.borrow(reader, item, now=NOW + timedelta(hours=2))
    assert refused.value.code == "no_tokens" and refused.value.can_wait
    with translation.override("en"):
        assert "no loans left" in str(refused.value)
    with translation.override("ar"):
        assert "لم تبق أي إعارة" in str(refused.value)
    open_item = make_item(lib_a, "L-open", access=DigitalItem.Access.MEMBERS)
    with pytest.raises(loans.LoanRefused) as refused:
        loans.borrow(reader, open_item, now=NOW)
    assert refused.value.code == "not_lendable"


def test_members_have_a_limit_of_simultaneous_loans(store, lib_a, settings):
    settings.KHIZANA_MAX_LOANS_PER_MEMBER = 2
    reader = make_member(lib_a, "ahmed")
    items = [make_item(lib_a, f"L-{n}") for n in range(3)]
    for each in items:
        make_licence(each)
    loans.borrow(reader, items[0], now=NOW)
    loans.borrow(reader, items[1], now=NOW)
    with pytest.raises(loans.LoanRefused) as refused:
        loans.borrow(reader, items[2], now=NOW)
    assert refused.value.code == "too_many_loans"
    assert loans.loan_status(reader, items[2], now=NOW).refusal == "too_many_loans"


def test_a_licence_not_valid_yet_or_ended_lends_nothing(item, lib_a):
    make_licence(item, starts_on=date(2026, 4, 1))
    with pytest.raises(loans.LoanRefused) as refused:
        loans.borrow(make_member(lib_a, "ahmed"), item, now=NOW)
    assert refused.value.code == "not_started"
    Licence.objects.update(starts_on=date(2025, 1, 1), ends_on=date(2026, 3, 1))
    with pytest.raises(loans.LoanRefused) as refused:
        loans.borrow(make_member(lib_a, "badia"), item, now=NOW)
    assert refused.value.code == "ended"


def test_return_frees_the_copy_and_kills_the_token(item, lib_a):
    make_licence(item, concurrent_loans=1)
    first, second = make_member(lib_a, "ahmed"), make_member(lib_a, "badia")
    loan = loans.borrow(first, item, now=NOW)
    token = loan.token
    with pytest.raises(loans.LoanRefused):
        loans.borrow(second, item, now=NOW)
    returned = loans.return_loan(first, loan.pk, now=NOW + timedelta(days=1))
    assert returned.returned_at == NOW + timedelta(days=1) and returned.token != token
    with pytest.raises(loans.LoanRefused) as refused:
        loans.return_loan(first, loan.pk, now=NOW + timedelta(days=1))
    assert refused.value.code == "not_current"
    assert loans.borrow(second, item, now=NOW + timedelta(days=1)).user == second


def test_someone_else_cannot_return_my_loan(item, lib_a):
    make_licence(item)
    loan = loans.borrow(make_member(lib_a, "ahmed"), item, now=NOW)
    with pytest.raises(loans.LoanRefused):
        loans.return_loan(make_member(lib_a, "badia"), loan.pk, now=NOW)
    loan.refresh_from_db()
    assert loan.returned_at is None


def test_loans_end_by_themselves_and_the_task_closes_them(item, lib_a):
    make_licence(item, concurrent_loans=1, max_loan_days=7)
    first, second = make_member(lib_a, "ahmed"), make_member(lib_a, "badia")
    loan = loans.borrow(first, item, now=NOW)
    later = NOW + timedelta(days=7, minutes=1)
    assert not loans.current_loans(first, later).exists()  # ended for access checks at once
    assert loans.close_overdue(now=later) == 1
    loan.refresh_from_db()
    assert loan.returned_at == loan.due_at
    assert loans.close_overdue(now=later) == 0
    assert loans.borrow(second, item, now=later).user == second


def test_the_periodic_task_runs_the_services(item, lib_a):
    from khizana.digital.tasks import end_overdue_loans

    make_licence(item)
    loan = loans.borrow(make_member(lib_a, "ahmed"), item, now=NOW - timedelta(days=30))
    end_overdue_loans.call_local()
    loan.refresh_from_db()
    assert loan.returned_at == loan.due_at


def test_waitlist_offer_holds_the_copy_for_48_hours_then_passes_on(item, lib_a):
    make_licence(item, concurrent_loans=1)
    holder, first, second, latecomer = (make_member(lib_a, n) for n in ("holder", "first", "second", "late"))
    loan = loans.borrow(holder, item, now=NOW)
    with pytest.raises(loans.LoanRefused) as refused:
        loans.borrow(first, item, now=NOW)
    assert refused.value.code == "no_slot" and refused.value.can_wait
    entry_1 = loans.join_waitlist(first, item, now=NOW)
    entry_2 = loans.join_waitlist(second, item, now=NOW + timedelta(minutes=1))
    assert entry_1.offered_at is None and loans.loan_status(second, item, now=NOW).position == 2
    assert loans.join_waitlist(first, item, now=NOW).pk == entry_1.pk  # once on the list

    back = NOW + timedelta(days=2)
    loans.return_loan(holder, loan.pk, now=back)
    entry_1.refresh_from_db()
    assert entry_1.offered_at == back and entry_1.expires_at == back + timedelta(hours=48)
    # The copy is held: neither a member who is not waiting nor the second in line may take it.
    for other in (latecomer, second):
        with pytest.raises(loans.LoanRefused) as refused:
            loans.borrow(other, item, now=back + timedelta(hours=1))
        assert refused.value.code == "reserved"
    assert loans.loan_status(first, item, now=back).offer
    assert loans.loan_status(first, item, now=back).can_borrow

    lapse = back + timedelta(hours=48, seconds=1)
    assert loans.refresh_waitlists(now=lapse) == 1
    entry_1.refresh_from_db()
    entry_2.refresh_from_db()
    assert entry_1.closed_at == entry_1.expires_at  # lapsed
    assert entry_2.offered_at == lapse
    with pytest.raises(loans.LoanRefused):
        loans.borrow(first, item, now=lapse)  # too late: it is the second's turn
    loan_2 = loans.borrow(second, item, now=lapse + timedelta(hours=3))
    entry_2.refresh_from_db()
    assert loan_2.user == second and entry_2.closed_at is not None


def test_an_unclaimed_offer_lapses_even_without_the_task(item, lib_a):
    """Borrowing looks at the clock: an offer past its 48 hours no longer holds the copy."""
    make_licence(item, concurrent_loans=1)
    holder, waiting, other = (make_member(lib_a, n) for n in ("holder", "waiting", "other"))
    loan = loans.borrow(holder, item, now=NOW)
    loans.join_waitlist(waiting, item, now=NOW)
    loans.return_loan(holder, loan.pk, now=NOW)
    assert loans.borrow(other, item, now=NOW + timedelta(hours=49)).user == other
    assert WaitlistEntry.objects.get(user=waiting).closed_at == NOW + timedelta(hours=48)


def test_declining_an_offer_passes_it_on(item, lib_a):
    make_licence(item, concurrent_loans=1)
    holder, first, second = (make_member(lib_a, n) for n in ("holder", "first", "second"))
    loan = loans.borrow(holder, item, now=NOW)
    loans.join_waitlist(first, item, now=NOW)
    loans.join_waitlist(second, item, now=NOW)
    loans.return_loan(holder, loan.pk, now=NOW)
    loans.leave_waitlist(first, item, now=NOW + timedelta(hours=1))
    assert WaitlistEntry.objects.get(user=second).offered_at == NOW + timedelta(hours=1)
    with pytest.raises(loans.LoanRefused) as refused:
        loans.leave_waitlist(first, item, now=NOW)
    assert refused.value.code == "not_waiting"


def test_a_new_licence_offers_its_copies_to_the_members_waiting(item, lib_a):
    make_licence(item, total_loans=1)
    loans.borrow(make_member(lib_a, "holder"), item, now=NOW)
    waiting = make_member(lib_a, "waiting")
    loans.join_waitlist(waiting, item, now=NOW)
    make_licence(item, reference="second order")
    assert loans.refresh_item_waitlist(item, now=NOW) == 1
    assert WaitlistEntry.objects.get(user=waiting).offered_at == NOW


def test_an_offer_is_mailed(item, lib_a, django_capture_on_commit_callbacks):
    from django.core import mail

    make_licence(item, concurrent_loans=1)
    holder, waiting = make_member(lib_a, "holder"), make_member(lib_a, "waiting")
    loan = loans.borrow(holder, item, now=NOW)
    loans.join_waitlist(waiting, item, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        loans.return_loan(holder, loan.pk, now=NOW)
    assert [message.to for message in mail.outbox] == [["waiting@example.org"]]


def _borrow_in_thread(user, item_id, barrier, outcomes):
    try:
        barrier.wait(timeout=10)
        loans.borrow(user, DigitalItem.objects.get(pk=item_id))
        outcomes.append("loan")
    except loans.LoanRefused as refused:
        outcomes.append(refused.code)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_simultaneous_borrows_never_overspend(settings, tmp_path):
    """Eight members borrow the last three tokens at the same instant, each in its own thread and database
    connection: exactly three loans. PostgreSQL: row locks; SQLite: BEGIN IMMEDIATE serialises writers."""
    from khizana.testing import make_library

    settings.KHIZANA_DIGITAL_STORE = tmp_path / "digital"
    library = make_library("RACE")
    item = make_item(library, "race")
    licence = make_licence(item, total_loans=3, concurrent_loans=8)
    members = [make_member(library, f"racer{n}") for n in range(8)]
    barrier, outcomes = threading.Barrier(len(members)), []
    threads = [
        threading.Thread(target=_borrow_in_thread, args=(m, item.pk, barrier, outcomes)) for m in members
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    licence.refresh_from_db()
    assert sorted(outcomes) == ["loan"] * 3 + ["no_tokens"] * 5
    assert licence.loans_used == 3 and Loan.objects.filter(licence=licence).count() == 3
