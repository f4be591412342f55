"""SRU responses as XML (no Django): searchRetrieve, explain and diagnostics, in the namespaces of
SRU 2.0 (OASIS searchRetrieve 1.0) or of SRU 1.2 (``http://www.loc.gov/zing/srw/``)."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from .diagnostics import Diagnostic

SRU2 = "http://docs.oasis-open.org/ns/search-ws/sruResponse"
DIAG2 = "http://docs.oasis-open.org/ns/search-ws/diagnostic"
SRU1 = "http://www.loc.gov/zing/srw/"
DIAG1 = "http://www.loc.gov/zing/srw/diagnostic/"
ZEEREX = "http://explain.z3950.org/dtd/2.0/"
DIAGNOSTIC_SCHEMA = "info:srw/schema/1/diagnostics-v1.1"
CONTENT_TYPES = {"2.0": "application/sru+xml; charset=utf-8", "1.2": "text/xml; charset=utf-8"}


@dataclass
class RecordOut:
    """One record of a response: ``element`` in ``schema``, or a surrogate ``diagnostic``."""

    position: int
    schema: str
    element: etree._Element | None = None
    diagnostic: Diagnostic | None = None


@dataclass
class IndexInfo:
    title: str
    names: list[tuple[str, str]]  # (context set, index name)


@dataclass
class ServerInfo:
    host: str
    port: int
    database: str
    title: str
    description: str
    indexes: list[IndexInfo]
    context_sets: dict[str, str]  # short name -> identifier
    schemas: list[tuple[str, str, str]]  # (name, identifier, title)
    relations: list[str]
    default_records: int
    max_records: int


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot carry."""
    return "".join(
        c
        for c in value
        if c in "\t\n\r" or "\x20" <= c <= "\ud7ff" or "\ue000" <= c <= "\ufffd" or c >= "\U00010000"
    )


class _Writer:
    def __init__(self, version: str):
        self.version = version
        self.ns = SRU2 if version == "2.0" else SRU1
        self.diag_ns = DIAG2 if version == "2.0" else DIAG1
        self.prefix = "zs" if version == "2.0" else "srw"

    def root(self, name: str) -> etree._Element:
        element = etree.Element(f"{{{self.ns}}}{name}", nsmap={self.prefix: self.ns})
        if self.version != "2.0":
            self.add(element, "version", self.version)
        return element

    def add(self, parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
        element = etree.SubElement(parent, f"{{{self.ns}}}{name}")
        if text is not None:
            element.text = xml_text(text)
        return element

    def diagnostic(self, diagnostic: Diagnostic) -> etree._Element:
        element = etree.Element(f"{{{self.diag_ns}}}diagnostic", nsmap={"diag": self.diag_ns})
        etree.SubElement(element, f"{{{self.diag_ns}}}uri").text = diagnostic.uri
        if diagnostic.details:
            etree.SubElement(element, f"{{{self.diag_ns}}}details").text = xml_text(diagnostic.details)
        if diagnostic.text:
            etree.SubElement(element, f"{{{self.diag_ns}}}message").text = xml_text(diagnostic.text)
        return element

    def diagnostics(self, parent: etree._Element, diagnostics: list[Diagnostic]) -> None:
        if diagnostics:
            holder = self.add(parent, "diagnostics")
            for diagnostic in diagnostics:
                holder.append(self.diagnostic(diagnostic))

    def record(self, parent: etree._Element, record: RecordOut, escaping: str) -> None:
        element = self.add(parent, "record")
        if record.diagnostic is not None:
            schema, data = DIAGNOSTIC_SCHEMA, self.diagnostic(record.diagnostic)
        else:
            schema, data = record.schema, record.element
        self.add(element, "recordSchema", schema)
        self.add(element, "recordXMLEscaping" if self.version == "2.0" else "recordPacking", escaping)
        holder = self.add(element, "recordData")
        if escaping == "string":
            holder.text = etree.tostring(data, encoding="unicode")
        else:
            holder.append(data)
        self.add(element, "recordPosition", str(record.position))


def _document(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def search_retrieve_response(
    version: str,
    total: int | None,
    records: list[RecordOut],
    next_position: int | None,
    echo: dict[str, str],
    diagnostics: list[Diagnostic],
    escaping: str = "xml",
) -> bytes:
    """A searchRetrieveResponse; ``total`` None leaves numberOfRecords out (a request never run)."""
    writer = _Writer(version)
    root = writer.root("searchRetrieveResponse")
    writer.add(root, "numberOfRecords", str(total or 0))
    if records:
        holder = writer.add(root, "records")
        for record in records:
            writer.record(holder, record, escaping)
    if next_position:
        writer.add(root, "nextRecordPosition", str(next_position))
    if echo:
        echoed = writer.add(root, "echoedSearchRetrieveRequest")
        if version != "2.0":
            writer.add(echoed, "version", version)
        for name in ("query", "startRecord", "maximumRecords"):
            if echo.get(name):
                writer.add(echoed, name, echo[name])
        writer.add(echoed, "recordXMLEscaping" if version == "2.0" else "recordPacking", escaping)
        if echo.get("recordSchema"):
            writer.add(echoed, "recordSchema", echo["recordSchema"])
    writer.diagnostics(root, diagnostics)
    return _document(root)


def _zeerex(info: ServerInfo, version: str) -> etree._Element:
    def add(
        parent: etree._Element, tag: str, text: str | None = None, /, **attributes: str
    ) -> etree._Element:
        element = etree.SubElement(parent, f"{{{ZEEREX}}}{tag}", attributes)
        if text is not None:
            element.text = xml_text(text)
        return element

    explain = etree.Element(f"{{{ZEEREX}}}explain", nsmap={"zr": ZEEREX})
    server = add(explain, "serverInfo", protocol="SRU", version=version, transport="http", method="GET")
    add(server, "host", info.host)
    add(server, "port", str(info.port))
    add(server, "database", info.database)
    database = add(explain, "databaseInfo")
    add(database, "title", info.title, lang="en", primary="true")
    add(database, "description", info.description, lang="en", primary="true")
    indexes = add(explain, "indexInfo")
    for name, identifier in info.context_sets.items():
        add(indexes, "set", name=name, identifier=identifier)
    for index in info.indexes:
        element = add(indexes, "index", search="true", scan="false", sort="false")
        add(element, "title", index.title, lang="en")
        for context_set, name in index.names:
            add(add(element, "map"), "name", name, **({"set": context_set} if context_set else {}))
    schemas = add(explain, "schemaInfo")
    for name, identifier, title in info.schemas:
        schema = add(schemas, "schema", identifier=identifier, name=name, retrieve="true", sort="false")
        add(schema, "title", title, lang="en")
    config = add(explain, "configInfo")
    add(config, "default", str(info.default_records), type="numberOfRecords")
    add(config, "setting", str(info.max_records), type="maximumRecords")
    add(config, "default", info.schemas[0][0], type="retrieveSchema")
    add(config, "default", "cql.serverChoice", type="index")
    add(config, "default", "=", type="relation")
    for relation in info.relations:
        add(config, "supports", relation, type="relation")
    for operator in ("and", "or", "not"):
        add(config, "supports", operator, type="booleanOperator")
    return explain


def explain_response(
    version: str, info: ServerInfo, diagnostics: list[Diagnostic], escaping: str = "xml"
) -> bytes:
    writer = _Writer(version)
    root = writer.root("explainResponse")
    writer.record(root, RecordOut(1, ZEEREX, _zeerex(info, version)), escaping)
    writer.diagnostics(root, diagnostics)
    return _document(root)
