"""Scopus and Web of Science BibTeX exports, read by a small tolerant entry reader (no dependency).

Entries may start on the line of the previous closing brace (``}@ARTICLE{``); values are ``{...}``
(WoS doubles them: ``{{...}}``), ``"..."`` or bare words; LaTeX escapes (``\\&``, ``{\\'e}``) are decoded.
A malformed entry is reported with its number, key and field, and the next entries are still read.
Pure Python.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .common import (
    AffiliationCollector,
    AuthorIndex,
    attach_identifiers,
    doi_of,
    link_authors,
    scopus_correspondence,
    scopus_eid_of,
    surname_initials,
)
from .model import SCOPUS_BIBTEX, WOS_BIBTEX, Author, Correspondence, Publication, ReadResult
from .text import parse_year, split_list, squash

_ENTRY_START = re.compile(r"@[ \t]*([A-Za-z]+)[ \t]*[{(]")
_SKIPPED_TYPES = frozenset({"comment", "string", "preamble"})
_FIELD_NAME = re.compile(r"\s*,?\s*([^\s=,{}\"#][^=,{}\"#\n]*?)\s*=\s*")
_KEY_END = re.compile(r",(?=\s*[^\s=,{}\"#][^=,{}\"#\n]*=)")
_ACCENTS = {
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "c": "\u0327",
    "v": "\u030c",
    "u": "\u0306",
    "H": "\u030b",
    "r": "\u030a",
    "k": "\u0328",
}
_ACCENT_COMMAND = re.compile(
    r"\\([\'`^\"~=.])\s*\{?\\?([A-Za-z])\}?|\\([cvuHrk])(?:\s*\{\\?([A-Za-z])\}|\s+([A-Za-z]))"
)
_BRACE = re.compile(r"(?<!\\)[{}]")
_BARE_VALUE = re.compile(r"[^,#}\s]+")
_LETTER_COMMAND = re.compile(r"\\(ss|aa|AA|ae|AE|oe|OE|o|O|l|L|i|j)(?![A-Za-z])\s?")
_LETTERS = {
    "ss": "ß",
    "aa": "å",
    "AA": "Å",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "o": "ø",
    "O": "Ø",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
}
_CORRESPONDING = re.compile(r"^(.*?)\s*\((?:Corresponding|Reprint) Author\)\s*,\s*(.*)$", re.IGNORECASE)


@dataclass
class BibEntry:
    number: int
    entry_type: str
    key: str
    fields: dict[str, str] = field(default_factory=dict)  # lower-cased names; repeated fields joined by "; "


class BibSyntaxError(ValueError):
    def __init__(self, field_name: str | None, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name


def read(text: str, result: ReadResult) -> None:
    """Read a BibTeX export (Scopus or Web of Science style, decided by the entries) into ``result``."""
    for entry in read_entries(text, result):
        is_wos = entry.key.upper().startswith("WOS:") or "unique-id" in entry.fields
        if result.source_format is None:
            result.source_format = WOS_BIBTEX if is_wos else SCOPUS_BIBTEX
        publication = _wos_publication(entry, result) if is_wos else _scopus_publication(entry, result)
        result.publications.append(publication)


def read_entries(text: str, result: ReadResult) -> list[BibEntry]:
    """The entries of a BibTeX text; a malformed entry is an error of ``result`` and is left out."""
    starts = [match for match in _ENTRY_START.finditer(text) if _starts_entry(text, match.start())]
    entries, number = [], 0
    for position, start in enumerate(starts):
        entry_type = start.group(1).lower()
        if entry_type in _SKIPPED_TYPES:
            continue
        number += 1
        end = starts[position + 1].start() if position + 1 < len(starts) else len(text)
        body = text[start.end() : end]
        key_end = _KEY_END.search(body)
        key = body[: key_end.start()].strip() if key_end else body.split(",", 1)[0].strip()
        try:
            entries.append(BibEntry(number, entry_type, key, _parse_fields(body)))
        except BibSyntaxError as error:
            result.error(number, error.field_name, f"entry {key or '(no key)'}: {error}: entry left out")
    return entries


def _starts_entry(text: str, position: int) -> bool:
    """An ``@type{`` starts an entry at the start of a line (after spaces) or right after a ``}``."""
    line_start = text.rfind("\n", 0, position) + 1
    before = text[line_start:position].rstrip(" \t")
    return before == "" or before.endswith("}")


def _parse_fields(body: str) -> dict[str, str]:
    key_end = _KEY_END.search(body)
    if key_end is None:
        if re.match(r"[^,]*,\s*[})]", body):
            return {}
        raise BibSyntaxError(None, "no field after the key")
    fields: dict[str, str] = {}
    position, last_name = key_end.end(), None
    while True:
        while position < len(body) and body[position] in " \t\n,":
            position += 1
        if position >= len(body):
            raise BibSyntaxError(last_name, "no closing brace (truncated entry)")
        if body[position] in "})":
            return fields
        match = _FIELD_NAME.match(body, position)
        if not match:
            raise BibSyntaxError(last_name, f"expected a field name at {body[position : position + 30]!r}")
        name = " ".join(match.group(1).split()).lower()
        last_name = name
        value, position = _parse_value(body, match.end(), name)
        fields[name] = f"{fields[name]}; {value}" if name in fields else value


def _parse_value(body: str, position: int, name: str) -> tuple[str, int]:
    pieces = []
    while True:
        if position >= len(body):
            raise BibSyntaxError(name, "value not closed (truncated entry)")
        char = body[position]
        if char == "{":
            end = _closing_brace(body, position, name)
            pieces.append(body[position + 1 : end])
            position = end + 1
        elif char == '"':
            end = position + 1
            while end < len(body) and (body[end] != '"' or body[end - 1] == "\\"):
                end += 1
            if end >= len(body):
                raise BibSyntaxError(name, "quoted value not closed (truncated entry)")
            pieces.append(body[position + 1 : end])
            position = end + 1
        else:
            match = _BARE_VALUE.match(body, position)
            if not match:
                raise BibSyntaxError(name, "empty value")
            pieces.append(match.group(0))
            position = match.end()
        while position < len(body) and body[position] in " \t\n":
            position += 1
        if position < len(body) and body[position] == "#":
            position += 1
            while position < len(body) and body[position] in " \t\n":
                position += 1
            continue
        return "".join(pieces), position


def _closing_brace(body: str, start: int, name: str) -> int:
    depth = 0
    for brace in _BRACE.finditer(body, start):
        depth += 1 if brace.group(0) == "{" else -1
        if depth == 0:
            return brace.start()
    raise BibSyntaxError(name, "braces not balanced (truncated entry)")


def latex_to_text(value: str, keep_lines: bool = False) -> str:
    """Decode the LaTeX of an exported value: escapes, accents, protective braces."""
    text = _ACCENT_COMMAND.sub(_accent, value)
    text = _LETTER_COMMAND.sub(lambda match: _LETTERS[match.group(1)], text)
    text = text.replace("{[}", "[").replace("{]}", "]")
    text = re.sub(r"\\([&%$#_{}])", r"\1", text)
    text = text.replace("{", "").replace("}", "").replace("~", " ")
    text = unicodedata.normalize("NFC", text)
    if keep_lines:
        return "\n".join(squash(line) for line in text.split("\n") if line.strip())
    return squash(text)


def _accent(match: re.Match) -> str:
    mark = match.group(1) or match.group(3)
    letter = match.group(2) or match.group(4) or match.group(5)
    return letter + _ACCENTS[mark]


def split_names(value: str) -> list[str]:
    """The names of a BibTeX author field (``A and B``)."""
    return [squash(name) for name in re.split(r"\s+and\s+", latex_to_text(value)) if squash(name)]


def _has_full_given_name(name: str) -> bool:
    _, _, given = name.partition(",")
    return any(len(word) > 1 and not word.endswith(".") for word in re.split(r"[\s\-]+", given))


def _scopus_publication(entry: BibEntry, result: ReadResult) -> Publication:
    fields = _decoded(
        entry,
        "url",
        "doi",
        "title",
        "year",
        "journal",
        "document_type",
        "type",
        "affiliations",
        "affiliation",
        "correspondence_address",
        "correspondence_address1",
    )
    authors = [
        Author(name=name, full_name=name if _has_full_given_name(name) else None)
        for name in split_names(entry.fields.get("author", ""))
    ]
    publication = Publication(
        source_format=SCOPUS_BIBTEX,
        file=result.file,
        record_number=entry.number,
        id=scopus_eid_of(fields.get("url")) or doi_of(fields.get("doi")),
        title=fields.get("title") or None,
        year=parse_year(fields.get("year")),
        source_title=fields.get("journal") or None,
        doi=doi_of(fields.get("doi")),
        document_type=fields.get("document_type") or fields.get("type"),
        authors=authors,
    )
    collector = AffiliationCollector(publication)
    for affiliation in split_list(fields.get("affiliations") or fields.get("affiliation")):
        collector.add(affiliation, [])
    address = fields.get("correspondence_address") or fields.get("correspondence_address1") or ""
    publication.correspondence = scopus_correspondence(address)
    _check(publication, result, "url")
    return publication


def _wos_publication(entry: BibEntry, result: ReadResult) -> Publication:
    fields = _decoded(entry, "unique-id", "doi", "title", "year", "journal", "booktitle", "type")
    names = split_names(entry.fields.get("author", ""))
    authors = [Author(name=wos_short_name(name), full_name=name) for name in names]
    publication = Publication(
        source_format=WOS_BIBTEX,
        file=result.file,
        record_number=entry.number,
        id=fields.get("unique-id")
        or (entry.key if entry.key.upper().startswith("WOS:") else None)
        or doi_of(fields.get("doi")),
        title=fields.get("title") or None,
        year=parse_year(fields.get("year")),
        source_title=fields.get("journal") or fields.get("booktitle") or None,
        doi=doi_of(fields.get("doi")),
        document_type=fields.get("type") or entry.entry_type,
        authors=authors,
    )
    collector = AffiliationCollector(publication)
    for line in _address_lines(latex_to_text(entry.fields.get("affiliation", ""), keep_lines=True)):
        corresponding = _CORRESPONDING.match(line)
        if corresponding:
            publication.correspondence.append(
                Correspondence(corresponding.group(1) or None, corresponding.group(2).rstrip("."))
            )
            continue
        line_authors, address = split_wos_bib_address(line, names)
        collector.add(address.rstrip("."), line_authors)
    index = AuthorIndex(publication.authors)
    for name, scheme in (("orcid-numbers", "orcid"), ("researcherid-numbers", "researcher_id")):
        pairs = split_list(latex_to_text(entry.fields.get(name, ""), keep_lines=True).replace("\n", ";"))
        unmatched = attach_identifiers(publication, pairs, scheme, index)
        if unmatched:
            result.warn(entry.number, name, f"names matching no author: {', '.join(unmatched[:5])}")
    link_authors(publication, index)
    _check(publication, result, "unique-id")
    return publication


def _decoded(entry: BibEntry, *names: str) -> dict[str, str]:
    return {name: latex_to_text(entry.fields[name]) for name in names if name in entry.fields}


def wos_short_name(name: str) -> str:
    """``El Amrani, Amina`` -> ``El Amrani, A``: the AU form of a WoS full name."""
    if "," not in name:
        return name
    surname, _, initials = surname_initials(name).rpartition(" ")
    return f"{surname}, {initials}"


def _address_lines(value: str) -> list[str]:
    lines: list[str] = []
    for line in value.split("\n"):
        if lines and not lines[-1].endswith("."):
            lines[-1] += " " + line
        else:
            lines.append(line)
    return [line for line in lines if line]


def split_wos_bib_address(line: str, names: list[str]) -> tuple[list[str], str]:
    """``Ahmed, Umair; Certa, Antonella, Univ Palermo, ...`` -> (the names, the address)."""
    found, rest = [], line
    by_length = sorted(names, key=len, reverse=True)
    while True:
        name = next(
            (
                name
                for name in by_length
                if rest.startswith(name) and rest[len(name) : len(name) + 1] in (";", ",")
            ),
            None,
        )
        if name is None:
            break
        found.append(name)
        separator, rest = rest[len(name)], rest[len(name) + 1 :].strip()
        if separator == ",":
            return found, rest
    return found, rest


def _check(publication: Publication, result: ReadResult, id_field: str) -> None:
    if not publication.id:
        result.warn(publication.record_number, id_field, "no identifier (EID / WoS UT) nor DOI")
    if not publication.title:
        result.warn(publication.record_number, "title", "no title")
