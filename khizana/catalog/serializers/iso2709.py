"""MARC 21 as ISO 2709 (``.mrc``): the stored bytes when the import read them without a repair, otherwise
the record as the catalog read it, written again by pymarc in UTF-8."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import pymarc
from lxml import etree

from khizana.catalog.records import RecordFormat

from .marcxml import record_element

if TYPE_CHECKING:  # the records are read, never queried: no Django needed here
    from khizana.catalog.models import SourceRecord

MAX_ISO2709_LENGTH = 99_999


def marc21_records(records: Iterable[SourceRecord]) -> list[SourceRecord]:
    """The records of ``records`` that are MARC 21 and not deleted."""
    return [r for r in records if r.format == RecordFormat.MARC21 and not r.deleted]


def _clean_iso2709(raw: bytes, warnings: list) -> bool:
    """The stored bytes are a well-formed ISO 2709 record that the import read without a repair."""
    return (
        not warnings
        and raw.endswith(b"\x1d")
        and raw[:5].isdigit()
        and int(raw[:5]) == len(raw)
        and raw[12:17].isdigit()
    )


def iso2709_record(record: SourceRecord) -> bytes:
    """One MARC 21 record as ISO 2709 bytes; ValueError when it cannot be written (too long)."""
    raw = bytes(record.raw)
    if record.serialisation == "iso2709" and _clean_iso2709(raw, record.warnings or []):
        return raw
    element = record_element(raw, record.serialisation, RecordFormat.MARC21)
    parsed = pymarc.parse_xml_to_array(io.BytesIO(etree.tostring(element)))
    if not parsed or parsed[0] is None:
        raise ValueError("not a MARC record")
    marc = parsed[0]
    marc.leader = pymarc.Leader(str(marc.leader)[:9] + "a" + str(marc.leader)[10:])
    data = marc.as_marc()
    if len(data) > MAX_ISO2709_LENGTH:
        raise ValueError(f"record too long for ISO 2709 ({len(data)} bytes)")
    return data


def iso2709_chunks(records: Iterable[SourceRecord]) -> Iterator[bytes]:
    """The MARC 21 records of ``records`` as ISO 2709; a record that cannot be written is left out."""
    for record in marc21_records(records):
        try:
            yield iso2709_record(record)
        except Exception:  # one bad record must not spoil the export (it stays in the MARCXML one)
            continue
