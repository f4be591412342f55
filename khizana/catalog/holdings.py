"""Staff edits of holdings (copies): the work's libraries, availability and search entry follow."""

from __future__ import annotations

from django.db import transaction

from . import clustering, extensions
from .models import Holding, SourceRecord

EDITABLE_FIELDS = ("call_number", "barcode", "location", "status")


class ConfirmationNeeded(Exception):
    """The change needs the confirmation of the member of staff (``warnings`` say why)."""

    def __init__(self, warnings: list[str]):
        self.warnings = warnings
        super().__init__("; ".join(warnings))


def update_holding(holding: Holding, *, confirmed: bool = False, **changes) -> Holding:
    """Save ``changes`` (call number, barcode, location, status) to ``holding``, then re-cluster its record
    so that the work's availability and the search index are brought up to date.

    Permission checks are the caller's business (see khizana.catalog.permissions.can_edit_holding).
    Note: holdings are derived from the record as sent; the library's next version of the record replaces
    them. A change the higher layers warn about (``extensions.holding_warnings``: withdrawing a copy under a
    retention commitment) raises :class:`ConfirmationNeeded` unless ``confirmed``.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"holding fields that cannot be edited: {', '.join(sorted(unknown))}")
    if not confirmed:
        warnings = extensions.holding_warnings(holding, changes)
        if warnings:
            raise ConfirmationNeeded(warnings)
    with transaction.atomic():
        for name, value in changes.items():
            setattr(holding, name, value)
        holding.full_clean(exclude=["record", "library"])
        holding.save(update_fields=[*changes] or None)
        SourceRecord.objects.filter(pk=holding.record_id).update(cluster_dirty=True)
    clustering.recluster_dirty()
    return holding
