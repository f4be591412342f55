"""The XML of OAI-PMH 2.0 responses, built with lxml (no Django import).

Every function returns an element (or the bytes of a whole response) from plain values: the
service decides what goes in, this module only decides how it is written. Text from records goes
through :func:`xml_text`, which drops the characters XML 1.0 cannot carry (control characters left
by damaged records), so one bad record never breaks a response.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from khizana.catalog.formats.marcxml import in_namespace

from .protocol import SECONDS_GRANULARITY, OaiError, format_datestamp

OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC = "http://purl.org/dc/elements/1.1/"
OAI_IDENTIFIER = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_IDENTIFIER_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
MARC_SLIM = "http://www.loc.gov/MARC21/slim"
MARC_SLIM_SCHEMA = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
MARCXCHANGE = "info:lc/xmlns/marcxchange-v2"
MARCXCHANGE_SCHEMA = "http://www.loc.gov/standards/iso25577/marcxchange-2-0.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# Material types of the catalog -> DCMI Type vocabulary.
DCMI_TYPES = {
    "book": "Text", "serial": "Text", "article": "Text", "thesis": "Text", "manuscript": "Text",
    "score": "Text", "sound": "Sound", "video": "MovingImage", "map": "StillImage", "image": "StillImage",
    "electronic": "Software", "kit": "Collection", "object": "PhysicalObject",
}  # fmt: skip


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    schema: str
    namespace: str


@dataclass(frozen=True)
class RepositoryInfo:
    name: str
    base_url: str
    admin_emails: tuple[str, ...]
    earliest_datestamp: datetime
    repository_identifier: str
    sample_identifier: str


@dataclass
class ItemHeader:
    identifier: str
    datestamp: datetime
    set_specs: list[str] = field(default_factory=list)
    deleted: bool = False


def xml_text(value: object) -> str:
    """``value`` as text XML 1.0 can hold."""
    return _NOT_XML.sub("", str(value))


def _sub(parent: etree._Element, tag: str, text: object = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = xml_text(text)
    return element


# --------------------------------------------------------------------------- the envelope


def response_document(
    response_date: datetime, base_url: str, arguments: dict[str, str] | None, body: Iterable[etree._Element]
) -> bytes:
    """A whole response: ``arguments`` are echoed in <request> (None after badVerb/badArgument)."""
    root = etree.Element(
        f"{{{OAI}}}OAI-PMH",
        nsmap={None: OAI, "xsi": XSI},
        attrib={f"{{{XSI}}}schemaLocation": f"{OAI} {OAI_SCHEMA}"},
    )
    _sub(root, f"{{{OAI}}}responseDate", format_datestamp(response_date))
    request = _sub(root, f"{{{OAI}}}request", base_url)
    for name, value in (arguments or {}).items():
        request.set(name, xml_text(value))
    root.extend(body)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def error_elements(errors: Iterable[OaiError]) -> list[etree._Element]:
    elements = []
    for error in errors:
        element = etree.Element(f"{{{OAI}}}error", code=error.code)
        element.text = xml_text(error.message)
        elements.append(element)
    return elements


# --------------------------------------------------------------------------- verbs


def identify_element(info: RepositoryInfo) -> etree._Element:
    identify = etree.Element(f"{{{OAI}}}Identify")
    _sub(identify, f"{{{OAI}}}repositoryName", info.name)
    _sub(identify, f"{{{OAI}}}baseURL", info.base_url)
    _sub(identify, f"{{{OAI}}}protocolVersion", "2.0")
    for email in info.admin_emails:
        _sub(identify, f"{{{OAI}}}adminEmail", email)
    _sub(identify, f"{{{OAI}}}earliestDatestamp", format_datestamp(info.earliest_datestamp))
    _sub(identify, f"{{{OAI}}}deletedRecord", "persistent")
    _sub(identify, f"{{{OAI}}}granularity", SECONDS_GRANULARITY)
    description = _sub(identify, f"{{{OAI}}}description")
    oai_identifier = etree.SubElement(
        description,
        f"{{{OAI_IDENTIFIER}}}oai-identifier",
        {f"{{{XSI}}}schemaLocation": f"{OAI_IDENTIFIER} {OAI_IDENTIFIER_SCHEMA}"},
        nsmap={None: OAI_IDENTIFIER},
    )
    _sub(oai_identifier, f"{{{OAI_IDENTIFIER}}}scheme", "oai")
    _sub(oai_identifier, f"{{{OAI_IDENTIFIER}}}repositoryIdentifier", info.repository_identifier)
    _sub(oai_identifier, f"{{{OAI_IDENTIFIER}}}delimiter", ":")
    _sub(oai_identifier, f"{{{OAI_IDENTIFIER}}}sampleIdentifier", info.sample_identifier)
    return identify


def metadata_formats_element(formats: Iterable[MetadataFormat]) -> etree._Element:
    listing = etree.Element(f"{{{OAI}}}ListMetadataFormats")
    for metadata_format in formats:
        element = _sub(listing, f"{{{OAI}}}metadataFormat")
        _sub(element, f"{{{OAI}}}metadataPrefix", metadata_format.prefix)
        _sub(element, f"{{{OAI}}}schema", metadata_format.schema)
        _sub(element, f"{{{OAI}}}metadataNamespace", metadata_format.namespace)
    return listing


def sets_element(sets: Iterable[tuple[str, str]]) -> etree._Element:
    """<ListSets> from (setSpec, setName) pairs."""
    listing = etree.Element(f"{{{OAI}}}ListSets")
    for spec, name in sets:
        element = _sub(listing, f"{{{OAI}}}set")
        _sub(element, f"{{{OAI}}}setSpec", spec)
        _sub(element, f"{{{OAI}}}setName", name)
    return listing


def header_element(header: ItemHeader) -> etree._Element:
    element = etree.Element(f"{{{OAI}}}header")
    if header.deleted:
        element.set("status", "deleted")
    _sub(element, f"{{{OAI}}}identifier", header.identifier)
    _sub(element, f"{{{OAI}}}datestamp", format_datestamp(header.datestamp))
    for spec in header.set_specs:
        _sub(element, f"{{{OAI}}}setSpec", spec)
    return element


def record_element(header: ItemHeader, metadata: etree._Element | None) -> etree._Element:
    """<record>: the header, and the metadata unless the item is deleted."""
    record = etree.Element(f"{{{OAI}}}record")
    record.append(header_element(header))
    if metadata is not None and not header.deleted:
        _sub(record, f"{{{OAI}}}metadata").append(metadata)
    return record


def resumption_token_element(token: str, cursor: int, complete_list_size: int) -> etree._Element:
    """<resumptionToken>; an empty ``token`` closes an incomplete list."""
    element = etree.Element(
        f"{{{OAI}}}resumptionToken", completeListSize=str(complete_list_size), cursor=str(cursor)
    )
    element.text = token or None
    return element


# --------------------------------------------------------------------------- metadata


def oai_dc_element(fields: dict) -> etree._Element:
    """Simple Dublin Core (oai_dc) from a record's extracted fields (the catalog's BibFields as a dict)."""
    dc = etree.Element(
        f"{{{OAI_DC}}}dc",
        nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI},
        attrib={f"{{{XSI}}}schemaLocation": f"{OAI_DC} {OAI_DC_SCHEMA}"},
    )
    for name, value in dublin_core_values(fields):
        _sub(dc, f"{{{DC}}}{name}", value)
    return dc


def dublin_core_values(fields: dict) -> list[tuple[str, str]]:
    """(DC element, value) pairs, in the order oai_dc lists them."""
    values: list[tuple[str, str]] = []
    title = " : ".join(part for part in (fields.get("title"), fields.get("subtitle")) if part)
    values += [("title", text) for text in [title, *(fields.get("parallel_titles") or [])] if text]
    authors = fields.get("authors") or []
    values += [("creator", author) for author in authors[:1]]
    values += [("subject", subject) for subject in fields.get("subjects") or []]
    values += [("subject", code) for code in fields.get("classification") or []]
    edition = fields.get("edition")
    values += [("description", text) for text in [edition, *(fields.get("notes") or [])] if text]
    if fields.get("publisher"):
        place = fields.get("place")
        values.append(("publisher", f"{place} : {fields['publisher']}" if place else fields["publisher"]))
    values += [("contributor", author) for author in authors[1:]]
    if fields.get("year"):
        values.append(("date", str(fields["year"])))
    material_type = fields.get("material_type") or "other"
    values += [("type", kind) for kind in (DCMI_TYPES.get(material_type), material_type) if kind]
    values += [("identifier", value) for value in _identifier_values(fields.get("identifiers") or {})]
    values += [("language", language) for language in fields.get("languages") or []]
    return [(name, value) for name, value in values if xml_text(value).strip()]


def _identifier_values(identifiers: dict[str, list[str]]) -> list[str]:
    out = []
    for scheme, codes in identifiers.items():
        for code in codes:
            out.append(f"urn:{scheme}:{code}" if scheme in {"isbn", "issn"} else f"{scheme}:{code}")
    return out


def marcxml_payload(record: etree._Element) -> etree._Element:
    """A MARCXML (MARC21slim) ``<record>`` with its schema location, ready to be a MARC 21 payload."""
    record.set(f"{{{XSI}}}schemaLocation", f"{MARC_SLIM} {MARC_SLIM_SCHEMA}")
    return record


def marcxchange_payload(record: etree._Element, marc_format: str = "UNIMARC") -> etree._Element:
    """A MARCXML ``<record>`` moved into the MARCXchange (ISO 25577) namespace, which carries any MARC
    format (MARC21slim's leader pattern refuses UNIMARC leaders, which end in "450 ")."""
    copy = in_namespace(record, MARCXCHANGE)
    copy.set("format", marc_format)
    copy.set("type", "Bibliographic")
    copy.set(f"{{{XSI}}}schemaLocation", f"{MARCXCHANGE} {MARCXCHANGE_SCHEMA}")
    return copy


