"""CSV (spreadsheet) exports -> records (no Django import).

The first non-empty line is the header. Column names are matched case- and accent-insensitively,
spaces, hyphens and apostrophes counting as "_" ("Code-barres", "code barres" and "CODE_BARRES"
are the same column). :data:`COLUMNS` lists the recognised names; docs/import-formats.md is the
librarians' version of it. Rows sharing an ``id`` are the copies (holdings) of one record.

Encodings: UTF-8 with or without BOM, UTF-16 with BOM; anything else is read as Windows-1252 and
says so in a warning. Delimiter: ``;``, ``,`` or tab, whichever makes the header recognisable.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from khizana.catalog.formats import UnreadableFileError
from khizana.catalog.formats.dublin_core import (
    checksum_id,
    first_year,
    fold,
    material_type_of,
    normalise_language,
    split_title,
    truncate_note,
)
from khizana.catalog.identifiers import add_identifier
from khizana.catalog.records import (
    BibFields,
    HoldingData,
    HoldingStatus,
    MaterialType,
    ParsedRecord,
    RecordFormat,
    RecordKind,
    RejectedRecord,
    Serialisation,
)
from khizana.catalog.scripts import scripts_in

__all__ = ["COLUMNS", "expected_columns_text", "read_csv", "sniff_csv"]

# field -> accepted header names, already folded (lower case, no accents, "_" for spaces).
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "identifiant", "identifier", "local_id", "numero", "numero_notice", "n_notice", "record_id"),
    "title": ("title", "titre"),
    "subtitle": ("subtitle", "sous_titre", "complement_du_titre"),
    "authors": ("authors", "author", "auteurs", "auteur", "createur"),
    "isbn": ("isbn",),
    "issn": ("issn",),
    "publisher": ("publisher", "editeur", "editeurs"),
    "place": ("place", "lieu", "lieu_d_edition", "lieu_de_publication"),
    "year": ("year", "annee", "date", "annee_de_publication", "date_de_publication"),
    "languages": ("language", "languages", "langue", "langues"),
    "type": ("type", "material_type", "type_de_document", "support"),
    "subjects": ("subjects", "subject", "sujets", "sujet", "mots_cles", "keywords"),
    "classification": ("classification",),
    "dewey": ("dewey", "indice_dewey", "ddc"),
    "edition": ("edition", "mention_d_edition"),
    "notes": ("notes", "note", "resume"),
    "call_number": ("call_number", "cote"),
    "barcode": ("barcode", "code_barres", "code_barre", "codebarre"),
    "location": ("location", "localisation", "site", "bibliotheque"),
    "status": ("status", "statut", "disponibilite"),
}
_ALIASES = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
_DELIMITERS = (";", ",", "\t")
_LIST_SPLIT = re.compile(r"\s*[;|]\s*")
_LANGUAGE_SPLIT = re.compile(r"\s*[;|,/]\s*")
_DDC = re.compile(r"^\d{3}(?:\.\d+)?$")
_SCHEME = re.compile(r"^[a-z]{2,6}:\S")
_STATUSES = {
    HoldingStatus.AVAILABLE: "available disponible en_rayon rayon libre",
    HoldingStatus.ON_LOAN: "on_loan loan loaned checked_out emprunte en_pret prete sorti",
    HoldingStatus.LOST: "lost perdu manquant missing",
    HoldingStatus.NOT_FOR_LOAN: "not_for_loan exclu_du_pret exclu consultation_sur_place sur_place reference "
    "non_empruntable",
    HoldingStatus.UNKNOWN: "unknown inconnu",
}
_STATUS_OF = {word: status for status, words in _STATUSES.items() for word in words.split()}
_EXTRA_TYPES = {
    "bd": MaterialType.BOOK,
    "bande_dessinee": MaterialType.BOOK,
    "roman": MaterialType.BOOK,
    "album": MaterialType.BOOK,
    "vinyle": MaterialType.SOUND,
    "cederom": MaterialType.ELECTRONIC,
    "document_sonore": MaterialType.SOUND,
}
_FIELD_SIZE_LIMIT = 10 * 1024 * 1024


def _key(name: str) -> str:
    """A header name or value folded for comparison: 'Code-barres' -> 'code_barres'."""
    folded = fold(name).strip().strip('"').strip()
    folded = re.sub(r"[^\w\s\-'’]", "", folded)
    return re.sub(r"[\s\-'’_]+", "_", folded).strip("_")


def expected_columns_text() -> str:
    """'id (identifiant, local_id ...), title (titre), ...' for error messages."""
    parts = []
    for name, aliases in COLUMNS.items():
        others = [a for a in aliases if a != name]
        parts.append(f"{name} ({', '.join(others)})" if others else name)
    return "; ".join(parts)


# --------------------------------------------------------------------------- decoding


@dataclass
class _Decoded:
    text: str
    codec: str  # used to measure each line in bytes
    bom: int  # bytes of BOM before the text
    warning: str = ""


def _decode(data: bytes) -> _Decoded:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return _Decoded(data[3:].decode("utf-8"), "utf-8", 3)
        except UnicodeDecodeError as error:
            return _Decoded(
                data[3:].decode("utf-8", "replace"),
                "utf-8",
                3,
                f"invalid UTF-8 at byte {error.start + 3}: undecodable bytes replaced by U+FFFD",
            )
    if data.startswith(b"\xff\xfe"):
        return _Decoded(data[2:].decode("utf-16-le", "replace"), "utf-16-le", 2)
    if data.startswith(b"\xfe\xff"):
        return _Decoded(data[2:].decode("utf-16-be", "replace"), "utf-16-be", 2)
    try:
        return _Decoded(data.decode("utf-8"), "utf-8", 0)
    except UnicodeDecodeError as error:
        return _Decoded(
            data.decode("cp1252", "replace"),
            "cp1252",
            0,
            f"the file is not UTF-8 (invalid byte at {error.start}): read as Windows-1252 (cp1252); "
            "check accented letters",
        )


def _byte_length(line: str, codec: str) -> int:
    if codec == "cp1252":
        return len(line)  # one byte per character, undecodable bytes included (U+FFFD)
    return len(line.encode(codec, "surrogatepass"))


# --------------------------------------------------------------------------- header


@dataclass
class _Header:
    delimiter: str
    names: list[str]  # as written
    fields: list[str | None]  # field of each column, None when not recognised

    @property
    def unknown(self) -> list[str]:
        return [n for n, f in zip(self.names, self.fields, strict=True) if f is None and n.strip()]


def _header(line: str) -> _Header | None:
    best: _Header | None = None
    best_score = (0, 0)
    for delimiter in _DELIMITERS:
        try:
            names = next(csv.reader([line], delimiter=delimiter), [])
        except csv.Error:
            continue
        fields = [_ALIASES.get(_key(n)) for n in names]
        recognised = {f for f in fields if f}
        score = (len(recognised), len(names))
        if score > best_score:
            best, best_score = _Header(delimiter, names, fields), score
    if best is None:
        return None
    recognised = {f for f in best.fields if f}
    if len(recognised) < 2 or not recognised & {"id", "title"}:
        return None
    return best


def _lines(text: str) -> list[str]:
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def sniff_csv(data: bytes) -> bool:
    """True when the first non-empty line of ``data`` is a recognisable CSV header."""
    decoded = _decode(data[:65536])
    for line in _lines(decoded.text):
        if line.strip():
            return _header(line.rstrip("\r\n")) is not None
    return False


# --------------------------------------------------------------------------- rows


@dataclass
class _Row:
    number: int
    offset: int
    raw: bytes
    values: dict[str, list[str]]
    warnings: list[str] = field(default_factory=list)

    def first(self, name: str) -> str:
        return next((v for v in self.values.get(name, []) if v), "")

    def all(self, name: str, splitter: re.Pattern[str] = _LIST_SPLIT) -> list[str]:
        items: list[str] = []
        for value in self.values.get(name, []):
            for part in splitter.split(value):
                part = part.strip()
                if part and part not in items:
                    items.append(part)
        return items


def _rows(data: bytes, decoded: _Decoded) -> tuple[_Header, Iterator[_Row]]:
    lines = _lines(decoded.text)
    starts = [decoded.bom]
    for line in lines:
        starts.append(starts[-1] + _byte_length(line, decoded.codec))
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise UnreadableFileError("the CSV file is empty")
    header = _header(lines[first].rstrip("\r\n"))
    if header is None:
        raise UnreadableFileError(
            "the first line is not a CSV header with recognisable columns (an id or title column and at "
            f"least one other). Expected columns: {expected_columns_text()}"
        )

    def rows() -> Iterator[_Row]:
        position = first + 1

        def feed() -> Iterator[str]:
            nonlocal position
            while position < len(lines):
                position += 1
                yield lines[position - 1]

        reader = csv.reader(feed(), delimiter=header.delimiter)
        number = 0
        start = position
        for cells in reader:
            end = position
            if not any(c.strip() for c in cells):
                start = end
                continue
            number += 1
            row = _Row(number, starts[start], data[starts[start] : starts[end]], {})
            if len(cells) > len(header.fields):
                extra = [c for c in cells[len(header.fields) :] if c.strip()]
                if extra:
                    row.warnings.append(
                        f"row {number} has {len(cells)} cells but the header has {len(header.fields)}: "
                        "the extra cells were ignored"
                    )
            for name, cell in zip(header.fields, cells, strict=False):
                if name:
                    row.values.setdefault(name, []).append(" ".join(cell.split()))
            start = end
            yield row

    return header, rows()


# --------------------------------------------------------------------------- mapping


def _status(value: str, warnings: list[str], number: int) -> HoldingStatus:
    if not value:
        return HoldingStatus.UNKNOWN
    key = _key(value)
    if key in _STATUS_OF:
        return _STATUS_OF[key]
    warnings.append(f"row {number}: unknown status {value!r} (recorded as unknown)")
    return HoldingStatus.UNKNOWN


def _holding(row: _Row, warnings: list[str]) -> HoldingData | None:
    call_number, barcode = row.first("call_number"), row.first("barcode")
    location, status = row.first("location"), row.first("status")
    if not (call_number or barcode or location or status):
        return None
    return HoldingData(
        call_number=call_number,
        barcode=barcode,
        location=location,
        status=_status(status, warnings, row.number),
        source_tag="csv",
    )


def _material_type(row: _Row, fields: BibFields, warnings: list[str]) -> MaterialType:
    value = row.first("type")
    if value:
        found = material_type_of([value])
        if found == MaterialType.OTHER:
            found = _EXTRA_TYPES.get(_key(value), MaterialType.OTHER)
        if found == MaterialType.OTHER and _key(value) not in ("other", "autre", "divers"):
            warnings.append(f"row {row.number}: unknown document type {value!r} (recorded as other)")
        return found
    if fields.identifiers.get("issn") and not fields.identifiers.get("isbn"):
        return MaterialType.SERIAL
    if fields.identifiers.get("isbn"):
        return MaterialType.BOOK
    return MaterialType.OTHER


def _fields(row: _Row, warnings: list[str]) -> BibFields:
    fields = BibFields()
    fields.title = row.first("title")
    fields.subtitle = row.first("subtitle")
    if fields.title and not fields.subtitle:
        fields.title, fields.subtitle = split_title(fields.title)
    fields.authors = row.all("authors")
    for value in row.all("isbn", re.compile(r"\s*[;|,]\s*")):
        add_identifier(fields.identifiers, "isbn", value)
    for value in row.all("issn", re.compile(r"\s*[;|,]\s*")):
        add_identifier(fields.identifiers, "issn", value)
    for scheme in ("isbn_invalid", "issn_invalid"):
        if fields.identifiers.get(scheme):
            warnings.append(
                f"row {row.number}: invalid {scheme[:4].upper()} {', '.join(fields.identifiers[scheme])}"
            )
    fields.publisher = row.first("publisher")
    fields.place = row.first("place")
    fields.edition = row.first("edition")
    year_text = row.first("year")
    fields.year = first_year([year_text])
    if year_text and fields.year is None:
        warnings.append(f"row {row.number}: no year in {year_text!r}")
    for value in row.all("languages", _LANGUAGE_SPLIT):
        code = normalise_language(value)
        if code:
            if code not in fields.languages:
                fields.languages.append(code)
        else:
            warnings.append(f"row {row.number}: unknown language {value!r} (ignored)")
    fields.material_type = _material_type(row, fields, warnings)
    fields.subjects = row.all("subjects")
    for value in row.all("classification"):
        fields.classification.append(
            value if _SCHEME.match(value) or not _DDC.match(value) else f"ddc:{value}"
        )
    for value in row.all("dewey"):
        fields.classification.append(value if value.startswith("ddc:") else f"ddc:{value}")
    fields.notes = [truncate_note(v) for v in row.values.get("notes", []) if v]
    fields.scripts = scripts_in(
        [fields.title, fields.subtitle, *fields.parallel_titles, *fields.authors, fields.publisher]
    )
    return fields


def read_csv(data: bytes) -> Iterator[ParsedRecord | RejectedRecord]:
    """Records of a CSV export, in the order of their first row.

    Raises :class:`UnreadableFileError` at once when the file has no recognisable header. Rows are
    numbered from 1 after the header (blank lines skipped); a record's number, offset and warnings
    start with its first row, its raw bytes are all its rows.
    """
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_SIZE_LIMIT))
    decoded = _decode(data)
    header, rows = _rows(data, decoded)
    file_warnings = [decoded.warning] if decoded.warning else []
    if header.unknown:
        file_warnings.append("columns ignored (not recognised): " + ", ".join(header.unknown))
    return _records(rows, file_warnings)


def _records(rows: Iterator[_Row], file_warnings: list[str]) -> Iterator[ParsedRecord | RejectedRecord]:
    groups: dict[str, list[_Row]] = {}
    order: list[_Row | list[_Row]] = []
    try:
        for row in rows:
            local_id = row.first("id")
            if local_id:
                if local_id not in groups:
                    groups[local_id] = []
                    order.append(groups[local_id])
                groups[local_id].append(row)
            else:
                order.append(row)
    except csv.Error as error:
        raise UnreadableFileError(f"CSV syntax error: {error}") from None

    pending_file_warnings = list(file_warnings)
    for item in order:
        group = item if isinstance(item, list) else [item]
        head = group[0]
        local_id = head.first("id")
        if not local_id and not head.first("title"):
            reason = f"row {head.number} has neither an id nor a title"
            if head.warnings:
                reason += " (" + "; ".join(head.warnings) + ")"
            yield RejectedRecord(number=head.number, offset=head.offset, reason=reason, raw=head.raw)
            continue
        warnings, pending_file_warnings = pending_file_warnings, []
        for row in group:
            warnings.extend(row.warnings)
        fields = _fields(head, warnings)
        holdings = []
        for row in group:
            holding = _holding(row, warnings)
            if holding is not None:
                holdings.append(holding)
            title = row.first("title")
            if row is not head and title and title != head.first("title"):
                warnings.append(
                    f"rows {head.number} and {row.number} share id {local_id!r} but have different titles: "
                    f"the first row's description was kept"
                )
        if not local_id:
            local_id = checksum_id(head.raw)
            warnings.append(f"row {head.number} has no id: local id is the row's checksum ({local_id})")
        if not fields.title:
            warnings.append(f"row {head.number}: record has no title")
        yield ParsedRecord(
            local_id=local_id,
            format=RecordFormat.CSV,
            serialisation=Serialisation.CSV,
            kind=RecordKind.BIBLIOGRAPHIC,
            raw=b"".join(row.raw for row in group),
            number=head.number,
            offset=head.offset,
            fields=fields,
            holdings=holdings,
            warnings=warnings,
        )
