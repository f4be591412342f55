"""Offline validation of OAI-PMH responses: the envelope against OAI-PMH.xsd, then every payload (the
envelope schema skips them): oai_dc against oai_dc.xsd, MARCXML against MARC21slim.xsd, MARCXchange
against marcxchange-test.xsd. Imports by URL are resolved to the copies in data/ (see data/README.md)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

DATA = Path(__file__).parent / "data"
OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
MARC = "http://www.loc.gov/MARC21/slim"
MARCXCHANGE = "info:lc/xmlns/marcxchange-v2"
PAYLOAD_SCHEMAS = {
    f"{{{OAI_DC}}}dc": "oai_dc.xsd",
    f"{{{MARC}}}record": "MARC21slim.xsd",
    f"{{{MARCXCHANGE}}}record": "marcxchange-test.xsd",
}
_LOCAL = {
    "http://dublincore.org/schemas/xmls/simpledc20021212.xsd": DATA / "simpledc20021212.xsd",
    "http://www.w3.org/2001/03/xml.xsd": DATA / "xml.xsd",
    "http://www.w3.org/2001/xml.xsd": DATA / "xml.xsd",
}


class _LocalCopies(etree.Resolver):
    def resolve(self, url, public_id, context):
        if url in _LOCAL:
            return self.resolve_filename(str(_LOCAL[url]), context)
        return None  # local files; network URLs stay refused (no_network)


@cache
def schema(name: str) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalCopies())
    return etree.XMLSchema(etree.parse(str(DATA / name), parser))


def validate(document: bytes) -> etree._Element:
    """The parsed response; AssertionError naming the first schema error of the envelope or a payload."""
    root = etree.fromstring(document)
    _assert_valid(schema("OAI-PMH.xsd"), root, "OAI-PMH envelope")
    for metadata in root.iter(f"{{{OAI}}}metadata"):
        payload = metadata[0]
        name = PAYLOAD_SCHEMAS[payload.tag]
        _assert_valid(schema(name), etree.fromstring(etree.tostring(payload)), name)
    return root


def _assert_valid(xml_schema: etree.XMLSchema, element: etree._Element, what: str) -> None:
    if not xml_schema.validate(element):
        raise AssertionError(f"{what} not valid: {xml_schema.error_log.filter_from_errors()[:3]}")
