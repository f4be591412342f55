"""Dublin Core of a work dict (no Django): the ``oai_dc:dc`` document of the exports and OAI-PMH, the
``srw_dc:dc`` element of SRU (the same ``dc:`` elements)."""

from __future__ import annotations

from lxml import etree

from .fields import WorkDict, full_title, identifiers_of, one_line, text_values, year_of

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
SRW_DC = "info:srw/schema/1/dc-schema"
DC_SCHEMAS = {OAI_DC: OAI_DC_SCHEMA, SRW_DC: "http://www.loc.gov/standards/sru/recordSchemas/dc-schema.xsd"}

_DC_TYPES = {
    "book": "Text",
    "serial": "Text",
    "article": "Text",
    "thesis": "Text",
    "manuscript": "Text",
    "score": "Text",
    "sound": "Sound",
    "video": "MovingImage",
    "map": "StillImage",
    "image": "StillImage",
    "electronic": "Software",
    "object": "PhysicalObject",
    "kit": "Collection",
}


def dublin_core_xml(work: WorkDict) -> bytes:
    """An ``oai_dc:dc`` document (UTF-8, with its XML declaration)."""
    root = dublin_core_element(work)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def dublin_core_element(work: WorkDict, tag: str = f"{{{OAI_DC}}}dc") -> etree._Element:
    """The Dublin Core description of the work as an element (``oai_dc:dc`` unless ``tag`` is given:
    SRU's ``srw_dc:dc`` holds the same ``dc:`` elements)."""
    namespace = etree.QName(tag).namespace
    prefix = "oai_dc" if namespace == OAI_DC else "srw_dc"
    root = etree.Element(
        tag,
        nsmap={prefix: namespace, "dc": DC, "xsi": XSI},
        attrib={f"{{{XSI}}}schemaLocation": f"{namespace} {DC_SCHEMAS.get(namespace, '')}".strip()},
    )

    def add(name: str, value: str) -> None:
        value = one_line(value)
        if value:
            etree.SubElement(root, f"{{{DC}}}{name}").text = _xml_safe(value)

    add("title", full_title(work))
    for alternative in text_values(work, "parallel_titles"):
        add("title", alternative)
    for author in text_values(work, "authors"):
        add("creator", author)
    for subject in text_values(work, "subjects"):
        add("subject", subject)
    for classification in text_values(work, "classification"):
        add("subject", classification)
    add("publisher", work.get("publisher"))
    add("date", year_of(work))
    add("type", _DC_TYPES.get(work.get("material_type") or "", ""))
    for value in identifiers_of(work, "isbn"):
        add("identifier", f"URN:ISBN:{value}")
    for value in identifiers_of(work, "issn"):
        add("identifier", f"urn:ISSN:{value}")
    add("identifier", work.get("url"))
    for language in text_values(work, "languages"):
        add("language", language)
    return root


def _xml_safe(text: str) -> str:
    """Drop the characters XML 1.0 cannot carry."""
    return "".join(
        c
        for c in text
        if c in "\t\n\r" or "\x20" <= c <= "\ud7ff" or "\ue000" <= c <= "\ufffd" or c >= "\U00010000"
    )
