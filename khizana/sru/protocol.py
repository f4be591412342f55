"""SRU requests read from their URL parameters (no Django): operation, version, record schema,
positions, each checked, with the diagnostic that names what is wrong.

Versions: 2.0 (the default, and what a request without ``version`` gets) and 1.2 (also asked as 1.1),
answered in the namespaces of the version asked. Without ``operation``, a request with a ``query``
is a searchRetrieve (SRU 2.0) and one without is an explain.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .diagnostics import Diagnostic, SRUError

DEFAULT_RECORDS = 10
MAX_RECORDS = 100
VERSIONS = {"1.1": "1.2", "1.2": "1.2", "2.0": "2.0"}  # asked -> answered

SCHEMAS = {  # canonical name -> (identifier sent in responses, names a client may ask with)
    "marcxml": (
        "info:srw/schema/1/marcxml-v1.1",
        {
            "marcxml",
            "marc21",
            "marc21xml",
            "marc",
            "info:srw/schema/1/marcxml-v1.1",
            "info:srw/schema/1/marcxml-v1.1-light",
            "http://www.loc.gov/marc21/slim",
        },
    ),
    "dc": (
        "info:srw/schema/1/dc-v1.1",
        {
            "dc",
            "dublincore",
            "oai_dc",
            "info:srw/schema/1/dc-v1.1",
            "info:srw/schema/1/dc-schema",
            "http://purl.org/dc/elements/1.1/",
        },
    ),
}
DEFAULT_SCHEMA = "marcxml"

KNOWN_PARAMETERS = {
    "operation",
    "version",
    "query",
    "queryType",
    "startRecord",
    "maximumRecords",
    "recordSchema",
    "recordPacking",
    "recordXMLEscaping",
    "resultSetTTL",
    "sortKeys",
    "stylesheet",
    "httpAccept",
    "responseType",
    "renderedBy",
    "extraRequestData",
}


@dataclass
class Request:
    operation: str  # searchRetrieve or explain
    version: str = "2.0"  # answered version: 2.0 or 1.2
    query: str = ""
    start: int = 1
    maximum: int = DEFAULT_RECORDS
    schema: str = DEFAULT_SCHEMA  # a key of SCHEMAS
    escaping: str = "xml"  # xml or string (records as escaped text)
    warnings: list[Diagnostic] = field(default_factory=list)  # non-fatal diagnostics
    echo: dict[str, str] = field(default_factory=dict)  # the parameters echoed in a searchRetrieve

    @property
    def schema_identifier(self) -> str:
        return SCHEMAS[self.schema][0]


def answered_version(params: Mapping[str, str]) -> str:
    """The version a response (even one reporting an error) is written in."""
    return VERSIONS.get((params.get("version") or "").strip(), "2.0")


def _positive(params: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    value = (params.get(name) or "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < minimum:
        raise SRUError(6, name, f'{name} must be a whole number of at least {minimum}, not "{value[:50]}".')
    return int(value)


def _schema(params: Mapping[str, str]) -> str:
    asked = (params.get("recordSchema") or "").strip()
    if not asked:
        return DEFAULT_SCHEMA
    for name, (_, aliases) in SCHEMAS.items():
        if asked.lower() in aliases:
            return name
    raise SRUError(66, asked[:200], f'Records are available as "marcxml" or "dc", not "{asked[:200]}".')


def _escaping(params: Mapping[str, str], version: str) -> str:
    escaping = (params.get("recordXMLEscaping") or "").strip().lower()
    packing = (params.get("recordPacking") or "").strip().lower()
    if escaping and escaping not in ("xml", "string"):
        raise SRUError(6, "recordXMLEscaping", 'recordXMLEscaping is "xml" or "string".')
    if packing in ("xml", "string"):  # the SRU 1.2 meaning, also accepted from 2.0 clients
        return escaping or packing
    if packing and (version == "1.2" or packing not in ("packed", "unpacked")):
        raise SRUError(71, packing[:50], 'recordPacking is "xml" or "string" (or "packed" in SRU 2.0).')
    if packing == "unpacked":
        raise SRUError(71, packing, "Records are sent packed (whole records).")
    return escaping or "xml"


def _operation(params: Mapping[str, str], version: str) -> str:
    operation = (params.get("operation") or "").strip()
    if not operation:
        return "searchRetrieve" if "query" in params and version == "2.0" else "explain"
    if operation not in ("searchRetrieve", "explain"):
        shown = operation[:50]
        raise SRUError(4, shown, f'Operations are searchRetrieve and explain, not "{shown}".')
    return operation


def read_request(params: Mapping[str, str]) -> Request:
    """The request, checked; :class:`SRUError` with the fatal diagnostic otherwise."""
    asked = (params.get("version") or "").strip()
    if asked and asked not in VERSIONS:
        raise SRUError(5, "2.0", f'Versions 2.0 and 1.2 are supported, not "{asked[:20]}".')
    version = answered_version(params)
    request = Request(operation=_operation(params, version), version=version)
    unknown = [n for n in params if n not in KNOWN_PARAMETERS and not n.startswith(("x-", "facet"))]
    request.warnings += [Diagnostic(8, n[:50], f'The parameter "{n[:50]}" is ignored.') for n in unknown]
    if params.get("stylesheet"):
        request.warnings.append(Diagnostic(110, "", "Stylesheets are not supported: none is referenced."))
    request.escaping = _escaping(params, version)
    if request.operation == "explain":
        return request
    query_type = (params.get("queryType") or "cql").strip()
    if query_type.lower() != "cql":
        raise SRUError(6, "queryType", f'Only CQL queries are supported, not "{query_type[:50]}".')
    request.query = params.get("query") or ""
    if not request.query.strip():
        raise SRUError(7, "query", "A searchRetrieve needs a query, for example query=dc.title=maroc.")
    request.start = _positive(params, "startRecord", 1, 1)
    request.maximum = min(_positive(params, "maximumRecords", DEFAULT_RECORDS, 0), MAX_RECORDS)
    request.schema = _schema(params)
    if params.get("sortKeys"):
        request.warnings.append(Diagnostic(80, "", "Sorting is not supported: results come by relevance."))
    request.echo = {
        "query": request.query,
        "startRecord": str(request.start),
        "maximumRecords": str(request.maximum),
        "recordSchema": (params.get("recordSchema") or "").strip() or DEFAULT_SCHEMA,
    }
    return request
