"""What the capabilities built on the catalog add to it, without the catalog importing them.

The catalog is a lower layer (docs/architecture.md): it never imports the digital library or the search
index. A capability registers its providers here in its ``AppConfig.ready()``, and the catalog (and the
search index, which reads works from the catalog) asks this registry:

- availability: a name (``"digital"``) and a function telling which of some source records have it; a work
  is available that way when one of its records is (``Work.availability``, a facet);
- work text: a function giving, for some work ids, words to index with the works (the text of their
  digital copies, for the catalog's ``fulltext`` field).
"""

from __future__ import annotations

from collections.abc import Callable

RecordsWith = Callable[[list[int]], set[int]]
WorkTexts = Callable[[list[int]], dict[int, str]]

_availability: dict[str, RecordsWith] = {}
_work_texts: dict[str, WorkTexts] = {}


def register_availability(name: str, records_with: RecordsWith) -> None:
    """``records_with(record_ids)`` answers the ids of those records that are available as ``name``."""
    _availability[name] = records_with


def register_work_text(name: str, texts_of: WorkTexts) -> None:
    """``texts_of(work_ids)`` answers work id -> words to index with the work (only works that have any)."""
    _work_texts[name] = texts_of


def records_available(record_ids: list[int]) -> dict[str, set[int]]:
    """For each registered kind of availability, in registration order, the records that have it."""
    return {name: records_with(record_ids) for name, records_with in _availability.items()}


def work_texts(work_ids: list[int]) -> dict[int, str]:
    """Work id -> the words every provider gives for it, joined by spaces."""
    joined: dict[int, list[str]] = {}
    for texts_of in _work_texts.values():
        for work_id, text in texts_of(work_ids).items():
            joined.setdefault(work_id, []).append(text)
    return {work_id: " ".join(texts) for work_id, texts in joined.items()}
