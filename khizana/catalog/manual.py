"""Manual decisions by staff: split a wrong merge, join two works, answer a pair of the review queue
(:mod:`.review`, through :func:`replace_decision`). They outrank every rule."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from . import clustering
from .models import MatchDecision, SourceRecord, Work
from .records import RecordKind


class ManualDecisionError(ValueError):
    """A split or join that cannot be done; the message says why."""


def replace_decision(a: SourceRecord, b: SourceRecord, verdict: str, user, note: str) -> MatchDecision:
    """Store the manual ``verdict`` on the pair (a, b), in place of any earlier manual one on it (the pair is
    kept in id order). Called inside the caller's transaction; the caller marks the records dirty and
    re-clusters them."""
    MatchDecision.objects.filter(Q(record_a=a, record_b=b) | Q(record_a=b, record_b=a), manual=True).delete()
    first, second = sorted((a, b), key=lambda r: r.id)
    return MatchDecision.objects.create(
        record_a=first,
        record_b=second,
        verdict=verdict,
        rule="manual",
        score=1.0,
        manual=True,
        created_by=user,
        note=note,
    )


@transaction.atomic
def split_record(record: SourceRecord, *, user=None, note: str = "") -> Work:
    """Take ``record`` out of its work; returns the record's new work."""
    if record.kind != RecordKind.BIBLIOGRAPHIC or record.deleted:
        raise ManualDecisionError(f"{record} is not an active bibliographic record")
    if record.work_id is None:
        raise ManualDecisionError(f"{record} is not in a work yet: run khizana cluster first")
    others = list(SourceRecord.objects.filter(work_id=record.work_id).exclude(pk=record.pk))
    if not others:
        raise ManualDecisionError(f"{record} is already alone in work {record.work_id}")
    for other in others:
        replace_decision(record, other, MatchDecision.Verdict.DIFFERENT, user, note)
    SourceRecord.objects.filter(pk__in=[record.pk, *[o.pk for o in others]]).update(cluster_dirty=True)
    clustering.recluster_dirty()
    record.refresh_from_db()
    return record.work


@transaction.atomic
def join_works(work_a: Work, work_b: Work, *, user=None, note: str = "") -> Work:
    """Put every record of ``work_a`` and ``work_b`` into one work; returns it."""
    if work_a.pk == work_b.pk:
        raise ManualDecisionError(f"work {work_a.pk} cannot be joined with itself")
    records_a = list(SourceRecord.objects.filter(work=work_a).order_by("id"))
    records_b = list(SourceRecord.objects.filter(work=work_b).order_by("id"))
    if not records_a or not records_b:
        raise ManualDecisionError("both works must hold at least one record")
    # Joining overrules earlier manual splits between the two works.
    MatchDecision.objects.filter(
        Q(record_a__in=records_a, record_b__in=records_b) | Q(record_a__in=records_b, record_b__in=records_a),
        manual=True,
        verdict=MatchDecision.Verdict.DIFFERENT,
    ).delete()
    replace_decision(records_a[0], records_b[0], MatchDecision.Verdict.SAME, user, note)
    SourceRecord.objects.filter(pk__in=[r.pk for r in records_a + records_b]).update(cluster_dirty=True)
    clustering.recluster_dirty()
    return SourceRecord.objects.get(pk=records_a[0].pk).work
