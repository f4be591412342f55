"""Collection descriptions as Dublin Core Collections Application Profile records (DCMI, 2007), in
RDF/XML: one ``rdf:Description`` per collection typed ``dcmitype:Collection`` (``dcmitype:Service`` for
a digitisation service, ``dcmitype:Software`` for a tool), with dcterms: and cld: properties. No Django:
the caller gives plain dicts.

A collection dict holds ``uri``, ``identifier``, ``kind`` and lists of ``(language, text)`` for
``titles`` and ``descriptions``; ``subjects`` ((code, label) pairs, written with their code as
``dcterms:DDC``), ``languages`` (ISO 639-2 codes, ``dcterms:ISO639-2``), ``periods`` (text),
``extent``, ``access_rights``, ``located_at`` (the holding library: name and URL), ``accessed_via`` (the
catalog URL of its works), ``labelled`` (year) and ``laboratories`` (names, ``dcterms:audience``)."""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DCTERMS = "http://purl.org/dc/terms/"
DCMITYPE = "http://purl.org/dc/dcmitype/"
CLD = "http://purl.org/cld/terms/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NSMAP = {"rdf": RDF, "dcterms": DCTERMS, "dcmitype": DCMITYPE, "cld": CLD}

TYPES = {"collection": "Collection", "service": "Service", "tool": "Software"}


def _text(parent, name: str, value: str, language: str = "") -> None:
    if value:
        element = etree.SubElement(parent, name)
        element.text = value
        if language:
            element.set(XML_LANG, language)


def _typed(parent, name: str, value: str, datatype: str) -> None:
    """A value from an encoding scheme: ``<dcterms:subject><dcterms:DDC><rdf:value>``."""
    holder = etree.SubElement(parent, name)
    scheme = etree.SubElement(holder, f"{{{DCTERMS}}}{datatype}")
    etree.SubElement(scheme, f"{{{RDF}}}value").text = value


def _resource(parent, name: str, uri: str) -> None:
    if uri:
        etree.SubElement(parent, name).set(f"{{{RDF}}}resource", uri)


def description(parent, collection: dict) -> None:
    """Write one collection under ``parent`` (an ``rdf:RDF`` element)."""
    node = etree.SubElement(parent, f"{{{RDF}}}Description")
    node.set(f"{{{RDF}}}about", collection["uri"])
    _resource(node, f"{{{DCTERMS}}}type", DCMITYPE + TYPES.get(collection.get("kind", ""), "Collection"))
    _text(node, f"{{{DCTERMS}}}identifier", collection["identifier"])
    for language, title in collection.get("titles", []):
        _text(node, f"{{{DCTERMS}}}title", title, language)
    for language, text in collection.get("descriptions", []):
        _text(node, f"{{{DCTERMS}}}abstract", text, language)
    for code, label in collection.get("subjects", []):
        _typed(node, f"{{{DCTERMS}}}subject", code, "DDC")
        _text(node, f"{{{DCTERMS}}}subject", label, "en")
    for code in collection.get("languages", []):
        _typed(node, f"{{{DCTERMS}}}language", code, "ISO639-2")
    _text(node, f"{{{CLD}}}dateItemsCreated", collection.get("periods", ""))
    _text(node, f"{{{DCTERMS}}}extent", collection.get("extent", ""))
    _text(node, f"{{{DCTERMS}}}accessRights", collection.get("access_rights", ""))
    location = collection.get("located_at")
    if location:
        place = etree.SubElement(node, f"{{{CLD}}}isLocatedAt")
        holder = etree.SubElement(place, f"{{{RDF}}}Description")
        holder.set(f"{{{RDF}}}about", location["uri"])
        _text(holder, f"{{{DCTERMS}}}title", location["name"])
        _text(node, f"{{{DCTERMS}}}rightsHolder", location["name"])
    _resource(node, f"{{{CLD}}}isAccessedVia", collection.get("accessed_via", ""))
    for name in collection.get("laboratories", []):
        _text(node, f"{{{DCTERMS}}}audience", name)
    if collection.get("labelled"):
        _text(node, f"{{{DCTERMS}}}dateAccepted", str(collection["labelled"]))


def records_xml(collections: Iterable[dict]) -> bytes:
    """An RDF/XML document of the collections (one or many), UTF-8, with its XML declaration."""
    root = etree.Element(f"{{{RDF}}}RDF", nsmap=NSMAP)
    for collection in collections:
        description(root, collection)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
