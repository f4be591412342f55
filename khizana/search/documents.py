"""Turn a work into the JSON document tantivy indexes (no Django import).

A work arrives as a plain mapping of the Work columns (see :data:`INDEX_COLUMNS`), so the same code
serves the full rebuild (rows streamed from the database) and the incremental updates. Two optional
keys come from elsewhere: ``fulltext`` (the analysed words of its digital copies) and
``original_script`` (the original-script forms, MARC 880, of every member record, by role: see
``BibFields.original_script``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache

import orjson

from khizana.core.analysis import analyse, analyse_exact, with_proclitic_variants
from khizana.core.textnorm import strip_arabic_article

from . import engine

INDEX_COLUMNS = (
    "id",
    "title",
    "subtitle",
    "parallel_titles",
    "authors",
    "subjects",
    "publisher",
    "place",
    "year",
    "edition",
    "languages",
    "material_type",
    "scripts",
    "identifiers",
    "libraries",
    "availability",
    "library_count",
    "classification",
)
MAX_SUBJECT_FACETS = 5


def _joined(tokens: list[str]) -> str:
    return " ".join(tokens)


_ARTICLES = frozenset({"le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "the", "a", "an"})


@lru_cache(maxsize=1 << 16)
def _without_article(token: str) -> str:
    return strip_arabic_article(token)


def title_key(text: str) -> str:
    """The whole title, folded, without articles, as one exact value: an exact title match ranks first."""
    return " ".join(_without_article(t) for t in analyse_exact(text) if t not in _ARTICLES)[:200]


def isbn_forms(values: list[str]) -> list[str]:
    """ISBN-13 and, where one exists, ISBN-10: a reader may type either, with or without hyphens."""
    forms = []
    for value in values:
        forms.append(value)
        if len(value) == 13 and value.startswith("978"):
            body = value[3:12]
            check = (11 - sum((10 - i) * int(d) for i, d in enumerate(body)) % 11) % 11
            forms.append(body + ("X" if check == 10 else str(check)))
    return forms


def ranking_weight(library_count: int, digital: bool) -> float:
    """Value of the ``weight`` fast field: tantivy multiplies the score by log2(2 + weight).

    Chosen so the factor is 1 + 0.08 * log2(libraries) (+0.1 with a digital copy): a small nudge for
    works held by many libraries, never enough to lift a poor textual match over a good one.
    """
    factor = 1 + 0.08 * math.log2(max(1, library_count)) + (0.1 if digital else 0.0)
    return 2**factor - 2


# Roles of BibFields.original_script whose values are names: indexed with the authors as well.
NAME_ROLES = ("author", "names", "responsibility")


def original_script_texts(original: Mapping[str, list[str]] | None) -> tuple[list[str], list[str]]:
    """(the names, every value) of a work's original-script forms (role -> values)."""
    if not original:
        return [], []
    names = [value for role in NAME_ROLES for value in original.get(role) or () if value]
    every = [value for values in original.values() for value in values or () if value]
    return names, every


def work_document(work: Mapping) -> dict:
    titles = [work["title"], work["subtitle"], *work["parallel_titles"]]
    original_names, original_texts = original_script_texts(work.get("original_script"))
    title_text = " ".join(t for t in titles if t)
    identifiers = work["identifiers"] or {}
    year = work["year"]
    availability = list(work["availability"] or [])
    subjects = list(work["subjects"] or [])
    document = {
        "id": work["id"],
        "title": _joined(with_proclitic_variants(analyse(title_text))),
        "title_exact": _joined(analyse_exact(title_text)),
        "author": _joined(analyse_exact(" ; ".join([*(work["authors"] or []), *original_names]))),
        "subject": _joined(with_proclitic_variants(analyse(" ; ".join(subjects)))),
        # (every other metadata text: the original-script forms, MARC 880, in full)
        "notes": _joined(
            analyse(
                " ".join(filter(None, [work["publisher"], work["place"], work["edition"], *original_texts]))
            )
        ),
        "title_key": [key for key in {title_key(work["title"]), title_key(title_text)} if key],
        engine.FULLTEXT: work.get("fulltext") or "",  # already analysed (khizana.digital.fulltext)
        "isbn": isbn_forms(identifiers.get("isbn", [])) + list(identifiers.get("issn", [])),
        "weight": ranking_weight(work["library_count"] or 1, "digital" in availability),
        "title_sort": title_key(work["title"]) or "~",
        "author_sort": " ".join(analyse_exact((work["authors"] or ["~"])[0]))[:100] or "~",
    }
    facets = {
        "library": list(work["libraries"] or []),
        "language": list(work["languages"] or []),
        "type": [work["material_type"] or "other"],
        "decade": [str(int(year) // 10 * 10)] if year is not None else [],
        "subject_facet": [s[:200] for s in subjects[:MAX_SUBJECT_FACETS]],
        "script": list(work["scripts"] or []),
        "availability": availability,
    }
    add_facets(document, facets)
    if year is not None:
        document["year"] = int(year)
    return document


_SLOTS = {name: engine.slot_fields(name) for name in engine.FACET_SLOTS}
_MORE = {name: engine.more_field(name) for name in engine.FACET_SLOTS}
_GROUPS = tuple(engine.FACET_GROUPS)


def add_facets(document: dict, facets: dict[str, list[str]]) -> None:
    """The facets' values for filtering, and the fields they are counted from (see engine.FACET_SLOTS
    and engine.FACET_GROUPS). Runs for every work of a rebuild: kept plain."""
    cleaned = {name: _facet_values(values) for name, values in facets.items()}
    overflow = "0"
    for name, values in cleaned.items():
        document[name] = values
        slots = _SLOTS.get(name)
        if slots is None:
            continue
        for i, slot in enumerate(slots):
            document[slot] = [values[i] if i < len(values) else engine.EMPTY_SLOT]
        if len(values) > len(slots):
            document[_MORE[name]] = values[len(slots) :]
            overflow = "1"
    document[engine.OVERFLOW] = [overflow]
    for group in _GROUPS:
        document[group] = [engine.group_value(cleaned, group)]


_NO_SEPARATORS = str.maketrans("", "", engine.GROUP_SEPARATOR + engine.VALUE_SEPARATOR)


def _facet_values(values: list[str]) -> list[str]:
    cleaned = (v.translate(_NO_SEPARATORS) for v in values if v)
    return list(dict.fromkeys(v for v in cleaned if v and v != engine.EMPTY_SLOT))


def work_document_json(work: Mapping) -> str:
    return orjson.dumps(work_document(work)).decode()


_JSON_COLUMNS = frozenset(
    {
        "parallel_titles",
        "authors",
        "subjects",
        "languages",
        "scripts",
        "identifiers",
        "libraries",
        "availability",
        "classification",
    }
)
_JSON_POSITIONS = [i for i, name in enumerate(INDEX_COLUMNS) if name in _JSON_COLUMNS]


def documents_from_rows(
    rows: list[tuple],
    fulltext: Mapping[int, str] | None = None,
    original_script: Mapping[int, Mapping[str, list[str]]] | None = None,
    languages: Mapping[int, list[str]] | None = None,
) -> list[str]:
    """Index documents (JSON) of database rows holding :data:`INDEX_COLUMNS` in order. JSON columns
    come as text from SQLite and as objects from PostgreSQL. ``fulltext``: work id -> the analysed words
    inside its digital copies, for the works that have any. ``original_script``: work id -> the
    original-script forms of its member records (role -> values), for the works that have any.
    ``languages``: work id -> languages for the language facet besides the records' codes (a language
    detected from the title, khizana.ai), for the works that have any."""
    documents = []
    for row in rows:
        values = list(row)
        for i in _JSON_POSITIONS:
            if isinstance(values[i], str | bytes):
                values[i] = orjson.loads(values[i])
        work = dict(zip(INDEX_COLUMNS, values, strict=True))
        if fulltext:
            work["fulltext"] = fulltext.get(work["id"], "")
        if original_script:
            work["original_script"] = original_script.get(work["id"])
        if languages and work["id"] in languages:
            coded = list(work["languages"] or [])
            work["languages"] = coded + [code for code in languages[work["id"]] if code not in coded]
        documents.append(work_document_json(work))
    return documents
