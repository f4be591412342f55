"""Scopus RIS exports: ``XX  - value`` lines, ``TY`` starts and ``ER`` ends a record. Pure Python.

Scopus writes one ``AD`` line per affiliation, without the link to its authors, and the corresponding
address inside ``N1`` (``Correspondence Address: Name; Address; email: ...``).
"""

from __future__ import annotations

import re

from .common import AffiliationCollector, doi_of, scopus_correspondence, scopus_eid_of
from .model import SCOPUS_RIS, Author, Publication, ReadResult
from .text import parse_year, squash

_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
# The N1 note: "Export Date: ...; Cited By: 6; Correspondence Address: A; Address; email: x; Funding...: ..."
_CORRESPONDENCE = re.compile(r"Correspondence Address:\s*(.*?)(?=;\s*(?!email:)[A-Z][A-Za-z ]{2,40}:\s|$)")


def read(text: str, result: ReadResult) -> None:
    """Read the records of a RIS export into ``result``."""
    result.source_format = SCOPUS_RIS
    number, fields, last_tag, in_record = 0, {}, None, False
    for line_number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        match = _TAG_LINE.match(line.rstrip())
        if not match:
            if in_record and last_tag:
                fields[last_tag][-1] += " " + line.strip()
            else:
                result.error(
                    number if in_record else None,
                    None,
                    f"line {line_number}: not a RIS tag line: {line[:60]!r}",
                )
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == "TY":
            if in_record:
                result.error(number, "ER", f"line {line_number}: record has no ER line before the next TY")
                _finish(number, fields, result)
            number += 1
            fields, in_record, last_tag = {"TY": [value]}, True, "TY"
        elif tag == "ER":
            if in_record:
                _finish(number, fields, result)
            in_record, last_tag = False, None
        elif in_record:
            fields.setdefault(tag, []).append(value)
            last_tag = tag
        else:
            result.error(number + 1, tag, f"line {line_number}: tag outside a record (no TY before it)")
    if in_record:
        result.error(number, "ER", "the file ends inside this record (truncated): record left out")


def _finish(number: int, fields: dict[str, list[str]], result: ReadResult) -> None:
    def first(*tags: str) -> str | None:
        for tag in tags:
            if fields.get(tag) and squash(fields[tag][0]):
                return squash(fields[tag][0])
        return None

    url = first("UR")
    publication = Publication(
        source_format=SCOPUS_RIS,
        file=result.file,
        record_number=number,
        id=scopus_eid_of(url) or doi_of(first("DO")),
        title=first("TI", "T1"),
        year=parse_year(first("PY", "Y1", "DA")),
        source_title=first("T2", "JO", "JF", "BT"),
        doi=doi_of(first("DO")),
        document_type=first("M3", "TY"),
        authors=[Author(name=squash(name)) for name in fields.get("AU", []) + fields.get("A1", []) if name],
    )
    collector = AffiliationCollector(publication)
    for address in fields.get("AD", []):
        collector.add(address, [])
    note = " ".join(fields.get("N1", []))
    match = _CORRESPONDENCE.search(note)
    if match:
        publication.correspondence = scopus_correspondence(match.group(1))
    if not publication.id:
        result.warn(number, "UR", "no Scopus EID nor DOI")
    if not publication.title:
        result.warn(number, "TI", "no title")
    result.publications.append(publication)
