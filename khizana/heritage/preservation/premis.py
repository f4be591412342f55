"""PREMIS 3 XML of a preserved object: the intellectual entity (the OCFL object), its files with their
sha512 digests, its events and the agents who did them. No Django here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

PREMIS_NS = "http://www.loc.gov/premis/v3"
PREMIS_SCHEMA = "http://www.loc.gov/standards/premis/v3/premis.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
EVENT_TYPES = "http://id.loc.gov/vocabulary/preservation/eventType"
EVENT_OUTCOMES = "http://id.loc.gov/vocabulary/preservation/eventOutcome"
DIGEST_ALGORITHMS = "http://id.loc.gov/vocabulary/preservation/cryptographicHashFunctions"
EVENT_TYPE_LABELS = {
    "ing": "ingestion",
    "fix": "fixity check",
    "rep": "replication",
    "mig": "migration",
    "rec": "recovery",
}
SOFTWARE = "Khizana digital preservation (ocfl-py)"


@dataclass(frozen=True)
class PremisFile:
    path: str
    sha512: str
    size: int


@dataclass(frozen=True)
class PremisEvent:
    identifier: str
    type_code: str
    occurred_at: datetime
    outcome: str
    detail: str = ""
    outcome_note: str = ""
    agent: str = ""


def _sub(parent: etree._Element, name: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{PREMIS_NS}}}{name}", attributes)
    if text is not None:
        element.text = text
    return element


def _identifier(parent: etree._Element, kind: str, id_type: str, value: str) -> None:
    holder = _sub(parent, f"{kind}Identifier")
    _sub(holder, f"{kind}IdentifierType", id_type)
    _sub(holder, f"{kind}IdentifierValue", value)


def premis_xml(object_id: str, files: list[PremisFile], events: list[PremisEvent]) -> bytes:
    """The PREMIS document of one OCFL object (``files``: its head version's logical files)."""
    root = etree.Element(
        f"{{{PREMIS_NS}}}premis",
        nsmap={"premis": PREMIS_NS, "xsi": XSI},
        attrib={"version": "3.0", f"{{{XSI}}}schemaLocation": f"{PREMIS_NS} {PREMIS_SCHEMA}"},
    )
    entity = _sub(root, "object", **{f"{{{XSI}}}type": "premis:intellectualEntity"})
    _identifier(entity, "object", "OCFL", object_id)
    for file in files:
        element = _sub(root, "object", **{f"{{{XSI}}}type": "premis:file"})
        _identifier(element, "object", "OCFL logical path", f"{object_id}/{file.path}")
        characteristics = _sub(element, "objectCharacteristics")
        fixity = _sub(characteristics, "fixity")
        _sub(
            fixity,
            "messageDigestAlgorithm",
            "SHA-512",
            authority="cryptographicHashFunctions",
            authorityURI=DIGEST_ALGORITHMS,
            valueURI=f"{DIGEST_ALGORITHMS}/sha512",
        )
        _sub(fixity, "messageDigest", file.sha512)
        _sub(characteristics, "size", str(file.size))
        _sub(characteristics, "format").append(_format_designation(file.path))
        _sub(element, "originalName", file.path)
        relationship = _sub(element, "relationship")
        _sub(relationship, "relationshipType", "structural")
        _sub(relationship, "relationshipSubType", "is included in")
        _identifier(relationship, "relatedObject", "OCFL", object_id)
    agents = {SOFTWARE: "software"}
    for event in events:
        element = _sub(root, "event")
        _identifier(element, "event", "UUID", event.identifier)
        _sub(
            element,
            "eventType",
            EVENT_TYPE_LABELS[event.type_code],
            authority="eventType",
            authorityURI=EVENT_TYPES,
            valueURI=f"{EVENT_TYPES}/{event.type_code}",
        )
        _sub(element, "eventDateTime", event.occurred_at.isoformat())
        if event.detail:
            _sub(_sub(element, "eventDetailInformation"), "eventDetail", event.detail)
        outcome = _sub(element, "eventOutcomeInformation")
        _sub(outcome, "eventOutcome", event.outcome, authority="eventOutcome", authorityURI=EVENT_OUTCOMES)
        if event.outcome_note:
            _sub(_sub(outcome, "eventOutcomeDetail"), "eventOutcomeDetailNote", event.outcome_note)
        _linking_agent(element, SOFTWARE, "executing program")
        if event.agent:
            agents[event.agent] = "person"
            _linking_agent(element, event.agent, "authorizer")
        linked = _sub(element, "linkingObjectIdentifier")
        _sub(linked, "linkingObjectIdentifierType", "OCFL")
        _sub(linked, "linkingObjectIdentifierValue", object_id)
    for name, kind in agents.items():
        agent = _sub(root, "agent")
        _identifier(agent, "agent", "local", name)
        _sub(agent, "agentName", name)
        _sub(agent, "agentType", kind)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _linking_agent(event: etree._Element, name: str, role: str) -> None:
    linked = _sub(event, "linkingAgentIdentifier")
    _sub(linked, "linkingAgentIdentifierType", "local")
    _sub(linked, "linkingAgentIdentifierValue", name)
    _sub(linked, "linkingAgentRole", role)


def _format_designation(path: str) -> etree._Element:
    designation = etree.Element(f"{{{PREMIS_NS}}}formatDesignation")
    extension = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    _sub(designation, "formatName", _FORMAT_NAMES.get(extension, extension or "unknown"))
    return designation


_FORMAT_NAMES = {
    "pdf": "PDF",
    "epub": "EPUB",
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "png": "PNG",
    "tif": "TIFF",
    "tiff": "TIFF",
    "jp2": "JPEG 2000",
    "txt": "Plain text (UTF-8)",
    "xml": "XML",
    "json": "JSON",
    "html": "HTML",
    "mrc": "MARC 21 / UNIMARC (ISO 2709)",
}
