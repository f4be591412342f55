"""MARCXML of source records: a ``<collection>`` of the member MARC records, as the libraries sent them.

ISO 2709 records are converted with pymarc (read with the catalog's lenient reader, so the repairs shown
in the catalog are the ones exported); MARCXML records are copied as sent, moved into the MARC 21 slim
namespace when they came in another one (marcxchange, no namespace).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

import pymarc
from lxml import etree

from khizana.catalog.formats.iso2709 import marc_record
from khizana.catalog.formats.marcxml import in_namespace
from khizana.catalog.records import RecordFormat

if TYPE_CHECKING:  # the records are read, never queried: no Django needed here
    from khizana.catalog.models import SourceRecord

MARC_NS = "http://www.loc.gov/MARC21/slim"
MARC_SCHEMA = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MARC_FORMATS = {"marc21", "unimarc"}


# What a capability adds to the export of records, without the catalog importing it: ``fields_of(record
# ids)`` answers record id -> datafields (tag, indicators, [(code, value)]), e.g. the subject headings a
# library accepted from suggestions (khizana.ai), marked as such by their $2. The record as sent is unchanged.
ExportField = tuple[str, str, list[tuple[str, str]]]
_export_fields: dict[str, Callable[[list[int]], dict[int, list[ExportField]]]] = {}


def register_export_fields(name: str, fields_of: Callable[[list[int]], dict[int, list[ExportField]]]) -> None:
    _export_fields[name] = fields_of


def _add_export_fields(element: etree._Element, fields: list[ExportField]) -> None:
    for tag, indicators, subfields in fields:
        datafield = etree.SubElement(
            element, f"{{{MARC_NS}}}datafield", tag=tag, ind1=indicators[0], ind2=indicators[1]
        )
        for code, value in subfields:
            etree.SubElement(datafield, f"{{{MARC_NS}}}subfield", code=code).text = value


def marc_records(records: Iterable[SourceRecord]) -> list[SourceRecord]:
    """The records of ``records`` that are MARC (21 or UNIMARC) and not deleted."""
    return [r for r in records if r.format in MARC_FORMATS and not r.deleted]


def marcxml_collection(records: Iterable[SourceRecord]) -> bytes:
    """A MARCXML ``<collection>`` holding each MARC record of ``records``; a record that cannot be
    converted is left out with an XML comment saying which one."""
    collection = etree.Element(
        f"{{{MARC_NS}}}collection",
        nsmap={None: MARC_NS, "xsi": XSI},
        attrib={f"{{{XSI}}}schemaLocation": f"{MARC_NS} {MARC_SCHEMA}"},
    )
    records = marc_records(records)
    extra: dict[int, list[ExportField]] = {}
    for fields_of in _export_fields.values():
        for record_id, fields in fields_of([r.pk for r in records]).items():
            extra.setdefault(record_id, []).extend(fields)
    for record in records:
        label = f" {record.library.code}:{record.local_id} ({record.format}) "
        try:
            element = record_element(bytes(record.raw), record.serialisation, RecordFormat(record.format))
        except Exception as error:  # one bad record must not spoil the export
            collection.append(etree.Comment(_comment(f"{label}not exported: {type(error).__name__}")))
            continue
        _add_export_fields(element, extra.get(record.pk, []))
        collection.append(etree.Comment(_comment(label)))
        collection.append(element)
    return etree.tostring(collection, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _comment(text: str) -> str:
    return text.replace("--", "- -").rstrip("-") + " "


def marc_elements(records: Iterable[SourceRecord]) -> Iterator[etree._Element]:
    """The MARCXML ``<record>`` element of each of ``records``; one that cannot be converted is left out."""
    for record in records:
        try:
            yield record_element(bytes(record.raw), record.serialisation, RecordFormat(record.format))
        except Exception:  # left out, as in the export of one work
            continue


def record_element(raw: bytes, serialisation: str, format_hint: RecordFormat | None = None) -> etree._Element:
    """One MARCXML ``<record>`` element from the raw bytes of a source record."""
    if serialisation == "xml":
        return _xml_record(raw)
    if serialisation == "iso2709":
        return _iso2709_record(raw, format_hint)
    raise ValueError(f"not a MARC serialisation: {serialisation}")


def _xml_record(raw: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=True)
    root = etree.fromstring(raw, parser)
    records = [root] if etree.QName(root).localname == "record" else _find_records(root)
    if not records:
        raise ValueError("no MARC record element")
    record = records[0]
    if etree.QName(record).namespace != MARC_NS:
        record = in_namespace(record, MARC_NS)
    return record


def _find_records(root: etree._Element) -> list[etree._Element]:
    return [
        e for e in root.iter() if isinstance(e.tag, str) and etree.QName(e).localname == "record" and len(e)
    ]


def _iso2709_record(raw: bytes, format_hint: RecordFormat | None) -> etree._Element:
    """The record as the catalog read it (same repairs and character set), as MARCXML."""
    try:
        record = marc_record(raw, format_hint)
    except ValueError:
        record = pymarc.Record(data=raw, to_unicode=True, force_utf8=True, utf8_handling="replace")
    leader = str(record.leader)
    record.leader = pymarc.Leader(leader[:9] + "a" + leader[10:])  # the XML is UTF-8
    return etree.fromstring(pymarc.record_to_xml(record, namespace=True))
