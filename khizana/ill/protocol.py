"""ISO 18626 (interlibrary loan transactions) messages: build and read them, no Django.

The four messages a requesting and a supplying agency exchange: ``request``, ``supplyingAgencyMessage``,
``requestingAgencyMessage``, and the confirmation each one is answered with. Every message built here and
every message read is validated against the ISO 18626 v1.2 schema (``schema/ISO-18626-v1_2.xsd``); a
message that does not validate is refused with a :class:`ProtocolError` carrying the ISO 18626 error data
(``errorType`` and ``errorValue``) that the confirmation sends back.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

NS = "http://illtransactions.org/2013/iso18626"
VERSION = "1.2"
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "ISO-18626-v1_2.xsd"
MAX_MESSAGE_BYTES = 1_000_000

REQUEST = "request"
SUPPLYING_AGENCY_MESSAGE = "supplyingAgencyMessage"
REQUESTING_AGENCY_MESSAGE = "requestingAgencyMessage"
KINDS = (REQUEST, SUPPLYING_AGENCY_MESSAGE, REQUESTING_AGENCY_MESSAGE)
CONFIRMATION_OF = {
    REQUEST: "requestConfirmation",
    SUPPLYING_AGENCY_MESSAGE: "supplyingAgencyMessageConfirmation",
    REQUESTING_AGENCY_MESSAGE: "requestingAgencyMessageConfirmation",
}
CONFIRMATION_KINDS = tuple(CONFIRMATION_OF.values())

# errorType values of the schema
UNSUPPORTED_ACTION = "UnsupportedActionType"
UNSUPPORTED_REASON = "UnsupportedReasonForMessageType"
UNRECOGNISED_ELEMENT = "UnrecognisedDataElement"
UNRECOGNISED_VALUE = "UnrecognisedDataValue"
BADLY_FORMED = "BadlyFormedMessage"

_SCHEMA: etree.XMLSchema | None = None


def schema() -> etree.XMLSchema:
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))
    return _SCHEMA


class ProtocolError(ValueError):
    """A message that is not a valid ISO 18626 message, with the error data to answer it with."""

    def __init__(self, error_type: str, error_value: str, *, kind: str = "", header: Header | None = None):
        super().__init__(f"{error_type}: {error_value}")
        self.error_type = error_type
        self.error_value = error_value
        self.kind = kind
        self.header = header


@dataclass(frozen=True)
class AgencyId:
    type: str
    value: str

    def __str__(self) -> str:
        return f"{self.type}:{self.value}"


@dataclass(frozen=True)
class Header:
    supplying_agency: AgencyId
    requesting_agency: AgencyId
    requesting_request_id: str
    timestamp: datetime
    supplying_request_id: str = ""
    multiple_item_request_id: str = ""
    security_code: str = ""  # requestingAgencyAuthentication/securityCode: the secret the two agencies share


@dataclass(frozen=True)
class Bibliographic:
    title: str = ""
    author: str = ""
    subtitle: str = ""
    edition: str = ""
    title_of_component: str = ""
    author_of_component: str = ""
    volume: str = ""
    issue: str = ""
    pages_requested: str = ""
    supplier_unique_record_id: str = ""
    identifiers: tuple[tuple[str, str], ...] = ()  # (code: ISBN, ISSN…, value)
    publisher: str = ""
    publication_date: str = ""
    place_of_publication: str = ""


@dataclass(frozen=True)
class Request:
    header: Header
    bibliographic: Bibliographic
    service_type: str = "Loan"
    request_type: str = "New"
    note: str = ""
    patron_id: str = ""
    kind: str = field(default=REQUEST, init=False)


@dataclass(frozen=True)
class SupplyingAgencyMessage:
    header: Header
    reason_for_message: str
    status: str
    last_change: datetime
    answer_yes_no: str = ""
    note: str = ""
    reason_unfilled: str = ""
    reason_retry: str = ""
    due_date: datetime | None = None
    date_sent: datetime | None = None
    item_id: str = ""
    offered_cost: str = ""  # messageInfo/offeredCosts/monetaryValue, a decimal
    offered_currency: str = ""  # its ISO 4217 currencyCode
    kind: str = field(default=SUPPLYING_AGENCY_MESSAGE, init=False)


@dataclass(frozen=True)
class RequestingAgencyMessage:
    header: Header
    action: str
    note: str = ""
    kind: str = field(default=REQUESTING_AGENCY_MESSAGE, init=False)


@dataclass(frozen=True)
class Confirmation:
    kind: str  # one of CONFIRMATION_KINDS
    timestamp: datetime
    timestamp_received: datetime
    message_status: str  # OK or ERROR
    supplying_agency: AgencyId | None = None
    requesting_agency: AgencyId | None = None
    requesting_request_id: str = ""
    multiple_item_request_id: str = ""
    reason_for_message: str = ""  # supplyingAgencyMessageConfirmation
    action: str = ""  # requestingAgencyMessageConfirmation
    error_type: str = ""
    error_value: str = ""

    @property
    def ok(self) -> bool:
        return self.message_status == "OK"


Message = Request | SupplyingAgencyMessage | RequestingAgencyMessage | Confirmation


def now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- building


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _q(name))
    if text is not None:
        element.text = text
    return element


def _opt(parent: etree._Element, name: str, text: str | None) -> None:
    if text:
        _sub(parent, name, text)


def _scheme(parent: etree._Element, name: str, value: str) -> None:
    if value:
        _sub(parent, name, value)


def _dt(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _agency(parent: etree._Element, name: str, agency: AgencyId) -> None:
    element = _sub(parent, name)
    _sub(element, "agencyIdType", agency.type)
    _sub(element, "agencyIdValue", agency.value)


def _header(parent: etree._Element, header: Header) -> None:
    element = _sub(parent, "header")
    _agency(element, "supplyingAgencyId", header.supplying_agency)
    _agency(element, "requestingAgencyId", header.requesting_agency)
    _sub(element, "multipleItemRequestId", header.multiple_item_request_id)
    _sub(element, "timestamp", _dt(header.timestamp))
    _sub(element, "requestingAgencyRequestId", header.requesting_request_id)
    _opt(element, "supplyingAgencyRequestId", header.supplying_request_id)
    if header.security_code:
        _sub(_sub(element, "requestingAgencyAuthentication"), "securityCode", header.security_code)


def _root() -> etree._Element:
    root = etree.Element(_q("ISO18626Message"), nsmap={None: NS})
    root.set(_q("version"), VERSION)
    return root


def _build_request(root: etree._Element, message: Request) -> None:
    element = _sub(root, REQUEST)
    _header(element, message.header)
    bib = _sub(element, "bibliographicInfo")
    b = message.bibliographic
    _opt(bib, "supplierUniqueRecordId", b.supplier_unique_record_id)
    for name, value in (
        ("title", b.title),
        ("author", b.author),
        ("subtitle", b.subtitle),
        ("edition", b.edition),
        ("titleOfComponent", b.title_of_component),
        ("authorOfComponent", b.author_of_component),
        ("volume", b.volume),
        ("issue", b.issue),
        ("pagesRequested", b.pages_requested),
    ):
        _opt(bib, name, value)
    for code, value in b.identifiers:
        item = _sub(bib, "bibliographicItemId")
        _sub(item, "bibliographicItemIdentifier", value)
        _sub(item, "bibliographicItemIdentifierCode", code)
    if b.publisher or b.publication_date or b.place_of_publication:
        publication = _sub(element, "publicationInfo")
        _opt(publication, "publisher", b.publisher)
        _opt(publication, "publicationDate", b.publication_date)
        _opt(publication, "placeOfPublication", b.place_of_publication)
    service = _sub(element, "serviceInfo")
    _sub(service, "requestType", message.request_type)
    _sub(service, "requestSubType", "PatronRequest")
    _sub(service, "serviceType", message.service_type)
    _opt(service, "note", message.note)
    if message.patron_id:
        _sub(_sub(element, "patronInfo"), "patronId", message.patron_id)


def _build_supplying(root: etree._Element, message: SupplyingAgencyMessage) -> None:
    element = _sub(root, SUPPLYING_AGENCY_MESSAGE)
    _header(element, message.header)
    info = _sub(element, "messageInfo")
    _sub(info, "reasonForMessage", message.reason_for_message)
    _opt(info, "answerYesNo", message.answer_yes_no)
    _opt(info, "note", message.note)
    _scheme(info, "reasonUnfilled", message.reason_unfilled)
    _scheme(info, "reasonRetry", message.reason_retry)
    if message.offered_cost:
        costs = _sub(info, "offeredCosts")
        _sub(costs, "currencyCode", message.offered_currency)
        _sub(costs, "monetaryValue", message.offered_cost)
    status = _sub(element, "statusInfo")
    _sub(status, "status", message.status)
    if message.due_date:
        _sub(status, "dueDate", _dt(message.due_date))
    _sub(status, "lastChange", _dt(message.last_change))
    if message.date_sent:
        delivery = _sub(element, "deliveryInfo")
        _sub(delivery, "dateSent", _dt(message.date_sent))
        _opt(delivery, "itemId", message.item_id)


def _build_requesting(root: etree._Element, message: RequestingAgencyMessage) -> None:
    element = _sub(root, REQUESTING_AGENCY_MESSAGE)
    _header(element, message.header)
    _sub(element, "action", message.action)
    _opt(element, "note", message.note)


def _build_confirmation(root: etree._Element, message: Confirmation) -> None:
    element = _sub(root, message.kind)
    header = _sub(element, "confirmationHeader")
    if message.supplying_agency:
        _agency(header, "supplyingAgencyId", message.supplying_agency)
    if message.requesting_agency:
        _agency(header, "requestingAgencyId", message.requesting_agency)
    _sub(header, "timestamp", _dt(message.timestamp))
    _opt(header, "requestingAgencyRequestId", message.requesting_request_id)
    _opt(header, "multipleItemRequestId", message.multiple_item_request_id)
    _sub(header, "timestampReceived", _dt(message.timestamp_received))
    _sub(header, "messageStatus", message.message_status)
    if message.kind == "supplyingAgencyMessageConfirmation":
        _opt(element, "reasonForMessage", message.reason_for_message)
    if message.kind == "requestingAgencyMessageConfirmation":
        _opt(element, "action", message.action)
    if message.error_type:
        error = _sub(element, "errorData")
        _sub(error, "errorType", message.error_type)
        _opt(error, "errorValue", message.error_value)


def to_xml(message: Message) -> bytes:
    """The message as ISO 18626 XML, validated against the schema (a ProtocolError if it is not valid)."""
    root = _root()
    if isinstance(message, Request):
        _build_request(root, message)
    elif isinstance(message, SupplyingAgencyMessage):
        _build_supplying(root, message)
    elif isinstance(message, RequestingAgencyMessage):
        _build_requesting(root, message)
    elif isinstance(message, Confirmation):
        _build_confirmation(root, message)
    else:  # pragma: no cover - the type says it
        raise TypeError(f"not an ISO 18626 message: {message!r}")
    _validate(root, kind=getattr(message, "kind", ""))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def confirm(
    message: Message, *, received_at: datetime | None = None, error: ProtocolError | None = None
) -> Confirmation:
    """The confirmation answering ``message`` (OK, or ERROR with the error data of ``error``)."""
    header = message.header
    return Confirmation(
        kind=CONFIRMATION_OF[message.kind],
        timestamp=now(),
        timestamp_received=received_at or now(),
        message_status="ERROR" if error else "OK",
        supplying_agency=header.supplying_agency,
        requesting_agency=header.requesting_agency,
        requesting_request_id=header.requesting_request_id,
        multiple_item_request_id=header.multiple_item_request_id,
        reason_for_message=getattr(message, "reason_for_message", ""),
        action=getattr(message, "action", ""),
        error_type=error.error_type if error else "",
        error_value=error.error_value if error else "",
    )


def error_confirmation(error: ProtocolError, *, received_at: datetime | None = None) -> Confirmation:
    """The ERROR confirmation for a message that could not be read (requestConfirmation when its kind is
    unknown), with whatever header could be read from it."""
    header = error.header
    return Confirmation(
        kind=CONFIRMATION_OF.get(error.kind, "requestConfirmation"),
        timestamp=now(),
        timestamp_received=received_at or now(),
        message_status="ERROR",
        supplying_agency=header.supplying_agency if header else None,
        requesting_agency=header.requesting_agency if header else None,
        requesting_request_id=header.requesting_request_id if header else "",
        error_type=error.error_type,
        error_value=error.error_value,
    )


# ---------------------------------------------------------------- reading


def _classify(log: etree._ListErrorLog) -> tuple[str, str]:
    first = log[0]
    text = first.message
    where = f"line {first.line}: {text}"
    if "ENUMERATION" in first.type_name or "DATATYPE" in first.type_name or "FACET" in first.type_name:
        return UNRECOGNISED_VALUE, where
    if "Missing child" in text or ("Expected is" in text and "not expected" not in text):
        return BADLY_FORMED, where
    if "not expected" in text:
        return UNRECOGNISED_ELEMENT, where
    return BADLY_FORMED, where


def _validate(root: etree._Element, *, kind: str, header: Header | None = None) -> None:
    checker = schema()
    if not checker.validate(root):
        error_type, value = _classify(checker.error_log)
        raise ProtocolError(error_type, value, kind=kind, header=header)


def _text(element: etree._Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path, namespaces={"i": NS})
    return (found.text or "").strip() if found is not None else ""


def _datetime(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        # more than 6 digits of fraction: keep microseconds
        head, _, rest = value.partition(".")
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits) :]
        parsed = datetime.fromisoformat(f"{head}.{digits[:6]}{zone}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _agency_of(element: etree._Element | None) -> AgencyId:
    return AgencyId(_text(element, "i:agencyIdType"), _text(element, "i:agencyIdValue"))


def _read_header(element: etree._Element) -> Header | None:
    header = element.find("i:header", namespaces={"i": NS})
    if header is None:
        return None
    try:
        stamp = _datetime(_text(header, "i:timestamp")) or now()
    except ValueError:
        stamp = now()
    return Header(
        supplying_agency=_agency_of(header.find("i:supplyingAgencyId", namespaces={"i": NS})),
        requesting_agency=_agency_of(header.find("i:requestingAgencyId", namespaces={"i": NS})),
        requesting_request_id=_text(header, "i:requestingAgencyRequestId"),
        timestamp=stamp,
        supplying_request_id=_text(header, "i:supplyingAgencyRequestId"),
        multiple_item_request_id=_text(header, "i:multipleItemRequestId"),
        security_code=_text(header, "i:requestingAgencyAuthentication/i:securityCode"),
    )


def _read_request(element: etree._Element, header: Header) -> Request:
    bib = element.find("i:bibliographicInfo", namespaces={"i": NS})
    publication = element.find("i:publicationInfo", namespaces={"i": NS})
    service = element.find("i:serviceInfo", namespaces={"i": NS})
    identifiers = tuple(
        (_text(item, "i:bibliographicItemIdentifierCode"), _text(item, "i:bibliographicItemIdentifier"))
        for item in bib.findall("i:bibliographicItemId", namespaces={"i": NS})
    )
    return Request(
        header=header,
        bibliographic=Bibliographic(
            title=_text(bib, "i:title"),
            author=_text(bib, "i:author"),
            subtitle=_text(bib, "i:subtitle"),
            edition=_text(bib, "i:edition"),
            title_of_component=_text(bib, "i:titleOfComponent"),
            author_of_component=_text(bib, "i:authorOfComponent"),
            volume=_text(bib, "i:volume"),
            issue=_text(bib, "i:issue"),
            pages_requested=_text(bib, "i:pagesRequested"),
            supplier_unique_record_id=_text(bib, "i:supplierUniqueRecordId"),
            identifiers=identifiers,
            publisher=_text(publication, "i:publisher"),
            publication_date=_text(publication, "i:publicationDate"),
            place_of_publication=_text(publication, "i:placeOfPublication"),
        ),
        service_type=_text(service, "i:serviceType") or "Loan",
        request_type=_text(service, "i:requestType") or "New",
        note=_text(service, "i:note"),
        patron_id=_text(element, "i:patronInfo/i:patronId"),
    )


def _read_supplying(element: etree._Element, header: Header) -> SupplyingAgencyMessage:
    return SupplyingAgencyMessage(
        header=header,
        reason_for_message=_text(element, "i:messageInfo/i:reasonForMessage"),
        answer_yes_no=_text(element, "i:messageInfo/i:answerYesNo"),
        note=_text(element, "i:messageInfo/i:note"),
        reason_unfilled=_text(element, "i:messageInfo/i:reasonUnfilled"),
        reason_retry=_text(element, "i:messageInfo/i:reasonRetry"),
        status=_text(element, "i:statusInfo/i:status"),
        due_date=_datetime(_text(element, "i:statusInfo/i:dueDate")),
        last_change=_datetime(_text(element, "i:statusInfo/i:lastChange")) or now(),
        date_sent=_datetime(_text(element, "i:deliveryInfo/i:dateSent")),
        item_id=_text(element, "i:deliveryInfo/i:itemId"),
        offered_cost=_text(element, "i:messageInfo/i:offeredCosts/i:monetaryValue"),
        offered_currency=_text(element, "i:messageInfo/i:offeredCosts/i:currencyCode"),
    )


def _read_confirmation(element: etree._Element, kind: str) -> Confirmation:
    header = element.find("i:confirmationHeader", namespaces={"i": NS})
    supplying = header.find("i:supplyingAgencyId", namespaces={"i": NS})
    requesting = header.find("i:requestingAgencyId", namespaces={"i": NS})
    return Confirmation(
        kind=kind,
        timestamp=_datetime(_text(header, "i:timestamp")) or now(),
        timestamp_received=_datetime(_text(header, "i:timestampReceived")) or now(),
        message_status=_text(header, "i:messageStatus"),
        supplying_agency=_agency_of(supplying) if supplying is not None else None,
        requesting_agency=_agency_of(requesting) if requesting is not None else None,
        requesting_request_id=_text(header, "i:requestingAgencyRequestId"),
        multiple_item_request_id=_text(header, "i:multipleItemRequestId"),
        reason_for_message=_text(element, "i:reasonForMessage"),
        action=_text(element, "i:action"),
        error_type=_text(element, "i:errorData/i:errorType"),
        error_value=_text(element, "i:errorData/i:errorValue"),
    )


def parse(data: bytes) -> Message:
    """Read an ISO 18626 message; a ProtocolError (with its error data, and the header when it could be
    read) if it is not well-formed XML, not an ISO18626Message, or not valid against the schema."""
    if not data or not data.strip():
        raise ProtocolError(BADLY_FORMED, "empty message")
    if len(data) > MAX_MESSAGE_BYTES:
        raise ProtocolError(BADLY_FORMED, f"message larger than {MAX_MESSAGE_BYTES} bytes")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise ProtocolError(BADLY_FORMED, f"not well-formed XML: {error}") from None
    if root.tag != _q("ISO18626Message"):
        raise ProtocolError(BADLY_FORMED, f"the root element is {root.tag}, not {{{NS}}}ISO18626Message")
    children = [child for child in root if isinstance(child.tag, str)]
    child = children[0] if children else None
    kind = etree.QName(child).localname if child is not None else ""
    header = _read_header(child) if child is not None else None
    _validate(root, kind=kind if kind in KINDS else "", header=header)
    if kind == REQUEST:
        return _read_request(child, header)
    if kind == SUPPLYING_AGENCY_MESSAGE:
        return _read_supplying(child, header)
    if kind == REQUESTING_AGENCY_MESSAGE:
        return RequestingAgencyMessage(
            header=header, action=_text(child, "i:action"), note=_text(child, "i:note")
        )
    return _read_confirmation(child, kind)


# Conditions travel in the notes (ISO 18626 v1.2 has no element for a condition asked before delivery;
# ReShare marks its notes the same way): the supplier's note starts with ``#Condition:<code>#``, the
# requester answers with a Notification whose note starts with ``#ConditionAccepted#`` or a Cancel whose
# note starts with ``#ConditionRejected#``.
CONDITION_MARK = "#Condition:"
CONDITION_ACCEPTED = "#ConditionAccepted#"
CONDITION_REJECTED = "#ConditionRejected#"


def condition_note(code: str, text: str = "") -> str:
    return f"{CONDITION_MARK}{code}# {text}".strip()


def read_condition(note: str) -> tuple[str, str] | None:
    """``(code, text)`` of a supplier's condition note, None when the note sets no condition."""
    if not note.startswith(CONDITION_MARK):
        return None
    code, sep, text = note[len(CONDITION_MARK) :].partition("#")
    return (code, text.strip()) if sep and code else None


def with_supplying_request_id(header: Header, supplying_request_id: str) -> Header:
    return replace(header, supplying_request_id=supplying_request_id, timestamp=now())
