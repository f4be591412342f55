"""The OAI-PMH 2.0 provider of the network: what the catalog offers at ``/oai``.

**Items** are the network's bibliographic source records, each library's record as it sent it
(authority and holdings records are not items). Identifier: ``oai:<repository id>:<library
code>:<local id>`` (the local id %-escaped where the oai-identifier syntax needs it); the repository id
is ``KHIZANA_OAI_REPOSITORY_IDENTIFIER`` (setting or environment, default ``khizana.local``).

**Datestamps** are the records' ``updated_at``, in UTC at seconds granularity; ``from`` and
``until`` take seconds or day granularity and are inclusive. ``earliestDatestamp`` is the oldest
datestamp in the catalog.

**Deleted records** (MARC leader/05 ``d``, OAI ``status="deleted"``) are kept by the catalog, so they
stay here as headers with ``status="deleted"`` and no metadata (deletedRecord=persistent).

**Metadata formats**: ``oai_dc`` for every item, built from the fields the catalog extracted from the
record (the record's own, not its work's, so an item only changes when its record changes);
``marc21`` (MARCXML, MARC21slim) for MARC 21 records and ``unimarc`` for UNIMARC records, both the
stored record as XML; UNIMARC comes in MARCXchange (ISO 25577, ``format="UNIMARC"``), made for any
MARC format (MARC21slim's leader pattern refuses UNIMARC leaders). Asking ``marc21`` of a UNIMARC
item is cannotDisseminateFormat; list requests in a MARC format list the items that have it. A stored
record the MARCXML conversion cannot read is left out of MARC lists (and logged); GetRecord answers
cannotDisseminateFormat for it.

``oai_etdms`` (ETD-MS 1.1, :mod:`khizana.heritage.theses.etdms`) for the records that are theses of
:mod:`khizana.heritage.theses` (deposited or loaded): degree name, level, discipline and grantor, and
the embargo end as ``info:eu-repo/date/embargoEnd/…`` rights; asking it of another record is
cannotDisseminateFormat.

**Sets**: ``library`` with one ``library:<code>`` per member library, ``type`` with one
``type:<material type>`` per material type (the record's own type, as extracted from it), and
``theses`` (the records of the theses above, deposited or loaded by the schools). An unknown
set gives noRecordsMatch; a catalog without any library has no sets (noSetHierarchy).

**Resumption tokens** page on (datestamp, id), the order of the list, not on offsets: a token holds
the original arguments and the last (exact datestamp, id) returned, signed with SECRET_KEY
(:mod:`khizana.oai.protocol`). It never expires and stays valid while the catalog changes: records
changed during a harvest move to the end of the list and come again (a harvester keeps the latest),
new records come at the end, and nothing not yet returned is skipped. ``completeListSize`` is counted
on the first page; ``cursor`` counts the items returned before the page. Page size:
``KHIZANA_OAI_PAGE_SIZE`` (default 100). Efficient paging on a large catalog wants a database index
on SourceRecord(updated_at, id).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import urljoin

from django.conf import settings
from django.db.models import Min, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext
from lxml import etree

from khizana.catalog.models import SourceRecord
from khizana.catalog.records import MaterialType, RecordFormat, RecordKind
from khizana.catalog.serializers.marcxml import record_element as marcxml_record
from khizana.core.vocabularies import MATERIAL_TYPES
from khizana.heritage.theses.etdms import ETDMS_11, ETDMS_11_SCHEMA, EtdmsError, thesis_element
from khizana.heritage.theses.models import Thesis
from khizana.heritage.theses.services import etd_record
from khizana.libraries.models import Library

from . import responses as xml
from .protocol import ListPosition, OaiError, OaiRequest, encode_token, make_identifier, parse_request
from .protocol import split_identifier as split_oai_identifier

OAI_DC = xml.MetadataFormat("oai_dc", xml.OAI_DC_SCHEMA, xml.OAI_DC)
MARC21 = xml.MetadataFormat("marc21", xml.MARC_SLIM_SCHEMA, xml.MARC_SLIM)
UNIMARC = xml.MetadataFormat("unimarc", xml.MARCXCHANGE_SCHEMA, xml.MARCXCHANGE)
OAI_ETDMS = xml.MetadataFormat("oai_etdms", ETDMS_11_SCHEMA, ETDMS_11)
METADATA_FORMATS = {f.prefix: f for f in (OAI_DC, MARC21, UNIMARC, OAI_ETDMS)}
# The record formats each metadata prefix can be given for (None: every format).
_RECORD_FORMATS: dict[str, str | None] = {"oai_dc": None, "marc21": "marc21", "unimarc": "unimarc",
                                          "oai_etdms": None}  # fmt: skip
THESES_SET = "theses"
_NO_THESIS = object()
# What a header and oai_dc need (the raw bytes are only read for MARC metadata).
_ITEM_COLUMNS = ("id", "local_id", "library__code", "format", "serialisation", "updated_at", "deleted",
                 "fields")  # fmt: skip
logger = logging.getLogger(__name__)


class MetadataUnavailable(Exception):
    """The stored record cannot be turned into the metadata format asked for."""


def repository_identifier() -> str:
    return settings.KHIZANA_OAI_REPOSITORY_IDENTIFIER


def page_size() -> int:
    return max(1, int(settings.KHIZANA_OAI_PAGE_SIZE))


def _token_key() -> bytes:
    return settings.SECRET_KEY.encode()


# --------------------------------------------------------------------------- entry point


def respond(raw_arguments: dict[str, list[str]], base_url: str) -> bytes:
    """The response document to one request (arguments: name -> every value sent)."""
    now = datetime.now(UTC)
    try:
        request = parse_request(raw_arguments, _token_key())
        body = _HANDLERS[request.verb](request, base_url)
        return xml.response_document(now, base_url, request.arguments, body)
    except OaiError as error:
        echoed = {name: values[0] for name, values in raw_arguments.items() if values}
        if not error.echoes_arguments:
            echoed = None
        return xml.response_document(now, base_url, echoed, xml.error_elements([error]))


def items() -> QuerySet[SourceRecord]:
    """Every item of the repository (deleted ones included)."""
    return SourceRecord.objects.filter(kind=RecordKind.BIBLIOGRAPHIC)


# --------------------------------------------------------------------------- verbs


def identify(request: OaiRequest, base_url: str) -> list[etree._Element]:
    earliest = items().aggregate(earliest=Min("updated_at"))["earliest"]
    if earliest is None:
        earliest = Library.objects.aggregate(earliest=Min("created_at"))["earliest"] or datetime.now(UTC)
    sample = items().select_related("library").order_by("id").first()
    repository = repository_identifier()
    info = xml.RepositoryInfo(
        name=settings.KHIZANA_OAI_REPOSITORY_NAME,
        base_url=base_url,
        admin_emails=tuple(_admin_emails(repository)),
        earliest_datestamp=earliest,
        repository_identifier=repository,
        sample_identifier=make_identifier(
            repository, sample.library.code if sample else "LIBRARY", sample.local_id if sample else "1"
        ),
    )
    return [xml.identify_element(info)]


def _admin_emails(repository: str) -> list[str]:
    emails = settings.KHIZANA_OAI_ADMIN_EMAIL or ",".join(email for _, email in settings.ADMINS)
    return [e.strip() for e in emails.split(",") if e.strip()] or [f"admin@{repository}"]


def list_metadata_formats(request: OaiRequest, base_url: str) -> list[etree._Element]:
    if not request.identifier:
        return [xml.metadata_formats_element(METADATA_FORMATS.values())]
    record = _item(request.identifier)
    return [xml.metadata_formats_element(f for f in METADATA_FORMATS.values() if _offers(record, f.prefix))]


def list_sets(request: OaiRequest, base_url: str) -> list[etree._Element]:
    return [xml.sets_element(_sets())]


def _sets() -> list[tuple[str, str]]:

    libraries = list(Library.objects.order_by("code"))
    if not libraries:
        raise OaiError("noSetHierarchy", "this repository has no member library yet, so no sets")
    return [
        ("library", gettext("Member libraries")),
        *((f"library:{library.code}", f"{library.code} — {library.name}") for library in libraries),
        ("type", gettext("Material types")),
        *((f"type:{kind.value}", str(MATERIAL_TYPES.get(kind.value, kind.value))) for kind in MaterialType),
        (THESES_SET, gettext("Theses deposited or loaded by the doctoral schools (also as oai_etdms)")),
    ]


def get_record(request: OaiRequest, base_url: str) -> list[etree._Element]:
    _check_prefix(request.metadata_prefix)
    record = _item(request.identifier)
    if not _offers(record, request.metadata_prefix):
        raise OaiError(
            "cannotDisseminateFormat",
            f"{request.identifier} is a {record.format} record, not available as {request.metadata_prefix}",
        )
    try:
        found = _record(record, request.metadata_prefix, base_url)
    except MetadataUnavailable as problem:
        raise OaiError("cannotDisseminateFormat", f"{request.identifier}: {problem}") from None
    element = etree.Element(f"{{{xml.OAI}}}GetRecord")
    element.append(found)
    return [element]


def list_identifiers(request: OaiRequest, base_url: str) -> list[etree._Element]:
    return _list(request, "ListIdentifiers", lambda record: xml.header_element(_header(record)))


def list_records(request: OaiRequest, base_url: str) -> list[etree._Element]:
    return _list(
        request, "ListRecords", lambda record: _listed_record(record, request.metadata_prefix, base_url)
    )


def _listed_record(record: SourceRecord, prefix: str, base_url: str) -> etree._Element | None:
    """The record, or None (it is left out of the list, and logged) when its metadata cannot be made."""
    try:
        return _record(record, prefix, base_url)
    except MetadataUnavailable as problem:
        logger.warning("OAI-PMH: %s:%s left out of a %s list: %s", record.library.code, record.local_id,
                       prefix, problem)  # fmt: skip
        return None


_HANDLERS = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": list_identifiers,
    "ListRecords": list_records,
}


# --------------------------------------------------------------------------- lists


def _list(request: OaiRequest, verb: str, element_of) -> list[etree._Element]:
    _check_prefix(request.metadata_prefix)
    selected = _selected_items(request)
    position = request.position
    page_query = selected
    if position is not None and position.after_datestamp:
        after = datetime.fromisoformat(position.after_datestamp)
        page_query = selected.filter(Q(updated_at__gt=after) | Q(updated_at=after, id__gt=position.after_id))
    with_raw = verb == "ListRecords" and request.metadata_prefix != "oai_dc"
    columns = _ITEM_COLUMNS + (("raw",) if with_raw else ())
    size = page_size()
    page = list(page_query.select_related("library").only(*columns).order_by("updated_at", "id")[: size + 1])
    if not page:
        if position is None:
            raise OaiError("noRecordsMatch", "no item matches these arguments")
        raise OaiError("noRecordsMatch", "the rest of this list has changed; harvest again")
    more = len(page) > size
    page = page[:size]
    _load_theses(page)
    cursor = position.cursor if position else 0
    complete = position.complete_list_size if position else selected.count()
    complete = max(complete, cursor + len(page))
    listing = etree.Element(f"{{{xml.OAI}}}{verb}")
    listing.extend(element for element in map(element_of, page) if element is not None)
    if more or position is not None:
        token = _next_token(request, verb, page[-1], cursor + len(page), complete) if more else ""
        listing.append(xml.resumption_token_element(token, cursor, complete))
    return [listing]


def _next_token(request: OaiRequest, verb: str, last: SourceRecord, cursor: int, complete: int) -> str:
    original = request.position
    position = ListPosition(
        verb=verb,
        metadata_prefix=request.metadata_prefix,
        from_=original.from_ if original else request.arguments.get("from", ""),
        until=original.until if original else request.arguments.get("until", ""),
        set_spec=request.set_spec,
        after_datestamp=last.updated_at.isoformat(),
        after_id=last.id,
        cursor=cursor,
        complete_list_size=complete,
    )
    return encode_token(position, _token_key())


def _selected_items(request: OaiRequest) -> QuerySet[SourceRecord]:
    selected = items()
    record_format = _RECORD_FORMATS[request.metadata_prefix]
    if record_format is not None:
        selected = selected.filter(format=record_format)
    if request.metadata_prefix == OAI_ETDMS.prefix:
        selected = selected.filter(thesis__isnull=False)
    if request.dates.start is not None:
        selected = selected.filter(updated_at__gte=request.dates.start)
    if request.dates.end is not None:
        selected = selected.filter(updated_at__lt=request.dates.end)
    if request.set_spec:
        selected = selected.filter(_set_filter(request.set_spec))
    return selected


def _set_filter(set_spec: str) -> Q:
    if not Library.objects.exists():
        raise OaiError("noSetHierarchy", "this repository has no member library yet, so no sets")
    if set_spec == THESES_SET:
        return Q(thesis__isnull=False)
    kind, _, value = set_spec.partition(":")
    if kind in {"library", "type"} and not value:
        return Q()
    if kind == "library" and ":" not in value:
        return Q(library__code=value)
    if kind == "type" and value in {t.value for t in MaterialType}:
        return Q(fields__material_type=value)
    raise OaiError("noRecordsMatch", f"there is no set {set_spec!r} (ListSets lists them)")


# --------------------------------------------------------------------------- items


def _check_prefix(prefix: str) -> None:
    if prefix not in METADATA_FORMATS:
        raise OaiError(
            "cannotDisseminateFormat",
            f"metadataPrefix {prefix!r} is not offered here (one of {', '.join(METADATA_FORMATS)})",
        )


def _offers(record: SourceRecord, prefix: str) -> bool:
    if prefix == OAI_ETDMS.prefix:
        return _thesis_of(record) is not None
    record_format = _RECORD_FORMATS[prefix]
    return record_format is None or record.format == record_format


def _item(identifier: str) -> SourceRecord:
    parts = split_oai_identifier(repository_identifier(), identifier)
    record = None
    if parts is not None:
        code, local_id = parts
        record = items().select_related("library").filter(library__code=code, local_id=local_id).first()
    if record is None:
        raise OaiError("idDoesNotExist", f"{identifier!r} is not the identifier of an item here")
    return record


def _header(record: SourceRecord) -> xml.ItemHeader:
    material_type = (record.fields or {}).get("material_type") or MaterialType.OTHER.value
    return xml.ItemHeader(
        identifier=make_identifier(repository_identifier(), record.library.code, record.local_id),
        datestamp=record.updated_at,
        set_specs=[f"library:{record.library.code}", f"type:{material_type}"]
        + ([THESES_SET] if _thesis_of(record) is not None else []),
        deleted=record.deleted,
    )


def _record(record: SourceRecord, prefix: str, base_url: str = "") -> etree._Element:
    header = _header(record)
    if record.deleted:
        return xml.record_element(header, None)
    return xml.record_element(header, _metadata(record, prefix, base_url))


def _load_theses(page: list[SourceRecord]) -> None:
    """The theses of a page of records, in one query (headers name the theses set; oai_etdms needs them)."""
    found = {
        thesis.record_id: thesis
        for thesis in Thesis.objects.filter(record__in=page).select_related("library", "institution", "item")
    }
    for record in page:
        record._oai_thesis = found.get(record.pk)


def _thesis_of(record: SourceRecord) -> Thesis | None:
    thesis = getattr(record, "_oai_thesis", _NO_THESIS)
    if thesis is _NO_THESIS:
        thesis = Thesis.objects.select_related("library", "institution", "item").filter(record=record).first()
        record._oai_thesis = thesis
    return thesis


def _etdms(record: SourceRecord, base_url: str) -> etree._Element:
    thesis = _thesis_of(record)
    if thesis is None:
        raise MetadataUnavailable("this record is not a thesis")
    page = urljoin(base_url, reverse("theses:thesis", args=[thesis.pk])) if base_url else ""
    try:
        return thesis_element(etd_record(thesis, url=page))
    except EtdmsError as problem:
        raise MetadataUnavailable(str(problem)) from None


def _metadata(record: SourceRecord, prefix: str, base_url: str = "") -> etree._Element:
    if prefix == "oai_dc":
        return xml.oai_dc_element(record.fields or {})
    if prefix == OAI_ETDMS.prefix:
        return _etdms(record, base_url)
    try:
        marc = marcxml_record(bytes(record.raw), record.serialisation, RecordFormat(record.format))
    except Exception as error:  # a stored record the MARCXML conversion cannot read
        raise MetadataUnavailable(f"the stored record cannot be converted to MARCXML ({error})") from error
    return xml.marcxml_payload(marc) if prefix == "marc21" else xml.marcxchange_payload(marc)
