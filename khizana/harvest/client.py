"""An OAI-PMH client for harvesting (no Django import): HTTP with retries, resumption tokens.

:class:`OaiClient` sends GET requests with :mod:`requests`. Transient failures (connection errors,
timeouts, HTTP 429 and 5xx) are retried with exponential back-off; a ``Retry-After`` header (seconds
or an HTTP date) is honoured. Retries stop after ``max_attempts`` or when the waits would exceed
``retry_budget`` seconds, with an :class:`HarvestHTTPError` naming the URL and the last failure.
:meth:`OaiClient.pages` follows resumption tokens until the list is complete.

Requests go through a session guarded against server-side request forgery (:mod:`khizana.core.outgoing`):
a URL, or a redirect, that leads to a loopback, private or reserved address is not fetched
(:class:`HarvestRefusedError`, never retried). Without a ``session``, the client takes the guarded
session of the installation's settings (the one place where Django is imported, at that moment).
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

import requests

from khizana.core.outgoing.policy import OutgoingRequestRefused, Reason

from .oai import Message, OaiResponse, OaiResponseError, gettext_noop, parse_response

USER_AGENT = "Khizana-harvester/1.0 (OAI-PMH 2.0)"
_RETRIED_STATUS = frozenset({429, 500, 502, 503, 504})


class HarvestError(Exception):
    """A harvest request failed for good; the message names the URL and the problem."""

    def __init__(self, message: Message | str):
        self.message = message if isinstance(message, Message) else Message(message)
        super().__init__(str(self.message))


class HarvestHTTPError(HarvestError):
    """The server could not be reached or kept answering with an HTTP error."""


class HarvestRefusedError(HarvestHTTPError):
    """The URL, or a redirect, leads where the server must not send requests (see khizana.core.outgoing)."""


class OaiProtocolError(HarvestError):
    """The server answered with OAI-PMH errors (``noRecordsMatch``, ``badArgument`` ...)."""

    def __init__(self, url: str, response: OaiResponse):
        self.url = url
        self.response = response
        text = gettext_noop("%(url)s: the OAI-PMH server answered with an error: %(errors)s")
        super().__init__(Message(text, {"url": url, "errors": response.describe_errors()}))


@dataclass
class Page:
    """One response: its bytes as sent, what they say, and the URL asked."""

    url: str
    data: bytes
    response: OaiResponse


@dataclass
class RetryPolicy:
    timeout: float = 60.0  # seconds per request (connect and read)
    max_attempts: int = 5
    backoff: float = 2.0  # first wait; doubled at each retry
    retry_budget: float = 300.0  # total seconds of waiting allowed for one request


class OaiClient:
    def __init__(
        self,
        base_url: str,
        policy: RetryPolicy | None = None,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = base_url.strip()
        self.policy = policy or RetryPolicy()
        self.session = session or _guarded_session()
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        self.sleep = sleep
        self.requests_sent = 0

    def url_for(self, params: dict[str, str]) -> str:
        separator = "&" if "?" in self.base_url else "?"
        return f"{self.base_url}{separator}{urlencode(params)}"

    def request(self, verb: str, **params: str) -> Page:
        """One request; raises :class:`OaiProtocolError` when the response carries OAI-PMH errors."""
        query = {"verb": verb, **{k: v for k, v in params.items() if v}}
        url = self.url_for(query)
        data = self._get(url)
        try:
            response = parse_response(data, url)
        except OaiResponseError as error:
            raise HarvestError(error.message) from None
        if response.errors:
            raise OaiProtocolError(url, response)
        return Page(url, data, response)

    def pages(self, verb: str, **params: str) -> Iterator[Page]:
        """Every page of a list verb, following resumption tokens (a token seen twice is an error)."""
        page = self.request(verb, **params)
        seen: set[str] = set()
        while True:
            yield page
            token = page.response.resumption_token
            if not token:
                return
            if token in seen:
                text = gettext_noop("%(url)s: the server sent the resumption token %(token)s twice")
                raise HarvestError(Message(text, {"url": page.url, "token": repr(token)}))
            seen.add(token)
            page = self.request(verb, resumptionToken=token)

    def identify(self) -> OaiResponse:
        return self.request("Identify").response

    def metadata_prefixes(self) -> list[str]:
        return self.request("ListMetadataFormats").response.metadata_prefixes

    def _get(self, url: str) -> bytes:
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            outcome = self._attempt(url)
            if outcome.body is not None:
                return outcome.body
            delay = outcome.wait if outcome.wait is not None else self.policy.backoff * 2 ** (attempt - 1)
            if attempt >= self.policy.max_attempts or waited + delay > self.policy.retry_budget:
                text = gettext_noop(
                    "%(url)s: gave up after %(attempts)s attempt(s), %(waited)s s waited: %(failure)s"
                )
                params = {
                    "url": url,
                    "attempts": attempt,
                    "waited": f"{waited:g}",
                    "failure": outcome.failure,
                }
                raise HarvestHTTPError(Message(text, params))
            self.sleep(delay)
            waited += delay

    def _attempt(self, url: str) -> _Outcome:
        """The body, or a transient failure to retry; raises for a failure not worth retrying."""
        self.requests_sent += 1
        try:
            reply = self.session.get(url, timeout=self.policy.timeout)
        except OutgoingRequestRefused as refused:
            raise HarvestRefusedError(refusal_message(refused, asked=url)) from None
        except requests.Timeout:
            text = gettext_noop("no answer within %(seconds)s s")
            return _Outcome(failure=Message(text, {"seconds": f"{self.policy.timeout:g}"}))
        except requests.ConnectionError as error:
            return _Outcome(
                failure=Message(gettext_noop("cannot connect (%(error)s)"), {"error": _short(error)})
            )
        except requests.RequestException as error:
            text = gettext_noop("%(url)s: request failed: %(error)s")
            raise HarvestHTTPError(Message(text, {"url": url, "error": _short(error)})) from None
        status = f"HTTP {reply.status_code} {reply.reason}"
        if reply.status_code in _RETRIED_STATUS:
            return _Outcome(failure=status, wait=_retry_after(reply.headers.get("Retry-After")))
        if reply.status_code >= 400:
            raise HarvestHTTPError(
                Message(gettext_noop("%(url)s: %(problem)s"), {"url": url, "problem": status})
            )
        return _Outcome(body=reply.content)


@dataclass
class _Outcome:
    body: bytes | None = None
    failure: Message | str = ""
    wait: float | None = None  # what Retry-After asked for


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def refusal_message(refused: OutgoingRequestRefused, *, asked: str | None = None) -> Message:
    """The refusal of the outgoing-request guard as a message; ``asked``: the URL requested, when the
    refused one may be where it redirected."""
    problem = _message(refused.reason)
    message = Message(gettext_noop("%(url)s: %(problem)s"), {"url": refused.url, "problem": problem})
    if asked is None or _same_url(asked, refused.url):
        return message
    text = gettext_noop("%(url)s: redirected to a refused address: %(refusal)s")
    return Message(text, {"url": asked, "refusal": message})


def _same_url(asked: str, sent: str) -> bool:
    """Whether ``sent`` is ``asked`` as requests sends it (quoted, with an IDNA host ...)."""
    try:
        return sent in (asked, requests.Request("GET", asked).prepare().url)
    except requests.RequestException:
        return sent == asked


def _message(reason: Reason) -> Message:
    params = {k: _message(v) if isinstance(v, Reason) else v for k, v in reason.params.items()}
    return Message(reason.text, params)


def _guarded_session() -> requests.Session:
    from khizana.core.outgoing.conf import outgoing_session  # the allow-list is a setting

    return outgoing_session()


def _short(error: Exception) -> str:
    text = str(error)
    return text if len(text) <= 300 else text[:300] + "…"
