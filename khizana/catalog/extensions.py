"""What the capabilities built on the catalog add to it, without the catalog importing them.

The catalog is a lower layer (docs/architecture.md): it never imports the digital library or the search
index. A capability registers its providers here in its ``AppConfig.ready()``, and the catalog (and the
search index, which reads works from the catalog) asks this registry:

- availability: a name (``"digital"``) and a function telling which of some source records have it; a work
  is available that way when one of its records is (``Work.availability``, a facet);
- work text: a function giving, for some work ids, words to index with the works (the text of their
  digital copies, for the catalog's ``fulltext`` field);
- holding warnings: a function telling why a change staff make to a holding (withdrawing a copy) needs
  their confirmation (a copy the library committed to keep), see ``khizana.catalog.holdings``;
- work languages: a function giving, for some work ids, languages to show in the language facet besides
  the records' codes (a language detected from the title of a work whose records code none).
"""

from __future__ import annotations

from collections.abc import Callable

RecordsWith = Callable[[list[int]], set[int]]
WorkTexts = Callable[[list[int]], dict[int, str]]

_availability: dict[str, RecordsWith] = {}
_work_texts: dict[str, WorkTexts] = {}
WorkLanguages = Callable[[list[int]], dict[int, list[str]]]
_work_languages: dict[str, WorkLanguages] = {}
# (holding, changes) -> sentences, one per reason to confirm the change; [] when nothing to say
HoldingWarnings = Callable[[object, dict], list[str]]
_holding_warnings: dict[str, HoldingWarnings] = {}


def register_availability(name: str, records_with: RecordsWith) -> None:
    """``records_with(record_ids)`` answers the ids of those records that are available as ``name``."""
    _availability[name] = records_with


def register_work_text(name: str, texts_of: WorkTexts) -> None:
    """``texts_of(work_ids)`` answers work id -> words to index with the work (only works that have any)."""
    _work_texts[name] = texts_of


def register_work_languages(name: str, languages_of: WorkLanguages) -> None:
    """``languages_of(work_ids)`` answers work id -> more MARC language codes (only works that have any)."""
    _work_languages[name] = languages_of


def register_holding_warning(name: str, warnings_of: HoldingWarnings) -> None:
    """``warnings_of(holding, changes)`` answers why the change needs confirming ([] when it does not)."""
    _holding_warnings[name] = warnings_of


def holding_warnings(holding, changes: dict) -> list[str]:
    """Every registered provider's reasons to confirm ``changes`` to ``holding``."""
    return [
        warning for warnings_of in _holding_warnings.values() for warning in warnings_of(holding, changes)
    ]


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


def work_languages(work_ids: list[int]) -> dict[int, list[str]]:
    """Work id -> the languages every provider adds for it, each once."""
    joined: dict[int, list[str]] = {}
    for languages_of in _work_languages.values():
        for work_id, languages in languages_of(work_ids).items():
            bucket = joined.setdefault(work_id, [])
            bucket.extend(code for code in languages if code not in bucket)
    return joined
