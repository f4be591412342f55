"""Scopus CSV exports (every layout seen: ~2015 41 columns, reduced selections, the 45-column 2024+ one).

Columns are found by name. "Authors with affiliations" pairs each author with their affiliations:
``Surname I., Affiliation 1, Affiliation 2; Surname2 I., Affiliation 3`` (older exports write
``Surname, I.,``); an author's several affiliations are joined by ", ", so they are cut at the strings of
the "Affiliations" column. Pure Python.
"""

from __future__ import annotations

import csv
import re
import sys

from .common import (
    AffiliationCollector,
    AuthorIndex,
    doi_of,
    link_authors,
    scopus_correspondence,
    scopus_eid_of,
)
from .model import SCOPUS_CSV, Author, Publication, ReadResult
from .text import parse_year, split_list, squash

REQUIRED_COLUMNS = ("Authors", "Title")
WANTED_COLUMNS = ("EID", "Affiliations", "Authors with affiliations")
_FULL_NAME = re.compile(r"^(.*?)\s*\((\d+)\)\s*$")
_INITIALS = re.compile(r"^(?:[A-Z\u00c0-\u024f][a-z]{0,2}\.?[\s\-]?)+$")
_SHIFT_AFTER = "Funding Text 1"  # known export defect: extra funding texts shift the later columns
KNOWN_COLUMNS = (
    "Authors",
    "Author full names",
    "Author(s) ID",
    "Title",
    "Year",
    "Source title",
    "DOI",
    "Link",
    "Affiliations",
    "Authors with affiliations",
    "Correspondence Address",
    "Document Type",
    "EID",
    _SHIFT_AFTER,
)
_CANONICAL = {name.casefold(): name for name in KNOWN_COLUMNS}  # "Source Title", "AUTHORS"... accepted

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def read(text: str, result: ReadResult) -> None:
    """Read the rows of a Scopus CSV export into ``result``."""
    result.source_format = SCOPUS_CSV
    rows = csv.reader(text.splitlines(keepends=True) if "\n" in text else [text])
    header = [_CANONICAL.get(name.strip().casefold(), name.strip()) for name in next(rows, [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        result.error(None, ", ".join(missing), "columns missing from the Scopus CSV header: file not read")
        return
    for name in WANTED_COLUMNS:
        if name not in header and not (name == "Affiliations" and "Authors with affiliations" in header):
            result.warn(None, name, "column missing from the header")
    number = 0
    try:
        for row in rows:
            if not any(cell.strip() for cell in row):
                continue
            number += 1
            values = _align(header, row, number, result)
            if values is not None:
                _read_row(values, number, result)
    except csv.Error as error:
        result.error(number + 1, None, f"unreadable CSV ({error}): the rest of the file is left out")


def _align(header: list[str], row: list[str], number: int, result: ReadResult) -> dict[str, str] | None:
    width = len(header)
    if len(row) == width:
        return dict(zip(header, row, strict=True))
    if len(row) > width and _SHIFT_AFTER in header:
        cut = header.index(_SHIFT_AFTER) + 1
        extra = len(row) - width
        result.warn(
            number,
            _SHIFT_AFTER,
            f"{len(row)} fields for {width} columns: the {extra} extra "
            "field(s) read as further funding texts, later columns realigned",
        )
        return dict(zip(header, row[:cut] + row[cut + extra :], strict=True))
    stop = header[len(row)] if len(row) < width else None
    problem = "the row stops before this column" if stop else "shifted row"
    result.error(number, stop, f"{len(row)} fields for {width} columns ({problem}): record left out")
    return None


def _read_row(values: dict[str, str], number: int, result: ReadResult) -> None:
    link = values.get("Link", "")
    publication = Publication(
        source_format=SCOPUS_CSV,
        file=result.file,
        record_number=number,
        id=squash(values.get("EID")) or scopus_eid_of(link) or doi_of(values.get("DOI")),
        title=squash(values.get("Title")) or None,
        year=parse_year(values.get("Year")),
        source_title=squash(values.get("Source title")) or None,
        doi=doi_of(values.get("DOI")),
        document_type=squash(values.get("Document Type")) or None,
        authors=_authors(values, number, result),
    )
    if values.get("Year", "").strip() and publication.year is None:
        result.warn(number, "Year", f"not a year: {values['Year']!r}")
    if not publication.id:
        result.warn(number, "EID", "no EID nor DOI")
    if not publication.title:
        result.warn(number, "Title", "no title")
    listed = _affiliation_list(values.get("Affiliations"))
    collector = AffiliationCollector(publication)
    pairs = split_authors_with_affiliations(values.get("Authors with affiliations", ""), listed)
    if pairs and len(pairs) < len(publication.authors):
        result.warn(
            number,
            "Authors with affiliations",
            f"{len(pairs)} of {len(publication.authors)} authors listed (Scopus cuts fields at "
            "32,767 characters): the affiliations of the others have no author",
        )
    for author, affiliations in pairs:
        for affiliation in affiliations:
            collector.add(affiliation, [author] if author else [])
    for affiliation in listed:
        collector.add(affiliation, [])
    order = {raw: position for position, raw in enumerate(listed)}
    publication.affiliations.sort(key=lambda item: order.get(item.raw, len(order)))
    publication.correspondence = scopus_correspondence(values.get("Correspondence Address", ""))
    link_authors(publication, AuthorIndex(publication.authors))
    result.publications.append(publication)


def _affiliation_list(value: str | None) -> list[str]:
    items = [squash(item) for item in split_list(value)]
    return [item for item in items if item.lower() not in ("", "[no affiliation available]")]


def _authors(values: dict[str, str], number: int, result: ReadResult) -> list[Author]:
    short_names = split_author_list(values.get("Authors", ""))
    ids = split_list(values.get("Author(s) ID"))
    full = [_FULL_NAME.match(item) for item in split_list(values.get("Author full names"))]
    if short_names == ["[No author name available]"]:
        return []
    if ids and len(ids) != len(short_names):
        result.warn(number, "Author(s) ID", f"{len(ids)} identifiers for {len(short_names)} authors")
    authors = []
    for position, name in enumerate(short_names):
        author = Author(name=name)
        if position < len(full) and full[position]:
            author.full_name = full[position].group(1)
            author.identifiers["scopus_id"] = full[position].group(2)
        if position < len(ids) and len(ids) == len(short_names):
            author.identifiers["scopus_id"] = ids[position]
        authors.append(author)
    return authors


def split_author_list(value: str) -> list[str]:
    """Scopus ``Authors``: ``A F.; B C.`` (2020+) or ``A, F., B, C.`` / ``A F., B C.`` (older)."""
    value = squash(value)
    if not value:
        return []
    if ";" in value:
        return split_list(value)
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if len(parts) >= 2 and all(_INITIALS.match(part) for part in parts[1::2]) and len(parts) % 2 == 0:
        return [f"{parts[index]}, {parts[index + 1]}" for index in range(0, len(parts), 2)]
    return parts


def split_authors_with_affiliations(value: str, listed: list[str]) -> list[tuple[str, list[str]]]:
    """``Authors with affiliations`` -> [(author, [affiliations])], affiliations cut at the listed strings."""
    known = _KnownAffiliations(listed)
    result = []
    for entry in split_list(squash(value)):
        name, rest = _split_name(entry, known)
        result.append((name, _cut_affiliations(rest, known)))
    return result


class _KnownAffiliations:
    """The strings of the Affiliations column, found quickly at the start of a text."""

    KEY = 12

    def __init__(self, listed: list[str]) -> None:
        self.by_start: dict[str, list[str]] = {}
        for affiliation in sorted(set(listed), key=len, reverse=True):
            self.by_start.setdefault(affiliation[: self.KEY], []).append(affiliation)

    def at_start(self, text: str) -> str | None:
        """The longest listed affiliation that is the whole text or is followed by ", " in it."""
        for affiliation in self.by_start.get(text[: self.KEY], ()):
            if text == affiliation or text.startswith(affiliation + ", "):
                return affiliation
        return None


def _split_name(entry: str, known: _KnownAffiliations) -> tuple[str, str]:
    """The author name at the start of an entry, and the affiliation text after it."""
    position = entry.find(", ")
    for _ in range(4):
        if position < 0:
            break
        if known.at_start(entry[position + 2 :]):
            return entry[:position], entry[position + 2 :]
        position = entry.find(", ", position + 2)
    parts = entry.split(", ")
    if len(parts) >= 2 and _INITIALS.match(parts[1]):
        return f"{parts[0]}, {parts[1]}", ", ".join(parts[2:])
    if len(parts) >= 2:
        return parts[0], ", ".join(parts[1:])
    return entry, ""


def _cut_affiliations(text: str, known: _KnownAffiliations) -> list[str]:
    found, rest = [], text.strip()
    while rest:
        affiliation = known.at_start(rest)
        if affiliation is None:
            found.append(rest)
            break
        found.append(affiliation)
        rest = rest[len(affiliation) + 2 :].strip()
    return found
