"""The serial holdings carried by MARC records, library by library (pure: pymarc, no Django).

- MARC 21 holdings records (leader/06 ``x``, ``y``, ``v``, ``u``): one statement per record, from its
  853-855/863-865 pairs and its 866-868 textual fields; the institution is 852 $a when given; 004 links
  to the bibliographic record;
- UNIMARC serial records from the Sudoc: one statement per copy (``$5`` RCR:EPN) from its 955 and 959
  fields; 930 gives the library's shared-print programmes (``$z``) and its role (``$p``).

Statements that cannot be read keep their text and their errors (:class:`LibraryHoldings.errors`).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pymarc

from .statements import Extent, Missing, StatementError, parse_955, parse_959, parse_paired, parse_textual

HOLDINGS_TYPES = "uvxy"
PAIRS = (("853", "863"),)  # basic bibliographic units; 854/864 supplements and 855/865 indexes kept as text
TEXTUAL = ("866",)
SHORT_LEADER = re.compile(rb"<leader>([^<]{0,23})</leader>")


@dataclass
class LibraryHoldings:
    """The holdings of one library (one copy) for one serial, as read from a record."""

    institution: str  # 852 $a, Sudoc RCR, or "" (the sending library)
    copy_id: str = ""
    text: str = ""
    extents: list[Extent] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    programmes: dict[str, str] = field(default_factory=dict)  # programme code -> role as sent (930 $p)


@dataclass
class SerialHoldings:
    """One record read: the serial it describes and the holdings it carries."""

    local_id: str
    linked_id: str  # MARC 21 004: the bibliographic record's id
    title: str
    issn: str
    numbering: str  # MARC 21 362 / UNIMARC 207: the serial's own span
    holdings: list[LibraryHoldings]
    record: pymarc.Record


def read_file(path: Path) -> list[pymarc.Record]:
    """The records of an ISO 2709 or MARCXML file (namespaced or not, as the Sudoc serves it)."""
    data = Path(path).read_bytes()
    return read_bytes(data)


def read_bytes(data: bytes) -> list[pymarc.Record]:
    if data.lstrip()[:1] == b"<":
        # The Sudoc serves leaders with their spaces collapsed (" cas0 22 450 "): pad them to 24 characters.
        data = SHORT_LEADER.sub(lambda match: b"<leader>" + match.group(1).ljust(24) + b"</leader>", data)
        return [record for record in pymarc.parse_xml_to_array(io.BytesIO(data), strict=False) if record]
    reader = pymarc.MARCReader(data, to_unicode=True, force_utf8=True, utf8_handling="replace")
    return [record for record in reader if record is not None]


def _first(record: pymarc.Record, tag: str, code: str) -> str:
    for fld in record.get_fields(tag):
        for value in fld.get_subfields(code):
            if value.strip():
                return value.strip()
    return ""


def _control(record: pymarc.Record, tag: str) -> str:
    fields = record.get_fields(tag)
    return (fields[0].data or "").strip() if fields and fields[0].is_control_field() else ""


def _subfields(fld: pymarc.Field) -> list[tuple[str, str]]:
    return [(subfield.code, subfield.value or "") for subfield in fld.subfields]


def is_unimarc(record: pymarc.Record) -> bool:
    return bool(record.get_fields("955", "930", "200")) and not record.get_fields("245", "852", "866", "863")


def serial_holdings(record: pymarc.Record) -> SerialHoldings:
    """The serial a record describes and the holdings it carries, library by library."""
    control = _control(record, "001")
    if is_unimarc(record):
        return SerialHoldings(
            local_id=control,
            linked_id="",
            title=_first(record, "200", "a"),
            issn=_first(record, "011", "a"),
            numbering=_first(record, "207", "a"),
            holdings=_sudoc_holdings(record),
            record=record,
        )
    linked = _control(record, "004")
    holdings = []
    if str(record.leader)[6:7] in HOLDINGS_TYPES or record.get_fields("866", "863"):
        holdings = [found for found in [_marc21_holdings(record)] if found.text or found.errors]
    return SerialHoldings(
        local_id=control,
        linked_id=linked,
        title=_first(record, "245", "a"),
        issn=_first(record, "022", "a"),
        numbering=_first(record, "362", "a"),
        holdings=holdings,
        record=record,
    )


def _marc21_holdings(record: pymarc.Record) -> LibraryHoldings:
    holdings = LibraryHoldings(institution=_first(record, "852", "a"), copy_id=_control(record, "001"))
    texts = []
    for caption_tag, value_tag in PAIRS:
        captions = {}
        for fld in record.get_fields(caption_tag):
            link = next((value for code, value in _subfields(fld) if code == "8"), "")
            captions[link] = _subfields(fld)
        values = [_subfields(fld) for fld in record.get_fields(value_tag)]
        for subfields in values:
            try:
                holdings.extents.extend(parse_paired(captions, [subfields], value_tag).extents)
            except StatementError as error:
                holdings.errors.append(str(error))
    for fld in record.get_fields(*TEXTUAL):
        for text in fld.get_subfields("a"):
            texts.append(text.strip())
            try:
                statement = parse_textual(text)
            except StatementError as error:
                holdings.errors.append(str(error))
                continue
            holdings.extents.extend(statement.extents)
            holdings.notes.extend(statement.notes)
        holdings.notes.extend(value.strip() for value in fld.get_subfields("z") if value.strip())
    holdings.text = " ; ".join(text for text in texts if text) or "; ".join(
        e.label() for e in holdings.extents
    )
    holdings.extents = list(dict.fromkeys(holdings.extents))  # a run repeated per copy counts once
    return holdings


def _sudoc_holdings(record: pymarc.Record) -> list[LibraryHoldings]:
    by_copy: dict[str, LibraryHoldings] = {}

    def copy_of(fld: pymarc.Field) -> LibraryHoldings:
        copy_id = _first_of(fld, "5")
        institution = copy_id.split(":")[0]
        return by_copy.setdefault(copy_id, LibraryHoldings(institution=institution, copy_id=copy_id))

    for fld in record.get_fields("930"):
        holdings = copy_of(fld)
        role = _first_of(fld, "p")
        for code in fld.get_subfields("z"):
            if code.strip():
                holdings.programmes[code.strip()] = role
    for fld in record.get_fields("955"):
        holdings = copy_of(fld)
        display = _first_of(fld, "r")
        if display:
            holdings.text = display  # the last 955 of a copy shows the whole statement
        try:
            statement = parse_955(_subfields(fld))
        except StatementError as error:
            holdings.errors.append(str(error))
            continue
        holdings.extents.extend(statement.extents)
        holdings.notes.extend(statement.notes)
    for fld in record.get_fields("959"):
        holdings = copy_of(fld)
        try:
            holdings.missing.extend(parse_959(_subfields(fld)))
        except StatementError as error:
            holdings.errors.append(str(error))
    for holdings in by_copy.values():
        if not holdings.text:
            holdings.text = " ; ".join(extent.label() for extent in holdings.extents)
    return [holdings for holdings in by_copy.values() if holdings.text or holdings.errors]


def _first_of(fld: pymarc.Field, code: str) -> str:
    values = [value.strip() for value in fld.get_subfields(code) if value and value.strip()]
    return values[0] if values else ""
