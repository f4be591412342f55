"""Web of Science exports: plain text (tagged, ``FN``/``PT``...``ER``/``EF``) and tab-delimited.

Field tags follow Clarivate's published list (AU, AF, TI, SO, PY, DI, UT, C1, C3, RP, OI, RI, DT...).
In plain text a field's further lines start with three spaces; list fields (AU, AF, C1, CR) hold one item
per line, the others are one text wrapped over lines. Pure Python.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable

from .common import (
    AffiliationCollector,
    AuthorIndex,
    attach_identifiers,
    doi_of,
    link_authors,
    wos_reprint_addresses,
)
from .model import WOS_PLAIN, WOS_TAB, Author, Publication, ReadResult
from .text import parse_year, split_list, squash

# The fields read into a Publication; the others (abstract, cited references...) are skipped unsplit.
USED_FIELDS = frozenset({"AU", "AF", "TI", "SO", "DT", "C1", "C3", "RP", "OI", "RI", "PY", "EA", "DI", "UT"})
_BRACKET_GROUP = re.compile(r"^\[([^\]]*)\]\s*(.*)$")
_TAB_C1_GROUP = re.compile(r"\[([^\]]*)\]\s*([^\[]*)")
REQUIRED_TAB_COLUMNS = ("AU", "TI", "UT")


def read_plain(text: str, result: ReadResult) -> None:
    """Read the records of a WoS plain-text export into ``result``."""
    result.source_format = WOS_PLAIN
    number, fields, in_record, position, tag = 0, {}, False, 0, None
    for block in _FIELD_BLOCK.finditer(text):
        if block.start() > position and text[position : block.start()].strip():
            _report_stray(text, position, block.start(), (number, tag) if in_record else (None, None), result)
        position = block.end()
        tag, value = block.group("tag"), block.group("value") or ""
        if tag == "PT":
            if in_record:
                result.error(
                    number,
                    "ER",
                    f"line {_line_of(text, block.start())}: record has no ER line before the next PT",
                )
                _finish_plain(number, fields, result)
            number += 1
            fields, in_record = {"PT": [value]}, True
        elif tag == "ER":
            if in_record:
                _finish_plain(number, fields, result)
            in_record = False
        elif tag in ("FN", "VR", "EF") and not in_record:
            continue
        elif in_record:
            if tag not in USED_FIELDS:
                continue
            lines = fields.setdefault(tag, [])
            lines.append(value.strip())
            if block.group("more"):
                lines.extend(line.strip() for line in block.group("more").split("\n") if line.strip())
        else:
            result.error(
                number + 1,
                tag,
                f"line {_line_of(text, block.start())}: field outside a record (no PT before it)",
            )
    if position < len(text) and text[position:].strip():
        _report_stray(text, position, len(text), (number, tag) if in_record else (None, None), result)
    if in_record:
        result.error(number, "ER", "the file ends inside this record (truncated): record left out")


# A tagged field: its tag line and the continuation lines (three spaces or a tab) after it.
_FIELD_BLOCK = re.compile(
    r"^(?P<tag>[A-Z][A-Z0-9])(?: (?P<value>[^\n]*))?[ \t]*(?:\n|$)(?P<more>(?:(?:   |\t)[^\n]*(?:\n|$))*)",
    re.MULTILINE,
)


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _report_stray(
    text: str, start: int, end: int, where: tuple[int | None, str | None], result: ReadResult
) -> None:
    """Lines neither tagged nor continuing a field: reported (with the field before them), skipped."""
    record, previous_tag = where
    for offset, line in enumerate(text[start:end].split("\n")):
        if line.strip():
            line_number = _line_of(text, start) + offset
            result.error(
                record,
                previous_tag,
                f"line {line_number}: not a field tag line nor a continuation (ignored): {line[:60]!r}",
            )


def _finish_plain(number: int, fields: dict[str, list[str]], result: ReadResult) -> None:
    def text_of(tag: str) -> str:
        return squash(" ".join(fields.get(tag, [])))

    c1_lines = _join_wrapped_addresses(fields.get("C1", []))
    publication = _publication(
        result,
        WOS_PLAIN,
        number,
        short_names=fields.get("AU", []),
        full_names=fields.get("AF", []),
        text_of=text_of,
    )
    collector = AffiliationCollector(publication)
    for line in c1_lines:
        _add_c1_line(collector, line)
    _finish(publication, text_of, result)


def _join_wrapped_addresses(lines: list[str]) -> list[str]:
    """C1 holds one address per line; a line that does not end an address (no final '.') wraps."""
    joined: list[str] = []
    for line in lines:
        if joined and not joined[-1].endswith(".") and not line.startswith("["):
            joined[-1] += " " + line
        else:
            joined.append(line)
    return joined


def _add_c1_line(collector: AffiliationCollector, line: str) -> None:
    match = _BRACKET_GROUP.match(line.strip())
    if match:
        collector.add(match.group(2).rstrip("."), split_list(match.group(1)))
    else:
        collector.add(line.rstrip("."), [])


def read_tab(text: str, result: ReadResult) -> None:
    """Read a WoS tab-delimited export (header of tags, one record per line, no quoting)."""
    result.source_format = WOS_TAB
    rows = csv.reader(text.split("\n"), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = [name.strip() for name in next(rows, [])]
    missing = [name for name in REQUIRED_TAB_COLUMNS if name not in header]
    if missing:
        result.error(None, ", ".join(missing), "columns missing from the header: file not read")
        return
    width = len(header)
    for number, row in enumerate((row for row in rows if any(cell.strip() for cell in row)), start=1):
        if len(row) > width and not any(cell.strip() for cell in row[width:]):
            row = row[:width]
        if len(row) != width:
            stop = header[len(row)] if len(row) < width else None
            problem = " (the row stops before this column)" if stop else ""
            result.error(number, stop, f"{len(row)} fields for {width} columns{problem}: record left out")
            continue
        values = dict(zip(header, row, strict=True))
        _finish_tab(number, values, result)


def _finish_tab(number: int, values: dict[str, str], result: ReadResult) -> None:
    def text_of(tag: str) -> str:
        return squash(values.get(tag, ""))

    publication = _publication(
        result,
        WOS_TAB,
        number,
        short_names=split_list(values.get("AU")),
        full_names=split_list(values.get("AF")),
        text_of=text_of,
    )
    collector = AffiliationCollector(publication)
    for authors, address in split_tab_c1(values.get("C1", "")):
        collector.add(address.rstrip("."), authors)
    _finish(publication, text_of, result)


def split_tab_c1(value: str) -> list[tuple[list[str], str]]:
    """``[A; B] Address 1; [C] Address 2`` or ``Address 1; Address 2`` -> [(authors, address)]."""
    value = squash(value)
    if not value:
        return []
    if value.startswith("["):
        return [
            (split_list(group.group(1)), group.group(2).strip().rstrip(";").strip())
            for group in _TAB_C1_GROUP.finditer(value)
        ]
    return [([], address) for address in split_list(value)]


def _publication(
    result: ReadResult,
    source_format: str,
    number: int,
    *,
    short_names: list[str],
    full_names: list[str],
    text_of: Callable[[str], str],
) -> Publication:
    if full_names and len(full_names) != len(short_names):
        result.warn(number, "AF", f"{len(full_names)} full names for {len(short_names)} authors (AU)")
    authors = [
        Author(name=squash(name), full_name=squash(full_names[index]) if index < len(full_names) else None)
        for index, name in enumerate(short_names)
    ]
    year_text = text_of("PY")
    year = parse_year(year_text) or parse_year(text_of("EA"))
    if year_text and parse_year(year_text) is None:
        result.warn(number, "PY", f"not a year: {year_text!r}")
    return Publication(
        source_format=source_format,
        file=result.file,
        record_number=number,
        id=text_of("UT") or doi_of(text_of("DI")),
        title=text_of("TI") or None,
        year=year,
        source_title=text_of("SO") or None,
        doi=doi_of(text_of("DI")),
        document_type=text_of("DT") or None,
        authors=authors,
    )


def _finish(publication: Publication, text_of: Callable[[str], str], result: ReadResult) -> None:
    number = publication.record_number
    if not publication.id:
        result.warn(number, "UT", "no accession number (UT) nor DOI")
    if not publication.title:
        result.warn(number, "TI", "no title")
    publication.organisations = list(dict.fromkeys(split_list(text_of("C3"))))
    publication.correspondence = wos_reprint_addresses(text_of("RP"))
    index = AuthorIndex(publication.authors)
    for tag, scheme in (("OI", "orcid"), ("RI", "researcher_id")):
        unmatched = attach_identifiers(publication, split_list(text_of(tag)), scheme, index)
        if unmatched:
            result.warn(number, tag, f"names matching no author: {', '.join(unmatched[:5])}")
    link_authors(publication, index)
    result.publications.append(publication)
