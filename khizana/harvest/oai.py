"""OAI-PMH 2.0 responses, read for a harvester (no Django import).

:func:`parse_response` turns the bytes of one response into an :class:`OaiResponse`: the
``responseDate``, the errors (``<error code=...>``), the records or headers of a list verb with their
identifier, datestamp and deleted flag, the resumption token, and what Identify and ListMetadataFormats
say (granularity, metadata prefixes). Anything that is not an OAI-PMH response raises
:class:`OaiResponseError` with a message naming the URL and the problem.

Texts for people are :class:`Message` objects: an English gettext msgid with named parameters, kept as
such (in a harvest run's errors) and translated when shown (:mod:`khizana.harvest.messages`);
``str()`` gives the English. The msgids are marked with :func:`gettext_noop` for makemessages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

OAI_NAMESPACE = "http://www.openarchives.org/OAI/2.0/"
MARC_NAMESPACES = frozenset(
    {
        "http://www.loc.gov/MARC21/slim",
        "info:lc/xmlns/marcxchange-v1",
        "info:lc/xmlns/marcxchange-v2",
        "urn:iso:std:iso:25577",
        "http://www.rba.ru/rusmarc/soft",
    }
)
DAY_GRANULARITY = "YYYY-MM-DD"
SECONDS_GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
_LIST_VERBS = ("ListRecords", "ListIdentifiers", "GetRecord", "ListSets")
_UTC_DATESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z?)?$")


def gettext_noop(message: str) -> str:
    """Marks a msgid for makemessages (as Django's gettext_noop does, without importing Django)."""
    return message


@dataclass(frozen=True)
class Message:
    """A text for people: an English msgid with named ``%(name)s`` parameters, which may be messages."""

    text: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return render_message(self.as_json(), lambda text: text)

    def as_json(self) -> dict:
        params = {k: v.as_json() if isinstance(v, Message) else v for k, v in self.params.items()}
        return {"message": self.text, "params": params}


def render_message(entry: Any, translate) -> str:
    """The text of a stored message (:meth:`Message.as_json`; a plain string is shown as it is), each
    msgid passed through ``translate`` (gettext, or the identity for English)."""
    if isinstance(entry, Message):
        entry = entry.as_json()
    if not isinstance(entry, dict) or "message" not in entry:
        return str(entry)
    params = {k: render_message(v, translate) for k, v in (entry.get("params") or {}).items()}
    text = translate(entry["message"]) if entry["message"] else ""  # (gettext("") is the catalog header)
    return text % params if params else text


class OaiResponseError(ValueError):
    """The body is not a usable OAI-PMH response; the message names the URL and the problem."""

    def __init__(self, url: str, problem: Message):
        self.url = url
        self.problem = problem
        super().__init__(str(self.message))

    @property
    def message(self) -> Message:
        if not self.url:
            return self.problem
        return Message(gettext_noop("%(url)s: %(problem)s"), {"url": self.url, "problem": self.problem})


@dataclass
class OaiItem:
    """One record (ListRecords, GetRecord) or header (ListIdentifiers) of a response."""

    identifier: str
    datestamp: str
    deleted: bool
    metadata: etree._Element | None = None  # the first element inside <metadata>, if any

    @property
    def is_marc(self) -> bool:
        if self.metadata is None:
            return False
        qname = etree.QName(self.metadata)
        return qname.namespace in MARC_NAMESPACES or (
            qname.localname in ("record", "collection")
            and any(etree.QName(c).localname == "leader" for c in self.metadata.iter(etree.Element))
        )


@dataclass
class OaiError:
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" if self.message else self.code


@dataclass
class OaiResponse:
    response_date: str
    verb: str  # the element naming the verb answered (ListRecords ...), "" for an error response
    errors: list[OaiError] = field(default_factory=list)
    items: list[OaiItem] = field(default_factory=list)
    resumption_token: str = ""
    complete_list_size: int | None = None
    granularity: str = ""  # Identify only
    metadata_prefixes: list[str] = field(default_factory=list)  # ListMetadataFormats only

    @property
    def error_codes(self) -> list[str]:
        return [error.code for error in self.errors]

    def describe_errors(self) -> str:
        return "; ".join(str(error) for error in self.errors)


def parse_response(data: bytes, url: str = "") -> OaiResponse:
    """Read one OAI-PMH response. Raises :class:`OaiResponseError` for a body that is not one."""
    root = _parse_xml(data, url)
    if _local(root) != "OAI-PMH":
        problem = gettext_noop("not an OAI-PMH response (root element <%(element)s>)")
        raise OaiResponseError(url, Message(problem, {"element": _local(root)}))
    response = OaiResponse(response_date=_child_text(root, "responseDate"), verb="")
    for child in root.iterchildren(etree.Element):
        name = _local(child)
        if name == "error":
            response.errors.append(OaiError(child.get("code") or "unknown", _text(child)))
        elif name in _LIST_VERBS or name in ("Identify", "ListMetadataFormats"):
            response.verb = name
            _read_verb(child, response)
    if not response.errors and not response.verb:
        raise OaiResponseError(
            url, Message(gettext_noop("OAI-PMH response without a verb element or an error"))
        )
    return response


def _parse_xml(data: bytes, url: str) -> etree._Element:
    if not data.strip():
        raise OaiResponseError(url, Message(gettext_noop("empty response body")))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        line, column = error.position if error.position else (0, 0)
        message = re.sub(r",? line \d+, column \d+.*$", "", error.msg or str(error)).strip()
        problem = gettext_noop("not well-formed XML: %(problem)s (line %(line)s, column %(column)s)")
        raise OaiResponseError(
            url, Message(problem, {"problem": message, "line": line, "column": column})
        ) from None
    if root is None:
        raise OaiResponseError(url, Message(gettext_noop("the response holds no XML element")))
    return root


def _read_verb(element: etree._Element, response: OaiResponse) -> None:
    name = _local(element)
    if name == "Identify":
        response.granularity = _child_text(element, "granularity")
        return
    if name == "ListMetadataFormats":
        response.metadata_prefixes = [
            _child_text(f, "metadataPrefix") for f in _children(element, "metadataFormat")
        ]
        return
    for child in element.iterchildren(etree.Element):
        kind = _local(child)
        if kind == "record":
            response.items.append(_item(_first_child(child, "header"), _first_child(child, "metadata")))
        elif kind == "header":
            response.items.append(_item(child, None))
        elif kind == "resumptionToken":
            response.resumption_token = "".join(child.itertext()).strip()
            size = (child.get("completeListSize") or "").strip()
            response.complete_list_size = int(size) if size.isdigit() else None


def _item(header: etree._Element | None, metadata: etree._Element | None) -> OaiItem:
    payload = next(metadata.iterchildren(etree.Element), None) if metadata is not None else None
    if header is None:
        return OaiItem(identifier="", datestamp="", deleted=False, metadata=payload)
    return OaiItem(
        identifier=_child_text(header, "identifier"),
        datestamp=_child_text(header, "datestamp"),
        deleted=(header.get("status") or "").strip().lower() == "deleted",
        metadata=payload,
    )


def datestamp_for_from(response_date: str, granularity: str) -> str:
    """The ``from`` argument for the next incremental harvest: ``response_date`` at the repository's
    granularity (day granularity keeps the date only; the day is harvested again, which is harmless)."""
    match = _UTC_DATESTAMP.match(response_date.strip())
    if not match:
        raise ValueError(f"responseDate {response_date!r} is not a UTC datestamp (YYYY-MM-DDThh:mm:ssZ)")
    day, time = match.groups()
    if granularity == SECONDS_GRANULARITY and time:
        return f"{day}T{time}Z"
    return day


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in element.iterchildren(etree.Element) if _local(c) == name]


def _first_child(element: etree._Element, name: str) -> etree._Element | None:
    return next(iter(_children(element, name)), None)


def _child_text(element: etree._Element, name: str) -> str:
    child = _first_child(element, name)
    return _text(child) if child is not None else ""


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())
