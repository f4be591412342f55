"""The work dict every format starts from: the display fields of a work and its copies, built from the
catalog (:func:`work_dict`, :func:`work_dicts`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse

from khizana.catalog.models import Holding, SourceRecord, Work
from khizana.core.vocabularies import HOLDING_STATUS, language_tag

from .fields import WorkDict


def work_dict(work: Work, holdings: list[dict] | None = None, url: str = "") -> WorkDict:
    """The work as the serializers take it (the shape is in :mod:`khizana.catalog.serializers`)."""
    return {
        "id": work.id,
        "title": work.title,
        "subtitle": work.subtitle,
        "parallel_titles": work.parallel_titles,
        "authors": work.authors,
        "identifiers": work.identifiers,
        "publisher": work.publisher,
        "place": work.place,
        "year": work.year,
        "edition": work.edition,
        "languages": work.languages,
        "language_tags": [language_tag(c) for c in work.languages],
        "material_type": work.material_type,
        "subjects": work.subjects,
        "classification": work.classification,
        "url": url,
        "holdings": holdings or [],
    }


def work_records(work: Work) -> list[SourceRecord]:
    """The source records of a work with their libraries and copies (not their bytes), by library."""
    return list(
        work.records.select_related("library")
        .prefetch_related("holdings")
        .defer("raw")
        .order_by("library__code", "local_id")
    )


def holding_rows(records: list[SourceRecord]) -> list[dict[str, Any]]:
    """One row per copy (the same copy sent in two records of a library shown once); a library whose
    records describe no copy gets one row 'held, no item details'."""
    rows: list[dict[str, Any]] = []
    seen: set[tuple] = set()
    without_items: dict[str, dict[str, Any]] = {}
    for record in records:
        if record.deleted:
            continue
        library = record.library
        base = {
            "library": library,
            "library_code": library.code,
            "library_name": library.name,
            "library_url": reverse("web:library", args=[library.code]),
            "record_id": record.id,
        }
        copies: list[Holding] = list(record.holdings.all())
        if not copies:
            without_items.setdefault(
                library.code, {**base, "call_number": "", "location": "", "status": "", "no_items": True}
            )
        for copy in copies:
            key = (library.code, copy.barcode, copy.call_number, copy.location, copy.status)
            if key in seen:
                continue
            seen.add(key)
            rows.append(
                {
                    **base,
                    "call_number": copy.call_number,
                    "location": copy.location,
                    "status": copy.status,
                    "status_label": HOLDING_STATUS.get(copy.status, copy.status),
                    "no_items": False,
                }
            )
    with_items = {row["library_code"] for row in rows}
    rows += [row for code, row in without_items.items() if code not in with_items]
    rows.sort(key=lambda r: (r["library_name"].casefold(), r["no_items"], r["call_number"]))
    return rows


def work_dicts(ids: list[int], url_for: Callable[[int], str]) -> list[WorkDict]:
    """The work dicts (with holdings) of ``ids``, in that order; works gone since are skipped."""
    works = Work.objects.in_bulk(ids)
    records: dict[int, list[SourceRecord]] = {}
    for record in (
        SourceRecord.objects.filter(work_id__in=ids)
        .select_related("library")
        .prefetch_related("holdings")
        .defer("raw")
        .order_by("library__code", "local_id")
    ):
        records.setdefault(record.work_id, []).append(record)
    return [work_dict(works[i], holding_rows(records.get(i, [])), url_for(i)) for i in ids if i in works]
