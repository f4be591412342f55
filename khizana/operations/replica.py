"""Reads from a PostgreSQL streaming replica (``DATABASE_REPLICA_URL``, the database alias "replica").

:class:`ReplicaMiddleware` decides per request, in a context variable, whether its reads may go to the
replica: only a *public read* (GET or HEAD outside the staff, admin, account and sign-on pages: the public
pages, the API's and OAI/SRU reads, the rows a search shows) from a client that has not written lately.
:class:`ReplicaRouter` then sends those reads to the replica and everything else to the primary
("default"): every write, every staff page, management commands and huey jobs (no request: no context).

- Read-your-own-writes: a request with another method (POST, PUT, DELETE…) sets the cookie
  ``khizana_primary`` for ``KHIZANA_REPLICA_PIN_SECONDS``; while it holds, that client reads the primary.
  Within one request, once something was written the rest of its reads go to the primary too, and so do
  the reads inside a transaction on the primary.
- Who the user is (sessions, users, sign-in throttling) is always read from the primary.
- Lag: ``SELECT now() - pg_last_xact_replay_timestamp()`` on the replica (0 when it has replayed all it
  received), measured at most every ``KHIZANA_REPLICA_CHECK_SECONDS`` per process; beyond
  ``KHIZANA_REPLICA_MAX_LAG`` the primary serves. Measured from the last replayed commit, it errs on the
  side of the primary when the primary was idle before a write.
- Down: a connection error marks the replica down for ``KHIZANA_REPLICA_RETRY_SECONDS``; a public read
  that failed with a database error after reading the replica (its connection cut, a query the standby
  cancelled) is run again on the primary (its view is called a second time), so readers get no error page.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

ALIAS = "replica"
PRIMARY = "default"
PIN_COOKIE = "khizana_primary"
READ_METHODS = frozenset({"GET", "HEAD"})
# Who the user is and whether they may sign in: never read from a copy that may be behind.
PRIMARY_APPS = frozenset({"sessions", "auth", "axes"})
LAG_SQL = (
    "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
    " ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
)


@dataclass
class Route:
    """What the current request may do: read the replica; whether it did."""

    replica: bool
    used_replica: bool = False


_route: ContextVar[Route | None] = ContextVar("khizana_replica_route", default=None)


def replica_configured() -> bool:
    return ALIAS in settings.DATABASES


# ---- which requests may read the replica ------------------------------------------------------------


def is_public_read(request: HttpRequest) -> bool:
    """GET or HEAD of a page that is neither a staff page (a ``staff`` segment anywhere in its path) nor
    under ``KHIZANA_REPLICA_PRIMARY_PATHS`` (admin, account, sign-on)."""
    if request.method not in READ_METHODS:
        return False
    path = request.path_info
    if any(path.startswith(prefix) for prefix in settings.KHIZANA_REPLICA_PRIMARY_PATHS):
        return False
    return "staff" not in path.strip("/").split("/")


def is_pinned(request: HttpRequest, now: float | None = None) -> bool:
    """Whether the client wrote within the last ``KHIZANA_REPLICA_PIN_SECONDS`` (its cookie says until
    when; a value further away than that is not believed)."""
    now = time.time() if now is None else now
    try:
        until = float(request.COOKIES.get(PIN_COOKIE, ""))
    except ValueError:
        return False
    return now < until <= now + settings.KHIZANA_REPLICA_PIN_SECONDS


def pin(response: HttpResponse, now: float | None = None) -> None:
    """Send this client's reads to the primary for the next ``KHIZANA_REPLICA_PIN_SECONDS``."""
    seconds = settings.KHIZANA_REPLICA_PIN_SECONDS
    until = (time.time() if now is None else now) + seconds
    response.set_cookie(
        PIN_COOKIE,
        f"{until:.3f}",
        max_age=math.ceil(seconds),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# ---- is the replica fit to read ---------------------------------------------------------------------


class ReplicaHealth:
    """The replica's lag as last measured by this process, and until when it is taken for down."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.lock = threading.Lock()
        self.checked_at = -math.inf
        self.lag: float | None = None
        self.down_until = -math.inf

    def usable(self) -> bool:
        now = self.clock()
        with self.lock:
            if now < self.down_until:
                return False
            fresh = now - self.checked_at < settings.KHIZANA_REPLICA_CHECK_SECONDS
            if fresh:
                return self._within_lag()
        self.measure()
        with self.lock:
            return self.clock() >= self.down_until and self._within_lag()

    def _within_lag(self) -> bool:
        return self.lag is not None and self.lag <= settings.KHIZANA_REPLICA_MAX_LAG

    def measure(self) -> float | None:
        """Ask the replica its lag now (seconds; None: unknown, or the replica is down)."""
        try:
            with connections[ALIAS].cursor() as cursor:
                cursor.execute(LAG_SQL)
                recovering, lag = cursor.fetchone()
        except DatabaseError as problem:
            self.mark_down(problem)
            return None
        measured = 0.0 if not recovering else (None if lag is None else float(lag))
        with self.lock:
            was_fit = self._within_lag()
            self.lag, self.checked_at = measured, self.clock()
            if was_fit and not self._within_lag():
                logger.warning("read replica behind by %s s: reading the primary", measured)
            elif self._within_lag() and not was_fit:
                logger.info("read replica fit to read (behind by %s s)", measured)
        return measured

    def mark_down(self, problem: Exception) -> None:
        retry = settings.KHIZANA_REPLICA_RETRY_SECONDS
        with self.lock:
            self.down_until = self.clock() + retry
            self.lag = None
        logger.warning("read replica unavailable (%s): reading the primary for %s s", problem, retry)
        _forget_connection()


def _forget_connection() -> None:
    with contextlib.suppress(DatabaseError):
        connections[ALIAS].close()


health = ReplicaHealth()


# ---- the router and the middleware -------------------------------------------------------------------


class ReplicaRouter:
    """DATABASE_ROUTERS entry: public reads to the replica when it is fit, all else to the primary."""

    def db_for_read(self, model, **hints) -> str:
        route = _route.get()
        if (
            route is not None
            and route.replica
            and model._meta.app_label not in PRIMARY_APPS
            and not connections[PRIMARY].in_atomic_block
            and health.usable()
        ):
            route.used_replica = True
            return ALIAS
        return PRIMARY

    def db_for_write(self, model, **hints) -> str:
        route = _route.get()
        if route is not None:
            route.replica = False  # what this request reads next, it reads where it wrote
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # one database and its copy

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db == PRIMARY  # the replica follows the primary's WAL, schema included


class ReplicaMiddleware:
    """Sets the request's route, pins clients that write to the primary, and runs a public read again on
    the primary when the replica failed under it. Not loaded without ``DATABASE_REPLICA_URL``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not replica_configured():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _route.set(Route(replica=is_public_read(request) and not is_pinned(request)))
        try:
            response = self.get_response(request)
        finally:
            _route.reset(token)
        if request.method not in READ_METHODS and request.method != "OPTIONS":
            pin(response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        route = _route.get()
        if (
            route is None
            or not route.used_replica
            or not isinstance(exception, OperationalError | InterfaceError)
        ):
            return None
        match = request.resolver_match
        if match is None:
            return None
        # A connection cut under the request, or a query the standby cancelled (a conflict with recovery):
        # measure again on a new connection (down: left alone for a while), and read this page from the
        # primary. Failing there too, the error is shown as it is.
        _forget_connection()
        health.measure()
        route.replica = False
        logger.warning(
            "%s %s failed on the read replica (%s): run again on the primary",
            request.method,
            request.path,
            exception,
        )
        response = match.func(request, *match.args, **match.kwargs)
        if callable(getattr(response, "render", None)):
            response = response.render()
        return response
