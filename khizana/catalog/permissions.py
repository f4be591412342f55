"""Who may change which catalogue object. The role and library rules are :mod:`khizana.accounts.permissions`;
these functions apply them to holdings, source records and works, asking about the OBJECT's library as
stored in the database, never about a library id sent by a form."""

from __future__ import annotations

from collections.abc import Iterable

from khizana.accounts.permissions import can_write, is_network_admin, is_staff, membership

from .models import Holding, SourceRecord, Work


def can_edit_holding(user, holding: Holding) -> bool:
    """A holding belongs to its library and to its record's library: both must be in the user's scope."""
    return can_write(user, holding.library_id) and can_write(user, holding.record.library_id)


def can_split(user, record: SourceRecord) -> bool:
    """Take a record of the user's library out of its work."""
    return can_write(user, record.library_id)


def can_join(user, works: Iterable[Work]) -> bool:
    """Join works: every work must hold an active record of the user's library (network admin: any)."""
    works = list(works)
    if not works or not is_staff(user):
        return False
    if is_network_admin(user):
        return True
    library_id = membership(user).library_id
    return all(
        SourceRecord.objects.filter(work=work, library_id=library_id, deleted=False).exists()
        for work in works
    )


def can_split_join(user, work_or_records) -> bool:
    """One entry point: a SourceRecord (split), a Work or an iterable of Works (join), or of records."""
    if isinstance(work_or_records, SourceRecord):
        return can_split(user, work_or_records)
    if isinstance(work_or_records, Work):
        return can_join(user, [work_or_records])
    items = list(work_or_records)
    if items and all(isinstance(item, SourceRecord) for item in items):
        return all(can_split(user, item) for item in items)
    if items and all(isinstance(item, Work) for item in items):
        return can_join(user, items)
    return False
