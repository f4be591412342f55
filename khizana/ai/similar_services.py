"""Similar works: read the catalog's works as features, keep the most similar ones per work, show them
with why; and the refresh queue both this and the language suggestions follow (``works_changed``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from khizana.catalog import extensions
from khizana.catalog.models import SourceRecord, Work
from khizana.catalog.rows import work_row_batches

from .models_language import LanguageSuggestion
from .models_similar import RefreshQueue, SimilarWork
from .similar import SimilarityIndex, WorkFeatures

_COLUMNS = ("id", "title", "subtitle", "parallel_titles", "authors", "subjects", "classification")
MAX_FULLTEXT_CHARS = 20_000


def _json(value) -> list:
    return orjson.loads(value) if isinstance(value, str | bytes) else (value or [])


def _notes(work_ids: list[int]) -> dict[int, list[str]]:
    """Work id -> the notes (abstracts, MARC 520/500, UNIMARC 330/300) of its live records."""
    found: dict[int, list[str]] = {}
    records = SourceRecord.objects.filter(work_id__in=work_ids, deleted=False, fields__notes__isnull=False)
    for work_id, notes in records.values_list("work_id", "fields__notes"):
        if isinstance(notes, list):
            bucket = found.setdefault(work_id, [])
            bucket.extend(n for n in notes if isinstance(n, str) and n not in bucket)
    return found


def work_features(work_ids: list[int] | None = None, hidden: Iterable[int] = ()) -> Iterator[WorkFeatures]:
    """The features of these works (all when None): headings, authors, classes, and the words of their
    titles, notes and full text (the digital copies', through the catalog's work-text hook). The works
    in ``hidden`` come without headings nor classes (the benchmark holds them out)."""
    held_out = set(hidden)
    for rows in work_row_batches(_COLUMNS, work_ids):
        ids = [row[0] for row in rows]
        notes = _notes(ids)
        fulltext = extensions.work_texts(ids)
        for work_id, title, subtitle, parallel, authors, subjects, classes in rows:
            words = [title or "", subtitle or "", *_json(parallel), *notes.get(work_id, ())]
            words.append((fulltext.get(work_id) or "")[:MAX_FULLTEXT_CHARS])
            keep = work_id not in held_out
            yield WorkFeatures(
                id=work_id,
                headings=_json(subjects) if keep else [],
                authors=_json(authors),
                classes=_json(classes) if keep else [],
                text=" ".join(w for w in words if w),
            )


@dataclass
class SimilarRun:
    works: int = 0  # works whose lists were computed
    with_similar: int = 0  # of which have at least one similar work
    pairs: int = 0


def compute_similar(
    work_ids: Iterable[int] | None = None, index: SimilarityIndex | None = None
) -> SimilarRun:
    """Compute and store the similar works of these works (every work when None), against the whole
    catalog; a work's earlier list is replaced, in one transaction per batch."""
    index = index or SimilarityIndex(work_features())
    ids = sorted(index.vectors) if work_ids is None else sorted(set(work_ids))
    limit = settings.KHIZANA_AI_SIMILAR_COUNT
    run = SimilarRun()
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        rows = []
        for work_id in batch:
            found = index.similar_to(work_id, limit)
            run.works += 1
            run.with_similar += bool(found)
            rows.extend(
                SimilarWork(work_id=work_id, similar_id=s.id, rank=rank, score=s.score, reasons=s.reasons)
                for rank, s in enumerate(found, start=1)
            )
        with transaction.atomic():
            SimilarWork.objects.filter(work_id__in=batch).delete()
            existing = set(Work.objects.filter(id__in={r.work_id for r in rows}).values_list("id", flat=True))
            SimilarWork.objects.bulk_create([r for r in rows if r.work_id in existing])
        run.pairs += len(rows)
    return run


_CLASS_SCHEMES = {"ddc": "Dewey", "udc": "UDC", "lcc": "LCC"}


def describe_reasons(reasons: dict[str, list[str]]) -> list[str]:
    """Why a work is similar, in the page's language: one sentence per kind of shared feature."""
    sentences = []
    if reasons.get("headings"):
        sentences.append(_("shared subjects: %(values)s") % {"values": " ; ".join(reasons["headings"])})
    if reasons.get("authors"):
        sentences.append(_("same author: %(values)s") % {"values": " ; ".join(reasons["authors"])})
    if reasons.get("classes"):
        classes = []
        for value in reasons["classes"]:
            scheme, _sep, code = value.partition(":")
            classes.append(f"{_CLASS_SCHEMES.get(scheme, scheme)} {code}")
        sentences.append(_("same class: %(values)s") % {"values": ", ".join(classes)})
    if reasons.get("words"):
        sentences.append(_("shared words: %(values)s") % {"values": ", ".join(reasons["words"])})
    return sentences


def similar_for_page(work_id: int) -> list[dict]:
    """The stored similar works of a work for its page: the work, and why in the page's language."""
    found = SimilarWork.objects.filter(work_id=work_id, similar__isnull=False).select_related("similar")
    found = found.order_by("rank")
    return [{"work": s.similar, "score": s.score, "why": describe_reasons(s.reasons)} for s in found]


# ---------------------------------------------------------------- keeping them up to date


def queue_works(sender, work_ids: Iterable[int], **kwargs) -> None:
    """``works_changed`` receiver: queue the works (in the current transaction) for a new language
    suggestion and new similar works. The language suggestions' own changes are not queued again."""
    if sender is LanguageSuggestion:
        return
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {RefreshQueue._meta.db_table} (work_id, queued_at) VALUES (%s, %s)",
            [(work_id, stamp) for work_id in sorted(work_ids)],
        )
    if settings.KHIZANA_AI_REFRESH_ON_COMMIT:
        from .similar_tasks import refresh_queued_job

        transaction.on_commit(refresh_queued_job)


@dataclass
class RefreshRun:
    works: int = 0
    similar_lists: int = 0  # lists computed (the queued works' and the lists that named them)


def refresh_queued() -> RefreshRun:
    """Detect the language of the queued works and compute their similar works again, with the lists of
    the works that named one of them or lost one (a deleted or changed work must leave them). The rest of the
    catalog's lists follow at the nightly full computation (`khizana ai similar`)."""
    from .language_services import detect_works

    last = RefreshQueue.objects.order_by("-id").values_list("id", flat=True).first()
    if last is None:
        return RefreshRun()
    queued = set(RefreshQueue.objects.filter(id__lte=last).values_list("work_id", flat=True))
    live = set(Work.objects.filter(id__in=queued).values_list("id", flat=True))
    detect_works(live)
    naming = set(
        SimilarWork.objects.filter(Q(similar_id__in=queued) | Q(similar=None)).values_list(
            "work_id", flat=True
        )
    )
    SimilarWork.objects.filter(work_id__in=queued - live).delete()
    run = compute_similar(live | naming)
    RefreshQueue.objects.filter(id__lte=last).delete()
    return RefreshRun(works=len(queued), similar_lists=run.works)


def connect() -> None:
    """Called by the app's ``ready()``: the language facet hook, the ``works_changed`` receiver, the jobs."""
    from khizana.catalog.signals import works_changed

    from . import similar_tasks  # noqa: F401  (registers the periodic jobs with huey)
    from .language_services import faceted_languages

    extensions.register_work_languages("ai", faceted_languages)
    works_changed.connect(queue_works, dispatch_uid="khizana.ai.queue_works")
