"""OAI-PMH 2.0 request rules, datestamps, identifiers and resumption tokens (no Django import).

:func:`parse_request` turns the arguments of one HTTP request (name -> every value sent) into an
:class:`OaiRequest`, or raises :class:`OaiError` with the error code of the specification
(badVerb, badArgument, badResumptionToken). Resumption tokens are opaque strings: the JSON of a
:class:`ListPosition` (the original arguments plus the last (datestamp, id) returned) in base64url,
followed by an HMAC-SHA256 of it made with a key the caller passes (the site's SECRET_KEY), so a
tampered or invented token is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote, unquote

VERBS = ("Identify", "ListMetadataFormats", "ListSets", "GetRecord", "ListIdentifiers", "ListRecords")
LIST_VERBS = ("ListIdentifiers", "ListRecords")
# Arguments each verb accepts: required, optional. resumptionToken is exclusive where allowed.
_REQUIRED = {"GetRecord": {"identifier", "metadataPrefix"}, "ListIdentifiers": {"metadataPrefix"},
             "ListRecords": {"metadataPrefix"}}  # fmt: skip
_OPTIONAL = {
    "Identify": set(),
    "ListMetadataFormats": {"identifier"},
    "ListSets": set(),
    "GetRecord": set(),
    "ListIdentifiers": {"from", "until", "set"},
    "ListRecords": {"from", "until", "set"},
}
_TAKES_TOKEN = {"ListSets", "ListIdentifiers", "ListRecords"}

SECONDS_GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
_DAY = re.compile(r"^\d{4}-\d\d-\d\d$")
_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
METADATA_PREFIX = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+$")
SET_SPEC = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$")
# Characters an oai-identifier may hold besides letters and digits ('%' is escaped, so it round-trips).
_IDENTIFIER_SAFE = "-_.!~*'();/?:@&=+$,"


class OaiError(Exception):
    """One OAI-PMH error: ``code`` is the specification's error code, ``message`` says what was wrong."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    @property
    def echoes_arguments(self) -> bool:
        """The specification forbids echoing the arguments of a badVerb or badArgument request."""
        return self.code not in {"badVerb", "badArgument"}


@dataclass(frozen=True)
class DateRange:
    """``from`` and ``until`` as half-open bounds: start <= datestamp < end (either may be None)."""

    start: datetime | None = None
    end: datetime | None = None


@dataclass
class ListPosition:
    """What a resumption token carries: the original list request and where its next page starts."""

    verb: str
    metadata_prefix: str
    from_: str = ""
    until: str = ""
    set_spec: str = ""
    after_datestamp: str = ""  # exact (microsecond) datestamp of the last item returned
    after_id: int = 0
    cursor: int = 0  # items returned before the next page
    complete_list_size: int = 0


@dataclass
class OaiRequest:
    verb: str
    arguments: dict[str, str]  # every argument, as sent (echoed in the response's <request>)
    identifier: str = ""
    metadata_prefix: str = ""
    set_spec: str = ""
    dates: DateRange = field(default_factory=DateRange)
    position: ListPosition | None = None  # None on a first list request


# --------------------------------------------------------------------------- requests


def parse_request(raw: dict[str, list[str]], token_key: bytes) -> OaiRequest:
    """The request these arguments make; :class:`OaiError` when they break the verb's rules."""
    verbs = raw.get("verb", [])
    if len(verbs) != 1:
        raise OaiError("badVerb", "the verb argument is " + ("repeated" if verbs else "missing"))
    verb = verbs[0]
    if verb not in VERBS:
        raise OaiError("badVerb", f"{verb!r} is not an OAI-PMH verb (one of {', '.join(VERBS)})")
    arguments = _single_values(raw)
    empty = sorted(name for name, value in arguments.items() if not value)
    if empty:
        raise OaiError("badArgument", f"empty argument(s): {', '.join(empty)}")
    names = set(arguments) - {"verb"}
    if "resumptionToken" in names and verb in _TAKES_TOKEN:
        if names != {"resumptionToken"}:
            others = ", ".join(sorted(names - {"resumptionToken"}))
            raise OaiError("badArgument", f"resumptionToken is an exclusive argument; remove {others}")
        return _resumed_request(verb, arguments, token_key)
    allowed = _REQUIRED.get(verb, set()) | _OPTIONAL[verb]
    unknown = names - allowed
    if unknown:
        raise OaiError("badArgument", f"{verb} does not take the argument(s) {', '.join(sorted(unknown))}")
    missing = _REQUIRED.get(verb, set()) - names
    if missing:
        raise OaiError("badArgument", f"{verb} needs the argument(s) {', '.join(sorted(missing))}")
    request = OaiRequest(verb=verb, arguments=arguments, identifier=arguments.get("identifier", ""))
    if "metadataPrefix" in arguments:
        request.metadata_prefix = _checked_prefix(arguments["metadataPrefix"])
    if "set" in arguments:
        request.set_spec = _checked_set(arguments["set"])
    request.dates = parse_date_range(arguments.get("from", ""), arguments.get("until", ""))
    return request


def _single_values(raw: dict[str, list[str]]) -> dict[str, str]:
    repeated = sorted(name for name, values in raw.items() if len(values) > 1)
    if repeated:
        raise OaiError("badArgument", f"repeated argument(s): {', '.join(repeated)}")
    return {name: values[0] for name, values in raw.items() if values}


def _checked_prefix(prefix: str) -> str:
    if not METADATA_PREFIX.match(prefix):
        raise OaiError("badArgument", f"metadataPrefix {prefix!r} is not a valid metadata prefix")
    return prefix


def _checked_set(set_spec: str) -> str:
    if not SET_SPEC.match(set_spec):
        raise OaiError("badArgument", f"set {set_spec!r} is not a valid setSpec")
    return set_spec


def _resumed_request(verb: str, arguments: dict[str, str], token_key: bytes) -> OaiRequest:
    position = decode_token(arguments["resumptionToken"], token_key)
    if position.verb != verb:
        raise OaiError("badResumptionToken", f"this resumptionToken continues {position.verb}, not {verb}")
    try:
        dates = parse_date_range(position.from_, position.until)
    except OaiError:
        raise OaiError("badResumptionToken", "the resumptionToken holds invalid dates") from None
    return OaiRequest(
        verb=verb,
        arguments=arguments,
        metadata_prefix=position.metadata_prefix,
        set_spec=position.set_spec,
        dates=dates,
        position=position,
    )


# --------------------------------------------------------------------------- datestamps


def parse_date_range(from_: str, until: str) -> DateRange:
    """``from`` and ``until`` (day or seconds granularity, the same for both) as half-open UTC bounds."""
    start = _parse_datestamp("from", from_) if from_ else None
    end = _parse_datestamp("until", until) if until else None
    if from_ and until and len(from_) != len(until):
        raise OaiError("badArgument", "from and until must have the same granularity")
    if start is not None and end is not None and start >= end:
        raise OaiError("badArgument", f"from ({from_}) is later than until ({until})")
    return DateRange(start, end)


def _parse_datestamp(name: str, value: str) -> datetime:
    """The first instant of ``from``; the first instant after ``until`` (so until is inclusive)."""
    try:
        if _DAY.match(value):
            moment = datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
            step = timedelta(days=1)
        elif _SECONDS.match(value):
            moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            step = timedelta(seconds=1)
        else:
            raise ValueError
    except ValueError:
        raise OaiError(
            "badArgument", f"{name}={value!r} is not a date (YYYY-MM-DD) or UTC time (YYYY-MM-DDThh:mm:ssZ)"
        ) from None
    return moment + step if name == "until" else moment


def format_datestamp(moment: datetime) -> str:
    """A datestamp at seconds granularity, in UTC: 2024-05-01T09:30:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- identifiers


def make_identifier(repository: str, library_code: str, local_id: str) -> str:
    """oai:<repository>:<library code>:<local id>, the local id escaped to the oai-identifier syntax."""
    return f"oai:{repository}:{library_code}:{quote(local_id, safe=_IDENTIFIER_SAFE)}"


def split_identifier(repository: str, identifier: str) -> tuple[str, str] | None:
    """(library code, local id) of an identifier made by :func:`make_identifier`; None if not one of ours."""
    prefix = f"oai:{repository}:"
    if not identifier.startswith(prefix):
        return None
    code, colon, escaped = identifier[len(prefix) :].partition(":")
    if not code or not colon or not escaped:
        return None
    return code, unquote(escaped)


# --------------------------------------------------------------------------- resumption tokens


def encode_token(position: ListPosition, key: bytes) -> str:
    """An opaque, signed resumption token for ``position``."""
    body = base64.urlsafe_b64encode(json.dumps(asdict(position), separators=(",", ":")).encode()).rstrip(b"=")
    return f"{body.decode()}.{_signature(body, key)}"


def decode_token(token: str, key: bytes) -> ListPosition:
    """The position a token made by :func:`encode_token` carries; badResumptionToken otherwise."""
    body, dot, signature = token.partition(".")
    expected = _signature(body.encode(), key).encode()
    if not dot or not hmac.compare_digest(signature.encode(), expected):
        raise OaiError("badResumptionToken", "the resumptionToken is not one this repository issued")
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        position = ListPosition(**data)
        if position.after_datestamp:
            datetime.fromisoformat(position.after_datestamp)
    except (ValueError, TypeError, binascii.Error):
        raise OaiError("badResumptionToken", "the resumptionToken cannot be read") from None
    return position


def _signature(body: bytes, key: bytes) -> str:
    digest = hmac.new(key, b"oai-resumption-token:" + body, hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode()
