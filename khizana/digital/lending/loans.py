"""Lending: borrow, return, loans that end by themselves, the waitlist and its 48-hour offers.

Rules (the choices made here):

- Only *licensed* items are lent. Borrowing spends one token of a licence (French PNB model: tokens,
  simultaneous loans, maximum loan length, validity dates; ``licences.py`` does the arithmetic and picks the
  licence whose tokens expire first) and the loan never outlasts that licence.
- *Open* and *members-only* items are not lent: whoever may read them (``access.can_read``: everyone, or a
  signed-in member of the item's library) may also download them, with no token and no loan.
  *On-site* items are read on site only and never downloaded.
- A licensed item's file is downloaded only through a link signed for one current loan (``signing.py``).
- A member has at most ``settings.KHIZANA_MAX_LOANS_PER_MEMBER`` current loans (default 5).
- Waitlist: when no copy is free, a member joins the list; when a copy frees up (return, end of a loan,
  a new licence), the first waiting member is offered it for 48 hours and nobody else may take it
  meanwhile; an offer not taken up lapses and passes to the next member.
- Loans end by themselves: access checks compare ``due_at`` with the clock, and the periodic task
  (``tasks.py``) closes overdue loans (``returned_at = due_at``) and hands their copies on.

Concurrency: every change to an item's loans runs in one transaction holding row locks
(``select_for_update``) on the borrower and on the item, then its licences, always in that order; two
simultaneous borrows of the last copy cannot both spend it. On SQLite ``select_for_update`` does nothing,
but Khizana opens SQLite transactions with ``BEGIN IMMEDIATE`` (settings: ``transaction_mode``), so writing
transactions run one after the other: the same guarantee, by serialisation.

Every function takes ``now`` (default: the clock) so tests can move time.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from khizana.digital.access import (
    current_loan,
    current_loan_q,
    is_member_of,
    live_entry_q,
    membership_refusal,
)
from khizana.digital.lending import licences
from khizana.digital.models import DigitalItem, Licence, Loan, WaitlistEntry

logger = logging.getLogger(__name__)

OFFER_HOURS = 48
WAITLIST_CODES = {licences.NO_SLOT, licences.NO_TOKENS, licences.ENDED, licences.NOT_STARTED, "reserved"}

REFUSALS = {
    "not_lendable": gettext_lazy("This item is not lent: it is read without borrowing."),
    "not_member": gettext_lazy("Only members of the library holding this item may borrow it."),
    "unverified": gettext_lazy(
        "Your library has not verified your membership yet: ask for verification on your account page."
    ),
    "already_borrowed": gettext_lazy("You are already borrowing this item."),
    "too_many_loans": gettext_lazy(
        "You have reached the maximum number of simultaneous loans. Return an item first."
    ),
    licences.NO_SLOT: gettext_lazy("Every copy is on loan at the moment."),
    "reserved": gettext_lazy("The free copies are held for members of the waiting list."),
    licences.NO_TOKENS: gettext_lazy("The library's licence for this item has no loans left."),
    licences.ENDED: gettext_lazy("The library has no valid licence to lend this item."),
    licences.NOT_STARTED: gettext_lazy("The library's licence for this item has not started yet."),
    "not_current": gettext_lazy("This loan has already ended."),
    "not_waiting": gettext_lazy("You are not on the waiting list for this item."),
}


class LoanRefused(Exception):
    """A borrow, return or waitlist request that cannot be done; ``code`` is a key of ``REFUSALS``."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)

    def __str__(self) -> str:
        return str(REFUSALS[self.code])  # in the language active where it is shown

    @property
    def can_wait(self) -> bool:
        """Joining the waiting list makes sense after this refusal."""
        return self.code in WAITLIST_CODES


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _today(now: datetime) -> date:
    return now.astimezone(UTC).date()


def max_loans_per_member() -> int:
    return settings.KHIZANA_MAX_LOANS_PER_MEMBER


def current_loans(user, now: datetime | None = None) -> QuerySet[Loan]:
    return Loan.objects.filter(current_loan_q(_now(now)), user=user)


def _licence_states(
    item: DigitalItem, now: datetime, *, lock: bool = False
) -> list[tuple[Licence, licences.LicenceState]]:
    rows = Licence.objects.filter(item=item).order_by("id")
    if lock:
        rows = rows.select_for_update()
    rows = list(rows)
    running = dict(
        Loan.objects.filter(current_loan_q(now), licence__in=rows)
        .values("licence")
        .annotate(n=Count("id"))
        .values_list("licence", "n")
    )
    return [(row, state_of(row, running.get(row.pk, 0))) for row in rows]


def state_of(row: Licence, active_loans: int) -> licences.LicenceState:
    return licences.LicenceState(
        id=row.pk,
        total_loans=row.total_loans,
        loans_used=row.loans_used,
        concurrent_loans=row.concurrent_loans,
        max_loan_days=row.max_loan_days,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        active_loans=active_loans,
    )


def _open_entries(item: DigitalItem) -> QuerySet[WaitlistEntry]:
    return WaitlistEntry.objects.filter(item=item, closed_at__isnull=True)


def _offers(item: DigitalItem, now: datetime) -> QuerySet[WaitlistEntry]:
    """Offers running now (made, not taken up, not lapsed)."""
    return _open_entries(item).filter(offered_at__isnull=False, expires_at__gt=now)


def _waiting(item: DigitalItem) -> QuerySet[WaitlistEntry]:
    """Members waiting, not offered a copy yet, in order."""
    return _open_entries(item).filter(offered_at__isnull=True).order_by("created_at", "id")


def _entry_of(user, item: DigitalItem, now: datetime) -> WaitlistEntry | None:
    """The member's place on the list: waiting or holding a running offer (a lapsed offer is no place)."""
    return (
        WaitlistEntry.objects.filter(live_entry_q(now), item=item, user=user)
        .order_by("created_at", "id")
        .first()
    )


def _capacity(states: list[tuple[Licence, licences.LicenceState]], today: date) -> int:
    """Copies the item's licences allow to lend now, all members together."""
    return sum(licences.capacity(state, today) for _row, state in states)


def _ahead_of(item: DigitalItem, entry: WaitlistEntry) -> int:
    """How many members wait before ``entry`` (which is waiting, not holding an offer)."""
    return (
        _waiting(item)
        .filter(Q(created_at__lt=entry.created_at) | Q(created_at=entry.created_at, id__lt=entry.id))
        .count()
    )


def position(entry: WaitlistEntry) -> int | None:
    """The member's number on the waiting list (1: next), or None while an offer is held."""
    if entry.offered_at is not None:
        return None
    return _ahead_of(entry.item, entry) + 1


@dataclass
class _Availability:
    """Whether a copy is free for one member now, and if not, why (a key of ``REFUSALS``)."""

    states: list[tuple[Licence, licences.LicenceState]]
    copies_free: int
    refusal: str | None
    waiting_ahead: int


def _availability(
    item: DigitalItem, entry: WaitlistEntry | None, now: datetime, *, lock: bool = False
) -> _Availability:
    """Copies free for the member whose place on the list is ``entry`` (None: not on it)."""
    today = _today(now)
    states = _licence_states(item, now, lock=lock)
    capacity = _capacity(states, today)
    offers_to_others = _offers(item, now).exclude(pk=entry.pk if entry else None).count()
    if entry is not None and entry.offered_at is not None:
        waiting_ahead = 0
    elif entry is not None:
        waiting_ahead = _ahead_of(item, entry)
    else:
        waiting_ahead = _waiting(item).count()
    free = licences.copies_free_for(capacity, offers_to_others, waiting_ahead)
    refusal = None
    if free <= 0:
        refusal = "reserved" if capacity else licences.main_refusal([s for _r, s in states], today)
    return _Availability(states, free, refusal, waiting_ahead)


def _lock(user, item: DigitalItem) -> DigitalItem:
    """Row locks, always in this order: the member, then the item (callers then lock licences)."""
    if user is not None:
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    return DigitalItem.objects.select_for_update().get(pk=item.pk)


def _lock_lendable(user, item: DigitalItem) -> DigitalItem:
    """The item, locked, once it is known to be lent under licence to members of its library."""
    item = _lock(user, item)
    if item.access != DigitalItem.Access.LICENSED:
        raise LoanRefused("not_lendable")
    if not is_member_of(user, item.library_id):
        raise LoanRefused(membership_refusal(user, item.library_id))
    return item


def borrow(user, item: DigitalItem, *, now: datetime | None = None) -> Loan:
    """Lend ``item`` to ``user``: one token of the licence whose tokens expire first. Raises LoanRefused."""
    now = _now(now)
    with transaction.atomic():
        item = _lock_lendable(user, item)
        mine = current_loans(user, now)
        if mine.filter(item=item).exists():
            raise LoanRefused("already_borrowed")
        if mine.count() >= max_loans_per_member():
            raise LoanRefused("too_many_loans")
        available = _availability(item, _entry_of(user, item, now), now, lock=True)
        if available.refusal is not None:
            raise LoanRefused(available.refusal)
        states = available.states
        chosen = licences.choose_licence([state for _row, state in states], _today(now))
        row = next(row for row, state in states if state.id == chosen.id)
        Licence.objects.filter(pk=row.pk).update(loans_used=F("loans_used") + 1)
        loan = Loan.objects.create(
            item=item,
            licence=row,
            user=user,
            started_at=now,
            due_at=licences.loan_due(chosen, now),
            token=secrets.token_urlsafe(32),
        )
        _open_entries(item).filter(user=user).update(closed_at=now)
        _refresh_waitlist(item, now)
    return loan


def _close(loan: Loan, when: datetime) -> None:
    """End a loan: its copy is free again and its download links die with its token."""
    loan.returned_at = when
    loan.token = secrets.token_urlsafe(32)
    loan.save(update_fields=["returned_at", "token"])


def return_loan(user, loan_id: int, *, now: datetime | None = None) -> Loan:
    """Return a current loan early (the member's own); its copy goes to the waiting list."""
    now = _now(now)
    with transaction.atomic():
        loan = Loan.objects.select_related("item").filter(pk=loan_id, user=user).first()
        if loan is None:
            raise LoanRefused("not_current")
        _lock(user, loan.item)
        loan = Loan.objects.select_for_update().get(pk=loan.pk)
        if loan.returned_at is not None:
            raise LoanRefused("not_current")
        if loan.due_at <= now:
            _close(loan, loan.due_at)
        else:
            _close(loan, now)
        _refresh_waitlist(loan.item, now)
    return loan


def end_loan_if_overdue(loan: Loan, *, now: datetime | None = None) -> bool:
    """Close ``loan`` when its time is up (a request met it before the periodic task did)."""
    now = _now(now)
    if loan.returned_at is not None or loan.due_at > now:
        return False
    with transaction.atomic():
        item = _lock(None, loan.item)
        fresh = Loan.objects.select_for_update().get(pk=loan.pk)
        if fresh.returned_at is None:
            _close(fresh, fresh.due_at)
            loan.returned_at, loan.token = fresh.returned_at, fresh.token
        _refresh_waitlist(item, now)
    return True


def close_overdue(*, now: datetime | None = None) -> int:
    """Close every loan whose time is up and hand the copies on; returns how many were closed."""
    now = _now(now)
    closed = 0
    item_ids = set(
        Loan.objects.filter(returned_at__isnull=True, due_at__lte=now).values_list("item_id", flat=True)
    )
    for item_id in sorted(item_ids):
        with transaction.atomic():
            item = DigitalItem.objects.select_for_update().get(pk=item_id)
            for loan in Loan.objects.select_for_update().filter(
                item=item, returned_at__isnull=True, due_at__lte=now
            ):
                _close(loan, loan.due_at)
                closed += 1
            _refresh_waitlist(item, now)
    return closed


def refresh_waitlists(*, now: datetime | None = None) -> int:
    """Lapse old offers and make new ones on every item with members waiting; returns offers made."""
    now = _now(now)
    made = 0
    item_ids = set(WaitlistEntry.objects.filter(closed_at__isnull=True).values_list("item_id", flat=True))
    for item_id in sorted(item_ids):
        with transaction.atomic():
            item = DigitalItem.objects.select_for_update().get(pk=item_id)
            made += _refresh_waitlist(item, now)
    return made


def refresh_item_waitlist(item: DigitalItem, *, now: datetime | None = None) -> int:
    """After a licence changed: offer the copies it frees to the members waiting; returns offers made."""
    now = _now(now)
    with transaction.atomic():
        item = _lock(None, item)
        return _refresh_waitlist(item, now)


def _refresh_waitlist(item: DigitalItem, now: datetime) -> int:
    """Under the item's lock: close lapsed offers, then offer each copy free to the next member waiting."""
    _open_entries(item).filter(offered_at__isnull=False, expires_at__lte=now).update(
        closed_at=F("expires_at")
    )
    holding_loan = current_loans_of_item(item, now).values("user")
    _open_entries(item).filter(user__in=holding_loan).update(closed_at=now)
    states = _licence_states(item, now)
    free = _capacity(states, _today(now)) - _offers(item, now).count()
    if free <= 0:
        return 0
    offered = list(_waiting(item)[:free])
    expires = now + timedelta(hours=OFFER_HOURS)
    for entry in offered:
        entry.offered_at, entry.expires_at = now, expires
        entry.save(update_fields=["offered_at", "expires_at"])
        transaction.on_commit(lambda entry=entry: _tell_offer(entry))
    return len(offered)


def current_loans_of_item(item: DigitalItem, now: datetime) -> QuerySet[Loan]:
    return Loan.objects.filter(current_loan_q(now), item=item)


def _tell_offer(entry: WaitlistEntry) -> None:
    user = entry.user
    if not user.email:
        return
    title = entry.item.record.title or entry.item.filename
    try:
        send_mail(
            _("A copy is waiting for you"),
            _(
                "A copy of “%(title)s” is held for you until %(expires)s (UTC). "
                "Borrow it from your loans page: %(url)s"
            )
            % {
                "title": title,
                "expires": f"{entry.expires_at:%Y-%m-%d %H:%M}",
                "url": reverse("digital-account-loans"),
            },
            None,
            [user.email],
            fail_silently=True,
        )
    except Exception:  # never let a mail server break a return
        logger.exception("could not tell user %s about waitlist offer %s", user.pk, entry.pk)


def join_waitlist(user, item: DigitalItem, *, now: datetime | None = None) -> WaitlistEntry:
    """Put the member on the item's waiting list (once); a free copy is offered at once."""
    now = _now(now)
    with transaction.atomic():
        item = _lock_lendable(user, item)
        if current_loans(user, now).filter(item=item).exists():
            raise LoanRefused("already_borrowed")
        entry = _entry_of(user, item, now)
        if entry is None:
            entry = WaitlistEntry.objects.create(item=item, user=user)
        _refresh_waitlist(item, now)
    entry.refresh_from_db()
    return entry


def leave_waitlist(user, item: DigitalItem, *, now: datetime | None = None) -> None:
    """Leave the list (or decline an offer: the copy goes to the next member)."""
    now = _now(now)
    with transaction.atomic():
        item = _lock(user, item)
        if not _open_entries(item).filter(user=user).update(closed_at=now):
            raise LoanRefused("not_waiting")
        _refresh_waitlist(item, now)


@dataclass
class LoanStatus:
    """What the loan box shows a reader about one licensed item."""

    item: DigitalItem
    loan: Loan | None = None
    entry: WaitlistEntry | None = None
    copies_free: int = 0
    refusal: str | None = None
    position: int | None = None
    licensed: bool = True
    member: bool = False

    @property
    def offer(self) -> bool:
        return self.entry is not None and self.entry.offered_at is not None

    @property
    def can_borrow(self) -> bool:
        return self.loan is None and self.refusal is None

    @property
    def refusal_text(self) -> str:
        return str(REFUSALS[self.refusal]) if self.refusal else ""

    @property
    def can_wait(self) -> bool:
        return self.loan is None and self.entry is None and self.refusal in WAITLIST_CODES


def loan_status(user, item: DigitalItem, *, now: datetime | None = None) -> LoanStatus:
    """Read-only: the reader's loan, place on the list, and whether a copy may be borrowed now."""
    now = _now(now)
    status = LoanStatus(item=item, licensed=item.access == DigitalItem.Access.LICENSED)
    if not status.licensed or not getattr(user, "is_authenticated", False):
        return status
    status.member = is_member_of(user, item.library_id)
    status.loan = current_loan(user, item, now)
    if not status.member:
        status.refusal = membership_refusal(user, item.library_id)
        return status
    if status.loan is not None:
        return status
    status.entry = _entry_of(user, item, now)
    available = _availability(item, status.entry, now)
    if status.entry is not None and status.entry.offered_at is None:
        status.position = available.waiting_ahead + 1
    status.copies_free = available.copies_free
    if current_loans(user, now).count() >= max_loans_per_member():
        status.refusal = "too_many_loans"
    else:
        status.refusal = available.refusal
    return status
