"""Logs that say which request they belong to.

- :class:`RequestIdMiddleware` gives each request an id: the proxy's ``X-Request-ID`` when it is a sane
  token, else a new one. The id goes back in the ``X-Request-ID`` response header, into every log record
  written while the request is served (:class:`RequestIdFilter`, through a context variable, so any
  logger of any app carries it) and into one access line per request on the logger ``khizana.access``
  (method, path without its query string, status, duration in ms, user id when signed in).
- :class:`JsonFormatter` writes each record as one JSON object per line (``KHIZANA_LOG_FORMAT=json``).

Imported by the logging configuration, before Django's apps are ready: no model import here.
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.encoding import escape_uri_path
from django.utils.functional import empty

REQUEST_ID_HEADER = "X-Request-ID"
NO_REQUEST = "-"
# A token a proxy may hand us (a UUID, hex, base64url...): anything else is replaced, never logged.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+=-]{0,127}")

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("khizana_request_id", default=NO_REQUEST)
access_log = logging.getLogger("khizana.access")


def incoming_request_id(value: str | None) -> str:
    """The proxy's request id if it is a sane token, else a new one (32 hex digits)."""
    if value and SANE_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Gives the request its id, returns it in ``X-Request-ID``, writes the access line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request.request_id = incoming_request_id(request.headers.get(REQUEST_ID_HEADER))
        token = request_id.set(request.request_id)
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request.request_id
            _log_access(request, response.status_code, started)
            return response
        finally:
            request_id.reset(token)


def _log_access(request: HttpRequest, status: int, started: float) -> None:
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    user_id = _user_id(request)
    path = escape_uri_path(request.path)  # as sent, percent-encoded: no line break can forge a log line
    access_log.info(
        "%s %s %s %.1f ms",
        request.method,
        path,
        status,
        duration_ms,
        extra={
            "method": request.method,
            "path": path,
            "status": status,
            "duration_ms": duration_ms,
            "user_id": user_id,
        },
    )


def _user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id when the request's user was looked up (every page and permission check does);
    never looked up here, which would cost a session query on requests that need none (image tiles...)."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


class RequestIdFilter(logging.Filter):
    """Puts the id of the request being served (``-`` outside requests) on every record, as ``request_id``."""

    def filter(self, record: logging.LogRecord) -> bool:
        found = request_id.get()
        if found == NO_REQUEST:  # Django logs a 4xx/5xx answer after the middleware, with the request
            found = getattr(getattr(record, "request", None), "request_id", NO_REQUEST)
        record.request_id = found
        return True


# The attributes every LogRecord has: any other one was given by the caller in ``extra``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
# Given by Django in ``extra`` but no use in a log line (the request object, the socket).
_SKIPPED = {"request", "server_time"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, the caller's
    ``extra`` fields, and the exception's traceback as text when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", NO_REQUEST),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in _SKIPPED and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
