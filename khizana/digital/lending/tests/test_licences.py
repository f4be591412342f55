"""Licence arithmetic (pure): which licence is spent, capacity, loan length, staff alerts."""

from __future__ import annotations

from datetime import UTC, date, datetime

from khizana.digital.lending import licences
from khizana.digital.lending.licences import LicenceState

TODAY = date(2026, 3, 2)


def state(
    id, total=10, used=0, concurrent=2, days=21, starts=date(2026, 1, 1), ends=date(2026, 12, 31), active=0
):
    return LicenceState(id, total, used, concurrent, days, starts, ends, active)


def test_the_licence_whose_tokens_expire_first_is_spent_first():
    later = state(1, ends=date(2027, 6, 30))
    sooner = state(2, ends=date(2026, 6, 30))
    endless = state(3, ends=None)
    assert licences.choose_licence([later, endless, sooner], TODAY).id == 2


def test_same_end_date_spends_the_one_with_fewest_tokens_left_and_unlimited_last():
    many = state(1, total=50, used=10)
    few = state(2, total=10, used=8)
    unlimited = state(3, total=None)
    assert licences.choose_licence([unlimited, many, few], TODAY).id == 2
    assert licences.choose_licence([unlimited, many], TODAY).id == 1


def test_licences_that_cannot_lend_are_skipped():
    exhausted = state(1, total=5, used=5, ends=date(2026, 4, 1))
    full = state(2, concurrent=1, active=1, ends=date(2026, 5, 1))
    ended = state(3, ends=date(2026, 3, 1))
    future = state(4, starts=date(2026, 4, 1), ends=date(2026, 4, 30))
    good = state(5, ends=date(2027, 1, 1))
    assert licences.choose_licence([exhausted, full, ended, future, good], TODAY).id == 5
    assert licences.choose_licence([exhausted, full, ended, future], TODAY) is None
    assert [licences.refusal(s, TODAY) for s in (exhausted, full, ended, future, good)] == [
        licences.NO_TOKENS,
        licences.NO_SLOT,
        licences.ENDED,
        licences.NOT_STARTED,
        None,
    ]


def test_the_reason_told_prefers_a_copy_that_will_come_back():
    assert (
        licences.main_refusal([state(1, total=3, used=3), state(2, concurrent=1, active=1)], TODAY)
        == "no_slot"
    )
    assert (
        licences.main_refusal([state(1, total=3, used=3), state(2, ends=date(2025, 1, 1))], TODAY)
        == "no_tokens"
    )
    assert licences.main_refusal([], TODAY) == "ended"


def test_capacity_is_free_slots_bounded_by_tokens():
    assert licences.capacity(state(1, total=10, used=9, concurrent=3), TODAY) == 1
    assert licences.capacity(state(1, total=None, concurrent=3, active=1), TODAY) == 2
    assert licences.capacity(state(1, ends=date(2026, 3, 1)), TODAY) == 0
    assert licences.copies_free_for(3, 1, 1) == 1
    assert licences.copies_free_for(1, 1, 0) == 0


def test_a_loan_never_outlasts_its_licence():
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert licences.loan_due(state(1, days=21), start) == datetime(2026, 3, 23, 10, 0, tzinfo=UTC)
    short = state(1, days=21, ends=date(2026, 3, 10))
    assert licences.loan_due(short, start) == datetime(2026, 3, 11, 0, 0, tzinfo=UTC)


def test_alerts_saturated_near_expiry_few_tokens():
    assert licences.alerts(state(1, concurrent=2, active=2), TODAY, waiting=1) == ["saturated"]
    assert licences.alerts(state(1, concurrent=2, active=2), TODAY, waiting=0) == []
    assert licences.alerts(state(1, ends=date(2026, 3, 31)), TODAY, waiting=0) == ["near_expiry"]
    assert licences.alerts(state(1, ends=date(2026, 4, 1)), TODAY, waiting=0) == []
    assert licences.alerts(state(1, total=100, used=91), TODAY, waiting=0) == ["few_tokens"]  # 9 < 10%
    assert licences.alerts(state(1, total=100, used=90), TODAY, waiting=0) == []
    assert licences.alerts(state(1, total=20, used=16), TODAY, waiting=0) == ["few_tokens"]  # 4 < 5
    assert licences.alerts(state(1, total=None), TODAY, waiting=0) == []
    assert licences.alerts(state(1, ends=date(2026, 3, 1), total=5, used=5), TODAY, waiting=3) == []  # ended
