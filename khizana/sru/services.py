"""The SRU service: a request's parameters in, an SRU response out. Searches go through
:func:`khizana.search.services.search` (by way of :func:`khizana.search.exports.ranked_work_ids`); one
SRU record is one work: its first MARC 21 record (``marcxml``) or its Dublin Core description
(``dc``). Nothing raised here reaches the reader as a 500: an unexpected error is diagnostic 1.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from khizana.catalog.models import SourceRecord
from khizana.catalog.records import RecordFormat
from khizana.catalog.serializers.dublin_core import SRW_DC, dublin_core_element
from khizana.catalog.serializers.marcxml import record_element
from khizana.catalog.serializers.work import work_dicts
from khizana.search.exports import ranked_work_ids
from khizana.search.services import MAX_OFFSET

from . import cql, protocol, responses
from .diagnostics import Diagnostic, SRUError

logger = logging.getLogger(__name__)

INDEXES = [
    responses.IndexInfo("Title", [("", "title"), ("dc", "title"), ("bath", "title")]),
    responses.IndexInfo("Author", [("", "author"), ("dc", "creator"), ("bath", "author")]),
    responses.IndexInfo("Subject", [("", "subject"), ("dc", "subject"), ("bath", "subject")]),
    responses.IndexInfo("ISBN", [("", "isbn"), ("bath", "isbn")]),
    responses.IndexInfo("Year of publication", [("", "year"), ("dc", "date")]),
    responses.IndexInfo("Any field", [("", "any"), ("cql", "serverChoice"), ("cql", "anywhere")]),
    responses.IndexInfo("Every record", [("cql", "allRecords")]),
]
CONTEXT_SETS = {
    "cql": "info:srw/cql-context-set/1/cql-v1.2",
    "dc": "info:srw/cql-context-set/1/dc-v1.1",
    "bath": "http://zing.z3950.org/cql/bath/2.0/",
}
SCHEMA_TITLES = {"marcxml": "MARCXML (MARC 21 slim)", "dc": "Dublin Core"}


def server_info(host: str, port: int, database: str) -> responses.ServerInfo:
    return responses.ServerInfo(
        host=host,
        port=port,
        database=database,
        title="Khizana union catalog",
        description="The works held by the libraries of the Khizana network, one record per work.",
        indexes=INDEXES,
        context_sets=CONTEXT_SETS,
        schemas=[(name, uri, SCHEMA_TITLES[name]) for name, (uri, _) in protocol.SCHEMAS.items()],
        relations=sorted(cql.TEXT_RELATIONS | cql.YEAR_RELATIONS),
        default_records=protocol.DEFAULT_RECORDS,
        max_records=protocol.MAX_RECORDS,
    )


def respond(
    params: Mapping[str, str], info: responses.ServerInfo, work_url: Callable[[int], str]
) -> tuple[bytes, str]:
    """(body, content type) of the response to an SRU request."""
    version = protocol.answered_version(params)
    content_type = responses.CONTENT_TYPES[version]
    try:
        return _respond(params, info, work_url), content_type
    except Exception:  # never a 500: the SRU way to say it
        logger.exception("SRU request failed: %s", dict(params))
        error = Diagnostic(1, "", "The request could not be answered; it has been logged.")
        return responses.search_retrieve_response(version, None, [], None, {}, [error]), content_type


def _respond(params: Mapping[str, str], info: responses.ServerInfo, work_url: Callable[[int], str]) -> bytes:
    version = protocol.answered_version(params)
    try:
        request = protocol.read_request(params)
    except SRUError as error:
        return responses.search_retrieve_response(version, None, [], None, {}, [error.diagnostic])
    if request.operation == "explain":
        return responses.explain_response(version, info, request.warnings, request.escaping)
    return search_retrieve(request, work_url)


def search_retrieve(request: protocol.Request, work_url: Callable[[int], str]) -> bytes:
    def answer(total, records, next_position, diagnostics) -> bytes:
        return responses.search_retrieve_response(
            request.version, total, records, next_position, request.echo, diagnostics, request.escaping
        )

    try:
        query = cql.to_search_query(request.query)
    except SRUError as error:
        return answer(None, [], None, [*request.warnings, error.diagnostic])
    total, ids = ranked_work_ids(query, start=request.start - 1, count=request.maximum)
    if request.maximum and total and (request.start > total or not ids):
        deepest = min(total, MAX_OFFSET)
        error = Diagnostic(61, str(request.start), f"startRecord must be between 1 and {deepest}.")
        return answer(total, [], None, [*request.warnings, error])
    following = request.start + len(ids)
    next_position = following if ids and following <= min(total, MAX_OFFSET) else None
    return answer(total, work_records(ids, request, work_url), next_position, request.warnings)


def work_records(
    ids: list[int], request: protocol.Request, work_url: Callable[[int], str]
) -> list[responses.RecordOut]:
    """The SRU records of the works ``ids`` (positions from ``request.start``)."""
    if request.schema == "dc":
        elements = {
            data["id"]: dublin_core_element(data, f"{{{SRW_DC}}}dc") for data in work_dicts(ids, work_url)
        }
        missing = Diagnostic(65, "", "This work has just been removed from the catalog.")
    else:
        elements = _marcxml_elements(ids)
        missing = Diagnostic(67, "", "This work has no MARC 21 record: ask for recordSchema=dc.")
    return [
        responses.RecordOut(
            request.start + n,
            request.schema_identifier,
            elements.get(work_id),
            None if work_id in elements else missing,
        )
        for n, work_id in enumerate(ids)
    ]


def _marcxml_elements(ids: list[int]) -> dict:
    """Work id -> the MARCXML element of its first MARC 21 record (by library code and local id)."""
    records = SourceRecord.objects.filter(
        work_id__in=ids, format=RecordFormat.MARC21, deleted=False
    ).select_related("library")
    chosen: dict[int, SourceRecord] = {}
    for record in sorted(records, key=lambda r: (r.library.code, r.local_id)):
        chosen.setdefault(record.work_id, record)
    elements = {}
    for work_id, record in chosen.items():
        try:
            elements[work_id] = record_element(bytes(record.raw), record.serialisation, RecordFormat.MARC21)
        except Exception:  # an unreadable record: the surrogate diagnostic says so
            logger.warning("SRU: record %s could not be written as MARCXML", record.pk)
    return elements
