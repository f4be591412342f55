"""Licence arithmetic (French PNB model), free of Django: which licence to spend, how long a loan may last,
how many copies are free, what staff should be warned about.

A licence gives ``total_loans`` tokens (``None``: no limit), of which ``loans_used`` are spent; at most
``concurrent_loans`` loans run at once; a loan lasts at most ``max_loan_days`` and never past the licence's
end (``ends_on``, inclusive: the licence is valid through that whole day, UTC).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

NEAR_EXPIRY_DAYS = 30
FEW_TOKENS_ABSOLUTE = 5
FEW_TOKENS_SHARE = 0.10

# Why a licence cannot lend now (codes shown to readers through loans.REFUSALS).
NOT_STARTED = "not_started"
ENDED = "ended"
NO_TOKENS = "no_tokens"
NO_SLOT = "no_slot"


@dataclass(frozen=True)
class LicenceState:
    """A licence and its current use (``active_loans``: loans running now on this licence)."""

    id: int
    total_loans: int | None
    loans_used: int
    concurrent_loans: int
    max_loan_days: int
    starts_on: date | None
    ends_on: date | None
    active_loans: int = 0


def tokens_left(state: LicenceState) -> int | None:
    """Tokens not yet spent; ``None`` when the licence has no limit."""
    if state.total_loans is None:
        return None
    return max(0, state.total_loans - state.loans_used)


def free_slots(state: LicenceState) -> int:
    return max(0, state.concurrent_loans - state.active_loans)


def is_current(state: LicenceState, today: date) -> bool:
    """Within its validity dates (both inclusive)."""
    if state.starts_on is not None and today < state.starts_on:
        return False
    return state.ends_on is None or today <= state.ends_on


def refusal(state: LicenceState, today: date) -> str | None:
    """Why this licence cannot lend one more loan today, or None when it can."""
    if state.starts_on is not None and today < state.starts_on:
        return NOT_STARTED
    if state.ends_on is not None and today > state.ends_on:
        return ENDED
    left = tokens_left(state)
    if left is not None and left <= 0:
        return NO_TOKENS
    if free_slots(state) <= 0:
        return NO_SLOT
    return None


def capacity(state: LicenceState, today: date) -> int:
    """How many more loans this licence could start now (free slots, bounded by tokens left)."""
    if refusal(state, today) is not None:
        return 0
    left = tokens_left(state)
    slots = free_slots(state)
    return slots if left is None else min(slots, left)


def _expiry_order(state: LicenceState) -> tuple:
    """Tokens that expire first come first: earliest end date (no end date last), then fewest tokens
    left (unlimited last), then the oldest licence."""
    left = tokens_left(state)
    return (
        state.ends_on is None,
        state.ends_on or date.max,
        left is None,
        left if left is not None else 0,
        state.id,
    )


def choose_licence(states: Iterable[LicenceState], today: date) -> LicenceState | None:
    """The licence to spend a token of: among those able to lend now, the one whose tokens expire first."""
    lendable = [state for state in states if refusal(state, today) is None]
    return min(lendable, key=_expiry_order) if lendable else None


def main_refusal(states: Iterable[LicenceState], today: date) -> str:
    """When no licence can lend: the most useful reason to tell the reader. A copy that will come back
    (all slots in use) beats an exhausted or ended licence; with no licence at all: ``ENDED``."""
    reasons = {refusal(state, today) for state in states}
    for reason in (NO_SLOT, NO_TOKENS, NOT_STARTED, ENDED):
        if reason in reasons:
            return reason
    return ENDED


def end_of_licence(state: LicenceState) -> datetime | None:
    """The instant the licence stops being valid (the end of its last day, UTC)."""
    if state.ends_on is None:
        return None
    return datetime.combine(state.ends_on + timedelta(days=1), time.min, tzinfo=UTC)


def loan_due(state: LicenceState, start: datetime) -> datetime:
    """When a loan started at ``start`` on this licence ends: its maximum length, capped at the licence's
    end."""
    due = start + timedelta(days=max(1, state.max_loan_days))
    end = end_of_licence(state)
    return min(due, end) if end is not None else due


def copies_free_for(total_capacity: int, offers_to_others: int, waiting_ahead: int) -> int:
    """Copies a reader may borrow now: what the licences can lend, less the copies held for members with
    an open waitlist offer (48 hours) and those due to the members waiting before this reader."""
    return max(0, total_capacity - offers_to_others - waiting_ahead)


def alerts(state: LicenceState, today: date, waiting: int) -> list[str]:
    """What staff should know about a licence: ``saturated`` (every simultaneous slot in use and members
    waiting), ``near_expiry`` (ends within 30 days), ``few_tokens`` (under 5 or under 10% left)."""
    found = []
    if not is_current(state, today):
        return found
    if state.active_loans >= state.concurrent_loans and waiting > 0:
        found.append("saturated")
    if state.ends_on is not None and state.ends_on < today + timedelta(days=NEAR_EXPIRY_DAYS):
        found.append("near_expiry")
    left = tokens_left(state)
    if (
        left is not None
        and state.total_loans
        and (left < FEW_TOKENS_ABSOLUTE or left < FEW_TOKENS_SHARE * state.total_loans)
    ):
        found.append("few_tokens")
    return found
