"""Membership verification: a reader is unverified until a trusted source vouches for them.

Sources: the library's staff confirm it; the card number is in the member file the library loads (with the
reader's e-mail address or surname when the file gives them, and a card that has not expired); later an
institution's identity provider asserts it (:func:`verify`, source IDENTITY_PROVIDER). Each function is one
transaction and checks the acting user's rights first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from khizana.libraries.models import Library

from . import permissions
from .audit import audit
from .memberfile import MemberFile, RowProblem, normalise_name, read_member_file
from .models import MemberRecord, Membership, Role, Verification


class VerificationError(Exception):
    """A verification that cannot be done; the message says why (translated)."""


# --- matching a reader against the member file ---------------------------------------------------------


def record_vouches_for(record: MemberRecord, membership: Membership, today: date) -> bool:
    """The member file's row vouches for the reader: a card still valid and, when the row names its holder
    (e-mail or surname), the reader's e-mail address or surname is the row's."""
    if record.expires_on is not None and record.expires_on < today:
        return False
    if not record.email and not record.surname:
        return True
    user = membership.user
    if record.email and user.email and record.email.strip().casefold() == user.email.strip().casefold():
        return True
    surname = normalise_name(record.surname)
    return bool(surname) and surname == normalise_name(user.last_name)


def _number_taken(membership: Membership) -> bool:
    """Another verified membership of the library already holds this card number."""
    return (
        Membership.objects.filter(
            library_id=membership.library_id,
            membership_number=membership.membership_number,
            verified_at__isnull=False,
        )
        .exclude(pk=membership.pk)
        .exists()
    )


def _vouching_record(membership: Membership, today: date) -> MemberRecord | None:
    if not membership.membership_number or membership.library_id is None:
        return None
    record = MemberRecord.objects.filter(
        library_id=membership.library_id, number=membership.membership_number
    ).first()
    if record is None or not record_vouches_for(record, membership, today):
        return None
    return record


def _mark_verified(membership: Membership, source: str, by=None) -> None:
    membership.verified_at = timezone.now()
    membership.verified_by = source
    membership.verified_by_user = by
    membership.save(update_fields=["verified_at", "verified_by", "verified_by_user", "updated_at"])


def _mark_unverified(membership: Membership) -> None:
    membership.verified_at = None
    membership.verified_by = ""
    membership.verified_by_user = None
    membership.save(update_fields=["verified_at", "verified_by", "verified_by_user", "updated_at"])


def check_member_file(membership: Membership) -> bool:
    """Verify a reader found in the library's member file (called when they register). True if verified."""
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        if membership.is_verified:
            return True
        if _vouching_record(membership, timezone.localdate()) is None or _number_taken(membership):
            return False
        _mark_verified(membership, Verification.MEMBER_FILE)
        audit(membership.user, membership.library_id, "member_verified", membership.user.get_username(),
              source=Verification.MEMBER_FILE)
        return True


# --- the reader asks, staff confirm or withdraw --------------------------------------------------------


def request_verification(user, note: str = "") -> Membership:
    """The reader asks their home library to verify the membership (seen in the staff's list)."""
    found = permissions.membership(user)
    if found is None or found.role != Role.READER:
        raise PermissionDenied(_("Only readers ask for their membership to be verified."))
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=found.pk)
        if membership.is_verified:
            raise VerificationError(_("Your membership is already verified."))
        membership.verification_requested_at = timezone.now()
        membership.verification_note = note.strip()[:500]
        membership.save(update_fields=["verification_requested_at", "verification_note", "updated_at"])
        audit(user, membership.library_id, "verification_requested", user.get_username())
    return membership


def _reader_for(actor, membership_id: int) -> Membership:
    """The reader's membership, locked, once ``actor`` may vouch for the readers of its library."""
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership_id)
    if not permissions.can_verify_members(actor, membership.library_id):
        raise PermissionDenied(_("You may verify only the readers of your own library."))
    if membership.role != Role.READER:
        raise VerificationError(_("Only readers' memberships are verified."))
    return membership


def verify(actor, membership_id: int, source: str = Verification.STAFF) -> Membership:
    """Vouch for a reader's membership: staff of the reader's library (or a network administrator)."""
    with transaction.atomic():
        membership = _reader_for(actor, membership_id)
        if membership.verified_at is not None:
            return membership
        if _number_taken(membership):
            raise VerificationError(
                _("Card number %(number)s is already held by another verified reader of this library.")
                % {"number": membership.membership_number}
            )
        _mark_verified(membership, source, by=actor)
        audit(actor, membership.library_id, "member_verified", membership.user.get_username(), source=source)
    return membership


def withdraw(actor, membership_id: int) -> Membership:
    """Withdraw a reader's verification (a card returned, a mistake): they may search, nothing more."""
    with transaction.atomic():
        membership = _reader_for(actor, membership_id)
        if membership.verified_at is not None:
            _mark_unverified(membership)
            audit(actor, membership.library_id, "member_unverified", membership.user.get_username())
    return membership


# --- the member file ---------------------------------------------------------------------------------------


@dataclass
class MemberFileLoad:
    """What loading a member file did."""

    created: int = 0
    updated: int = 0
    removed: int = 0
    verified: list[str] = field(default_factory=list)  # user names verified by this file
    unverified: list[str] = field(default_factory=list)  # verified by an earlier file, no longer vouched
    problems: list[RowProblem] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)


def load_member_file(
    actor, library: Library, data: bytes, name: str, *, add_only: bool = False
) -> MemberFileLoad:
    """Load ``library``'s member file. Full load: the file is the whole list (cards it no longer holds are
    removed); add-only: its rows are added or updated. Readers waiting for verification whom the file
    vouches for are verified; readers verified by the member file whom it no longer vouches for are not.
    Raises MemberFileError for a file that cannot be read (nothing is changed). ``actor`` None is the
    operator at the command line, who holds the installation."""
    if actor is not None and not permissions.can_verify_members(actor, library):
        raise PermissionDenied(_("You may load the member file of your own library only."))
    parsed = read_member_file(data, name)
    if not parsed.rows:
        raise VerificationError(
            _("%(name)s holds no member that can be loaded (%(problems)s refused rows); nothing was changed.")
            % {"name": name, "problems": len(parsed.problems)}
        )
    with transaction.atomic():
        result = _store_rows(library, parsed, add_only)
        _recheck(library, result)
        audit(actor, library, "member_file", name, add_only=add_only, created=result.created,
              updated=result.updated, removed=result.removed, refused=len(result.problems),
              verified=len(result.verified), unverified=len(result.unverified))
    return result


def _store_rows(library: Library, parsed: MemberFile, add_only: bool) -> MemberFileLoad:
    result = MemberFileLoad(problems=parsed.problems, columns=parsed.columns)
    existing = {record.number: record for record in MemberRecord.objects.filter(library=library)}
    fields = ["surname", "first_name", "email", "expires_on", "category"]
    new, changed = [], []
    for row in parsed.rows:
        values = {name: getattr(row, name) for name in fields}
        record = existing.pop(row.number, None)
        if record is None:
            new.append(MemberRecord(library=library, number=row.number, **values))
        elif any(getattr(record, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(record, name, value)
            changed.append(record)
    MemberRecord.objects.bulk_create(new, batch_size=1000)
    MemberRecord.objects.bulk_update(changed, fields, batch_size=1000)
    result.created, result.updated = len(new), len(changed)
    if not add_only and existing:
        result.removed, _ = MemberRecord.objects.filter(pk__in=[r.pk for r in existing.values()]).delete()
    return result


def _recheck(library: Library, result: MemberFileLoad) -> None:
    today = timezone.localdate()
    readers = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(library=library, role=Role.READER)
        .filter(Q(verified_at__isnull=True) | Q(verified_by=Verification.MEMBER_FILE))
        .exclude(membership_number="")
        .order_by("created_at", "pk")  # the earliest account of a card is verified first
    )
    for membership in readers:
        vouched = _vouching_record(membership, today) is not None
        if membership.verified_at is None and vouched and not _number_taken(membership):
            _mark_verified(membership, Verification.MEMBER_FILE)
            result.verified.append(membership.user.get_username())
        elif membership.verified_at is not None and not vouched:
            _mark_unverified(membership)
            result.unverified.append(membership.user.get_username())


def recheck_expired_cards() -> int:
    """Withdraw the member-file verification of readers whose card has expired (a daily job); how many."""
    today = timezone.localdate()
    count = 0
    for library in Library.objects.filter(member_records__expires_on__lt=today).distinct():
        with transaction.atomic():
            result = MemberFileLoad()
            _recheck(library, result)
            for username in result.unverified:
                audit(None, library, "member_unverified", username, reason="card expired")
            count += len(result.unverified)
    return count
