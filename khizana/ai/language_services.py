"""Language suggestions: detect the language of works' titles, store where their records say none or
another one, and give the search index the confident ones (the catalog's ``work_languages`` hook)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import orjson
from django.conf import settings
from django.db import transaction

from khizana.catalog.models import Work
from khizana.catalog.rows import ids_lookup, work_row_batches
from khizana.catalog.signals import works_changed

from .language import Detection, detect_title
from .models_language import LanguageSuggestion

_COLUMNS = ("id", "title", "subtitle", "parallel_titles", "languages")


@dataclass
class DetectionRun:
    works: int = 0
    missing: int = 0  # works without a language code that got a suggestion
    differs: int = 0  # works coded as another language than the one detected
    agrees: int = 0
    undetected: int = 0  # no language could be told (no letters, another script, a bare romanisation)


def network_languages() -> tuple[str, ...]:
    return tuple(settings.KHIZANA_AI_LANGUAGES)


def _json(value):
    return orjson.loads(value) if isinstance(value, str | bytes) else (value or [])


def suggestion_for(row: tuple, languages: tuple[str, ...]) -> tuple[Detection, str]:
    """(the detection, its reason: "missing", "differs", "agrees" or "" when no language was told) of
    a work row holding ``_COLUMNS``."""
    _id, title, subtitle, parallel_titles, coded = row
    detection = detect_title(title or "", subtitle or "", _json(parallel_titles), languages)
    if not detection.language:
        return detection, ""
    coded = _json(coded)
    if not coded:
        return detection, LanguageSuggestion.Reason.MISSING
    return detection, "agrees" if detection.language in coded else LanguageSuggestion.Reason.DIFFERS


def detect_works(work_ids: Iterable[int] | None = None) -> DetectionRun:
    """Detect the language of these works (every work when None) and store the suggestions: one per
    work whose records say no language or another one; a work's earlier suggestion goes otherwise. The
    works whose language facet changes are sent through ``works_changed`` (the search index follows)."""
    ids = None if work_ids is None else sorted(set(work_ids))
    run = DetectionRun()
    languages = network_languages()
    for rows in work_row_batches(_COLUMNS, ids):
        with transaction.atomic():
            _store_batch(rows, languages, run)
    return run


def _store_batch(rows: list[tuple], languages: tuple[str, ...], run: DetectionRun) -> None:
    batch_ids = [row[0] for row in rows]
    before = faceted_languages(batch_ids)
    keep: list[LanguageSuggestion] = []
    for row in rows:
        run.works += 1
        detection, reason = suggestion_for(row, languages)
        if not reason:
            run.undetected += 1
            continue
        if reason == "agrees":
            run.agrees += 1
            continue
        setattr(run, reason, getattr(run, reason) + 1)
        keep.append(
            LanguageSuggestion(
                work_id=row[0],
                language=detection.language,
                script=detection.script,
                confidence=detection.confidence,
                reason=reason,
                coded=_json(row[4]),
                romanised=detection.romanised,
                text=" : ".join(part for part in (row[1], row[2]) if part)[:2000],
            )
        )
    LanguageSuggestion.objects.filter(work_id__in=batch_ids).delete()
    LanguageSuggestion.objects.bulk_create(keep)
    after = faceted_languages(batch_ids)
    changed = {work_id for work_id in batch_ids if before.get(work_id) != after.get(work_id)}
    if changed:
        works_changed.send(sender=LanguageSuggestion, work_ids=changed)


def faceted_languages(work_ids: list[int]) -> dict[int, list[str]]:
    """Work id -> the suggested language the language facet shows (works without a language code whose
    suggestion reaches ``KHIZANA_AI_LANGUAGE_THRESHOLD``): the catalog's ``work_languages`` hook."""
    found = LanguageSuggestion.objects.filter(
        **ids_lookup("work_id", work_ids),
        reason=LanguageSuggestion.Reason.MISSING,
        confidence__gte=settings.KHIZANA_AI_LANGUAGE_THRESHOLD,
    )
    wanted = set(work_ids)
    return {
        work_id: [language]
        for work_id, language in found.values_list("work_id", "language")
        if work_id in wanted
    }


def suggestions(reason: str = "", min_confidence: float = 0.0, language: str = ""):
    """The stored suggestions, most confident first, with their works."""
    found = LanguageSuggestion.objects.select_related("work").filter(confidence__gte=min_confidence)
    if reason:
        found = found.filter(reason=reason)
    if language:
        found = found.filter(language=language)
    return found


def works_without_language() -> int:
    return Work.objects.filter(languages=[]).count()
