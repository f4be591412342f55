"""Exports of a work and of a result list.

MARCXML: a ``<collection>`` of the member MARC records, as the libraries sent them. ISO 2709 records
are converted with pymarc (read with the catalog's lenient reader, so the repairs shown in the
catalog are the ones exported); MARCXML records are copied as sent, moved into the MARC 21 slim
namespace when they came in another one (marcxchange, no namespace).

MARC 21 (ISO 2709, ``.mrc``): the stored bytes when the import read them without a repair, otherwise
the record as the catalog read it, written again by pymarc in UTF-8.

Result lists (:func:`ranked_work_ids`, :func:`list_export`): the first :data:`EXPORT_LIMIT` works of
a search, in the order of the results page, in any of :data:`LIST_FORMATS`, produced in chunks so a
response can stream.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pymarc
from lxml import etree

from khizana.catalog.formats.iso2709 import marc_record
from khizana.catalog.formats.marcxml import in_namespace
from khizana.catalog.models import SourceRecord, Work
from khizana.catalog.records import RecordFormat
from khizana.search.services import MAX_PAGE_SIZE, search

from . import citations, services

MARC_NS = "http://www.loc.gov/MARC21/slim"
MARC_SCHEMA = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MARC_FORMATS = {"marc21", "unimarc"}


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
    for record in marc_records(records):
        label = f" {record.library.code}:{record.local_id} ({record.format}) "
        try:
            element = record_element(bytes(record.raw), record.serialisation, RecordFormat(record.format))
        except Exception as error:  # one bad record must not spoil the export
            collection.append(etree.Comment(_comment(f"{label}not exported: {type(error).__name__}")))
            continue
        collection.append(etree.Comment(_comment(label)))
        collection.append(element)
    return etree.tostring(collection, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _comment(text: str) -> str:
    return text.replace("--", "- -").rstrip("-") + " "


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


# ------------------------------------------------------------------ MARC 21 (ISO 2709)

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


# ------------------------------------------------------------------ result lists

EXPORT_LIMIT = 1000  # works in one result-list export (documented in docs/exports.md)
CHUNK = 200  # works read from the database at a time


@dataclass(frozen=True)
class ExportFormat:
    content_type: str
    filename: str  # of a result-list export


LIST_FORMATS = {
    "ris": ExportFormat("application/x-research-info-systems; charset=utf-8", "khizana-results.ris"),
    "bib": ExportFormat("application/x-bibtex; charset=utf-8", "khizana-results.bib"),
    "csl.json": ExportFormat(
        "application/vnd.citationstyles.csl+json; charset=utf-8", "khizana-results.csl.json"
    ),
    "jsonld": ExportFormat("application/ld+json; charset=utf-8", "khizana-results.jsonld"),
    "marc.xml": ExportFormat("application/marcxml+xml", "khizana-results-marc.xml"),
    "mrc": ExportFormat("application/marc", "khizana-results.mrc"),
    "dc.xml": ExportFormat("application/xml", "khizana-results-dc.xml"),
}


def ranked_work_ids(
    query: str,
    filters: dict[str, list[str]] | None = None,
    sort: str = "relevance",
    start: int = 0,
    count: int = EXPORT_LIMIT,
    year_from: int | None = None,
    year_to: int | None = None,
) -> tuple[int, list[int]]:
    """(total hits, ids of the works at positions ``start`` to ``start + count - 1`` of the results),
    from :func:`khizana.search.services.search` called as the results page calls it."""
    ids: list[int] = []
    end = start + count
    page = start // MAX_PAGE_SIZE + 1
    while True:
        results = search(
            query, filters, sort, page=page, page_size=MAX_PAGE_SIZE, year_from=year_from, year_to=year_to
        )
        if results.page != page:  # beyond the deepest page the search serves
            return results.total, ids
        offset = (page - 1) * MAX_PAGE_SIZE
        ids += [hit.work_id for i, hit in enumerate(results.hits, offset) if start <= i < end]
        if not results.hits or offset + MAX_PAGE_SIZE >= min(end, results.total):
            return results.total, ids
        page += 1


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def work_dicts(ids: list[int], url_for: Callable[[int], str]) -> list[dict]:
    """The citable work dicts (with holdings) of ``ids``, in that order; works gone since are skipped."""
    works = Work.objects.in_bulk(ids)
    records: dict[int, list[SourceRecord]] = {}
    for record in (
        SourceRecord.objects.filter(work_id__in=ids)
        .select_related("library")
        .prefetch_related("holdings")
        .defer("raw")
        .order_by("library__code", "local_id")
    ):
        records.setdefault(record.work_id, []).append(record)
    return [
        services.work_dict(works[i], services.holding_rows(records.get(i, [])), url_for(i))
        for i in ids
        if i in works
    ]


def _marc_records(ids: list[int]) -> list[SourceRecord]:
    """The MARC records of the works ``ids``, work by work in that order."""
    order = {work_id: n for n, work_id in enumerate(ids)}
    records = list(
        SourceRecord.objects.filter(work_id__in=ids, format__in=MARC_FORMATS, deleted=False).select_related(
            "library"
        )
    )
    records.sort(key=lambda r: (order[r.work_id], r.library.code, r.local_id))
    return records


def _json_array(items: Iterator[dict], head: bytes = b"[", tail: bytes = b"]") -> Iterator[bytes]:
    separator = b"\n"
    yield head
    for item in items:
        yield separator + json.dumps(item, ensure_ascii=False, indent=1).encode()
        separator = b",\n"
    yield b"\n" + tail + b"\n"


def _xml_stream(root: etree._Element, elements: Iterator[etree._Element]) -> Iterator[bytes]:
    """The document ``root`` with ``elements`` as its children, written piece by piece."""
    empty = etree.tostring(root, encoding="unicode")
    opening, closing = empty[:-2] + ">", f"</{empty[1:].split()[0].rstrip('/>')}>"
    yield b'<?xml version="1.0" encoding="UTF-8"?>\n' + opening.encode() + b"\n"
    for element in elements:
        yield etree.tostring(element, encoding="UTF-8") + b"\n"
    yield closing.encode() + b"\n"


def _bibtex_entries(dicts: Iterator[dict]) -> Iterator[bytes]:
    used: set[str] = set()
    for data in dicts:
        key = base = citations.bibtex_key(data)
        suffix = 1
        while key in used:
            suffix += 1
            key = f"{base}-{suffix}"
        used.add(key)
        yield (citations.bibtex(data, key) + "\n").encode()


def _marc_elements(records: Iterator[SourceRecord]) -> Iterator[etree._Element]:
    for record in records:
        try:
            yield record_element(bytes(record.raw), record.serialisation, RecordFormat(record.format))
        except Exception:  # left out, as in the export of one work
            continue


def list_export(name: str, ids: list[int], url_for: Callable[[int], str]) -> Iterator[bytes]:
    """The works ``ids`` in the export format ``name`` (a key of :data:`LIST_FORMATS`), as chunks."""
    dicts = (data for chunk in _chunks(ids) for data in work_dicts(chunk, url_for))
    records = (record for chunk in _chunks(ids) for record in _marc_records(chunk))
    if name == "ris":
        return (citations.ris(data).encode() for data in dicts)
    if name == "bib":
        return _bibtex_entries(dicts)
    if name == "csl.json":
        return _json_array(citations.csl_item(data) for data in dicts)
    if name == "jsonld":
        graph = ({k: v for k, v in citations.json_ld(d, d["url"]).items() if k != "@context"} for d in dicts)
        return _json_array(graph, b'{"@context": "https://schema.org", "@graph": [', b"]}")
    if name == "mrc":
        return iso2709_chunks(records)
    if name == "marc.xml":
        root = etree.Element(f"{{{MARC_NS}}}collection", nsmap={None: MARC_NS})
        return _xml_stream(root, _marc_elements(records))
    if name == "dc.xml":
        root = etree.Element("records", nsmap={"oai_dc": citations.OAI_DC, "dc": citations.DC})
        return _xml_stream(root, (citations.dublin_core_element(data) for data in dicts))
    raise ValueError(f"unknown export format: {name}")
