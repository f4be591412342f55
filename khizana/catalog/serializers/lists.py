"""Lists of works in one export format (a search's results, SRU pages): the works of a list of ids, in
that order, in any of :data:`LIST_FORMATS`, produced in chunks so a response can stream."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from lxml import etree

from khizana.catalog.models import SourceRecord

from .bibtex import bibtex, bibtex_key
from .csl import csl_item
from .dublin_core import DC, OAI_DC, dublin_core_element
from .iso2709 import iso2709_chunks
from .jsonld import json_ld
from .marcxml import MARC_FORMATS, MARC_NS, marc_elements
from .ris import ris
from .work import work_dicts

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


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


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
        key = base = bibtex_key(data)
        suffix = 1
        while key in used:
            suffix += 1
            key = f"{base}-{suffix}"
        used.add(key)
        yield (bibtex(data, key) + "\n").encode()


def list_export(name: str, ids: list[int], url_for: Callable[[int], str]) -> Iterator[bytes]:
    """The works ``ids`` in the export format ``name`` (a key of :data:`LIST_FORMATS`), as chunks."""
    dicts = (data for chunk in _chunks(ids) for data in work_dicts(chunk, url_for))
    records = (record for chunk in _chunks(ids) for record in _marc_records(chunk))
    if name == "ris":
        return (ris(data).encode() for data in dicts)
    if name == "bib":
        return _bibtex_entries(dicts)
    if name == "csl.json":
        return _json_array(csl_item(data) for data in dicts)
    if name == "jsonld":
        graph = ({k: v for k, v in json_ld(d, d["url"]).items() if k != "@context"} for d in dicts)
        return _json_array(graph, b'{"@context": "https://schema.org", "@graph": [', b"]}")
    if name == "mrc":
        return iso2709_chunks(records)
    if name == "marc.xml":
        root = etree.Element(f"{{{MARC_NS}}}collection", nsmap={None: MARC_NS})
        return _xml_stream(root, marc_elements(records))
    if name == "dc.xml":
        root = etree.Element("records", nsmap={"oai_dc": OAI_DC, "dc": DC})
        return _xml_stream(root, (dublin_core_element(data) for data in dicts))
    raise ValueError(f"unknown export format: {name}")
