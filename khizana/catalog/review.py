"""The review queue of candidate duplicates: pairs of records the rules could not decide
(:class:`~khizana.catalog.models.MatchReview`, filled by the clustering), answered by staff.

- :func:`queue_for`: the pairs a member of staff may answer (one of the two records belongs to one of
  their libraries; a network administrator: every pair), conflicts first, then by score;
- :func:`review_for`: one pair of that queue (for its page), or :class:`UnknownReviewError` /
  ``PermissionDenied``;
- :func:`decide`: the answer, "same" or "different": a manual :class:`MatchDecision` (which outranks every
  rule), the pair leaves the queue, both records are re-clustered, and the audit log says who answered.
- :func:`compare`: the fields of the two records side by side, for the pair's page.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from khizana.accounts import permissions
from khizana.accounts.audit import audit
from khizana.core.vocabularies import language_name

from . import clustering
from .manual import replace_decision
from .models import MatchDecision, MatchReview, SourceRecord

VERDICTS = (MatchDecision.Verdict.SAME, MatchDecision.Verdict.DIFFERENT)
KINDS = tuple(MatchReview.Kind.values)

# The fields shown side by side, in this order (keys of SourceRecord.fields).
COMPARED_FIELDS = (
    "title",
    "subtitle",
    "authors",
    "publisher",
    "place",
    "year",
    "edition",
    "identifiers",
    "languages",
)


class ReviewError(ValueError):
    """An answer that cannot be recorded (a verdict other than "same" or "different"...); says why."""


class UnknownReviewError(ReviewError):
    """No such pair in the queue (never was, or already answered)."""


def _scope(user) -> Q | None:
    """The pairs ``user`` may see and answer: None for every pair (network administrator)."""
    if permissions.is_network_admin(user):
        return None
    library_ids = list(permissions.libraries_managed(user).values_list("pk", flat=True))
    return Q(record_a__library_id__in=library_ids) | Q(record_b__library_id__in=library_ids)


def queue_for(user, kind: str | None = None, library=None) -> QuerySet[MatchReview]:
    """The pairs waiting for ``user``: at least one record of one of their libraries (network
    administrator: all), optionally of one ``kind`` ("near", "conflict") and touching one ``library``;
    pairs whose record was deleted since are left out. Conflicts first, then the highest scores."""
    if not permissions.is_staff(user):
        return MatchReview.objects.none()
    if kind is not None and kind not in KINDS:
        raise ReviewError(_("Unknown kind of pair: %(kind)s.") % {"kind": kind})
    reviews = MatchReview.objects.filter(record_a__deleted=False, record_b__deleted=False)
    scope = _scope(user)
    if scope is not None:
        reviews = reviews.filter(scope)
    if kind:
        reviews = reviews.filter(kind=kind)
    if library is not None:
        reviews = reviews.filter(Q(record_a__library=library) | Q(record_b__library=library))
    return reviews.select_related("record_a__library", "record_b__library").order_by("kind", "-score", "id")


def _may_answer(user, review: MatchReview) -> bool:
    return permissions.can_write(user, review.record_a.library_id) or permissions.can_write(
        user, review.record_b.library_id
    )


def _get(review_id, *, lock: bool = False) -> MatchReview:
    try:
        review_id = int(review_id)
    except (TypeError, ValueError):
        raise UnknownReviewError(_("There is no such pair to review.")) from None
    reviews = MatchReview.objects.select_for_update() if lock else MatchReview.objects
    try:
        return reviews.get(pk=review_id)
    except MatchReview.DoesNotExist:
        raise UnknownReviewError(
            _("There is no pair %(id)s to review (perhaps it was answered already).") % {"id": review_id}
        ) from None


def review_for(user, review_id) -> MatchReview:
    """The pair ``review_id`` with its two records, if ``user`` may answer it."""
    review = _get(review_id)
    review = MatchReview.objects.select_related("record_a__library", "record_b__library").get(pk=review.pk)
    if not _may_answer(user, review):
        raise PermissionDenied(_("Neither record of this pair belongs to your library."))
    return review


def decide(user, review_id, verdict: str, note: str = "") -> MatchDecision:
    """Answer the pair ``review_id``: ``verdict`` "same" (one edition) or "different" (two editions).

    One transaction: the manual decision is stored (replacing an earlier manual one on the pair), the
    pair leaves the queue, both records are re-clustered, and the answer is written to the audit log under
    the library of the user's record. Raises :class:`ReviewError` (a bad verdict),
    :class:`UnknownReviewError`, or ``PermissionDenied`` (neither record is of the user's libraries).
    """
    if verdict not in VERDICTS:
        raise ReviewError(
            _('The answer must be "same" or "different", not %(verdict)s.') % {"verdict": repr(verdict)[:40]}
        )
    note = (note or "").strip()[:2000]
    with transaction.atomic():
        review = _get(review_id, lock=True)
        a = SourceRecord.objects.select_related("library").get(pk=review.record_a_id)
        b = SourceRecord.objects.select_related("library").get(pk=review.record_b_id)
        review.record_a, review.record_b = a, b
        if not _may_answer(user, review):
            raise PermissionDenied(_("Neither record of this pair belongs to your library."))
        if a.deleted or b.deleted:
            raise ReviewError(_("A record of this pair has been deleted since: there is nothing to decide."))
        decision = replace_decision(a, b, verdict, user, note or f"review queue ({review.kind})")
        MatchReview.objects.filter(Q(record_a=a, record_b=b) | Q(record_a=b, record_b=a)).delete()
        SourceRecord.objects.filter(pk__in=[a.pk, b.pk]).update(cluster_dirty=True)
        clustering.recluster_dirty()
        library_id = a.library_id if permissions.can_write(user, a.library_id) else b.library_id
        audit(
            user,
            library_id,
            "review-decision",
            f"{a} / {b}",
            review=review.pk,
            records=[a.pk, b.pk],
            kind=review.kind,
            score=review.score,
            verdict=verdict,
            note=note,
        )
    return decision


def _shown(name: str, value: Any) -> list[str]:
    if value in (None, "", [], {}):
        return []
    if name == "identifiers" and isinstance(value, dict):
        return [f"{scheme.upper()} {v}" for scheme, values in sorted(value.items()) for v in values]
    if name == "languages" and isinstance(value, list):
        return [language_name(str(v)) for v in value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def compare(review: MatchReview) -> list[dict[str, Any]]:
    """One row per compared field: its name, the values of record A and of record B (lists of strings),
    and whether they differ. Rows empty on both sides are left out."""
    rows = []
    fields_a = {"title": review.record_a.title, **(review.record_a.fields or {})}
    fields_b = {"title": review.record_b.title, **(review.record_b.fields or {})}
    for name in COMPARED_FIELDS:
        a, b = _shown(name, fields_a.get(name)), _shown(name, fields_b.get(name))
        if a or b:
            rows.append({"name": name, "a": a, "b": b, "differs": a != b})
    return rows
