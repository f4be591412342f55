"""Load shedding and fair use: two middlewares (after AuthenticationMiddleware in settings.MIDDLEWARE).

``RateLimitMiddleware`` (``KHIZANA_RATE_*``): each request of a class (search, API, other pages) counts
against one budget per window (khizana/operations/ratelimit.py keeps the counts where every worker sees
them): a signed-in user's own, else its address's (an IPv6 address by its /64, the network a household
or an office is given), and every client whose user agent is on the COUNTER robots list (the list
khizana/digital/counter reads) shares one smaller budget, so crawlers cannot spend readers' capacity.
Over budget: 429 with Retry-After (the seconds until the window ends). Staff are not limited.

``ConcurrencyGateMiddleware`` (``KHIZANA_SHED_*``): at most ``KHIZANA_SHED_MAX_INFLIGHT`` requests of
this process run at once; a request that cannot get a slot within ``KHIZANA_SHED_WAIT_MS`` is answered
503 with Retry-After at once instead of waiting for seconds in a queue. ``KHIZANA_SHED_RESERVED`` of the
slots are kept for signed-in members and staff (they also wait longer), and robots hold at most
``KHIZANA_SHED_ROBOT_SLOTS``. It needs a server that hands it more requests than slots: gunicorn with
``--threads`` above the limit (``make run``); with one thread a worker never sees two requests at once.

Static files (served earlier by whitenoise), health checks and metrics (``KHIZANA_SHED_EXEMPT_PATHS``)
are neither counted nor gated. X-Forwarded-For is believed only from ``KHIZANA_RATE_TRUSTED_PROXIES``.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from khizana.digital.counter.metrics import RobotFilter
from khizana.operations import ratelimit

SEARCH, API, PAGES = "search", "api", "pages"
ROBOT, GENERAL, PRIORITY = "robot", "general", "priority"

_is_robot = RobotFilter()


# --- who is asking, and for what -------------------------------------------------------------------


def request_class(path: str) -> str | None:
    """search, api or pages; None for what is never limited (health, metrics, static files)."""
    if path.startswith(tuple(settings.KHIZANA_SHED_EXEMPT_PATHS)):
        return None
    if path.startswith(tuple(settings.KHIZANA_RATE_SEARCH_PATHS)):
        return SEARCH
    if path.startswith(tuple(settings.KHIZANA_RATE_API_PATHS)):
        return API
    return PAGES


def _parse_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip().split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    try:
        return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)
    except ValueError as error:
        raise ImproperlyConfigured(f"KHIZANA_RATE_TRUSTED_PROXIES: {error}") from None


def _trusted(address, proxies: list[str]) -> bool:
    return any(address in network for network in _networks(tuple(proxies)))


def client_address(meta: dict, proxies: list[str]) -> str:
    """The client's address: the peer (REMOTE_ADDR), unless the peer is a trusted proxy; then the last
    address of X-Forwarded-For that is not a trusted proxy (the one the nearest trusted proxy saw).
    Everything before it in the header was written by the client and proves nothing."""
    peer = _parse_address(meta.get("REMOTE_ADDR", ""))
    if peer is None:
        return meta.get("REMOTE_ADDR", "") or "unknown"
    if not proxies or not _trusted(peer, proxies):
        return str(peer)
    for hop in reversed(meta.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _parse_address(hop)
        if address is None:
            break
        if not _trusted(address, proxies):
            return str(address)
    return str(peer)


def address_key(address: str) -> str:
    """What one client is counted as: an IPv4 address, or the /64 network of an IPv6 address."""
    parsed = _parse_address(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed) if parsed is not None else address


def _signed_in_user(request: HttpRequest):
    """The signed-in user, asking the session store only when the request carries a session cookie."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return None
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def is_staff(user) -> bool:
    membership = _membership(user)
    return bool(user.is_staff or user.is_superuser or (membership is not None and membership.is_staff_role))


def _membership(user):
    try:
        return user.membership
    except Exception:  # no membership row
        return None


def has_priority(user) -> bool:
    """Signed-in staff and verified members keep slots when the server is saturated."""
    if user is None:
        return False
    membership = _membership(user)
    return is_staff(user) or (membership is not None and membership.is_verified)


def refusal(request: HttpRequest, status: int, retry_after: int) -> HttpResponse:
    """429 (over budget) or 503 (saturated): a short page in the reader's language, JSON for the API."""
    seconds = max(1, int(retry_after))
    if status == 429:
        title = _("Too many requests")
        text = _("You have made too many requests in a short time. Please try again in %(seconds)s seconds.")
    else:
        title = _("The server is busy")
        text = _(
            "Too many people are using Khizana right now. Please try again in %(seconds)s seconds. "
            "Signed-in members keep priority."
        )
    text = text % {"seconds": seconds}
    if request_class(request.path) == API or "json" in request.headers.get("Accept", ""):
        response = JsonResponse({"detail": text, "retry_after": seconds}, status=status)
    else:
        response = HttpResponse(_page(title, text), status=status)
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    # Not one warning (429) or error (503) line per refused request in Django's log: under a crawler's
    # load that would be thousands a minute (the access log still has each request).
    response._has_been_logged = True
    return response


_PAGE = (
    '<!doctype html>\n<html lang="{lang}" dir="{dir}">\n<head>\n<meta charset="utf-8">\n'
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    '<meta name="robots" content="noindex">\n'
    "<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;"
    "line-height:1.5}}</style>\n<title>{title} · Khizana</title>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n"
    '<p>{text}</p>\n<p><a href="/">{home}</a></p>\n</main>\n</body>\n</html>\n'
)


def _page(title: str, text: str) -> str:
    """The refusal page, in the request's language: built without the template engine, since a crawler
    may be refused hundreds of times a second."""
    return format_html(
        _PAGE,
        lang=translation.get_language() or settings.LANGUAGE_CODE,
        dir="rtl" if translation.get_language_bidi() else "ltr",
        title=title,
        text=text,
        home=_("Back to the home page"),
    )


# --- rate limits -------------------------------------------------------------------------------------


def budget(request: HttpRequest, kind: str, user) -> tuple[str, int]:
    """The counter this request counts against and its limit per window."""
    name = kind.upper()
    if _is_robot(request.headers.get("User-Agent")):
        return f"robots:{kind}", getattr(settings, f"KHIZANA_RATE_{name}_ROBOTS")
    if user is not None:
        return f"user:{user.pk}:{kind}", getattr(settings, f"KHIZANA_RATE_{name}_PER_USER")
    address = address_key(client_address(request.META, settings.KHIZANA_RATE_TRUSTED_PROXIES))
    return f"address:{address}:{kind}", getattr(settings, f"KHIZANA_RATE_{name}_PER_ADDRESS")


# Counters this process has seen over their limit, with the end of that window: until then the answer
# is 429 without asking the store again (a count only grows within its window).
_over: dict[tuple[str, str, int], float] = {}


def count_hit(key: str, limit: int) -> int | None:
    """Seconds to wait when ``key`` is over ``limit`` in the present window, else None (counted)."""
    store, now = settings.KHIZANA_RATE_STORE, time.time()
    until = _over.get((store, key, limit))
    if until is not None and until > now:
        return max(1, math.ceil(until - now))
    counted = ratelimit.hit(store, key, settings.KHIZANA_RATE_WINDOW)
    if counted is None or counted[0] <= limit:
        return None
    if len(_over) > 10_000:
        _over.clear()
    _over[(store, key, limit)] = now + counted[1]
    return counted[1]


class RateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        _networks(tuple(settings.KHIZANA_RATE_TRUSTED_PROXIES))  # a bad one is said at start-up

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self.check(request) if settings.KHIZANA_RATE_ENABLED else None
        return refused if refused is not None else self.get_response(request)

    def check(self, request: HttpRequest) -> HttpResponse | None:
        kind = request_class(request.path)
        if kind is None:
            return None
        user = _signed_in_user(request)
        if user is not None and is_staff(user):
            return None
        key, limit = budget(request, kind, user)
        wait = count_hit(key, limit)
        return None if wait is None else refusal(request, 429, wait)


# --- the concurrency gate ----------------------------------------------------------------------------


class Gate:
    """The slots of one process: ``limit`` in all, ``reserved`` of them for priority requests only,
    at most ``robot_slots`` held by robots."""

    def __init__(self, limit: int, reserved: int, robot_slots: int):
        if limit < 1 or not 0 <= reserved < limit:
            raise ValueError(
                f"KHIZANA_SHED_MAX_INFLIGHT={limit} must be at least 1 and above "
                f"KHIZANA_SHED_RESERVED={reserved}"
            )
        self.caps = {PRIORITY: limit, GENERAL: limit - reserved, ROBOT: min(robot_slots, limit - reserved)}
        self.robot_cap = self.caps[ROBOT]
        self.in_flight = 0
        self.robots = 0
        self._condition = threading.Condition()

    def _free(self, tier: str) -> bool:
        if tier == ROBOT and self.robots >= self.robot_cap:
            return False
        return self.in_flight < self.caps[tier]

    def acquire(self, tier: str, timeout: float) -> bool:
        with self._condition:
            if not self._condition.wait_for(lambda: self._free(tier), timeout):
                return False
            self.in_flight += 1
            self.robots += tier == ROBOT
            return True

    def release(self, tier: str) -> None:
        with self._condition:
            self.in_flight -= 1
            self.robots -= tier == ROBOT
            self._condition.notify_all()


_gates: dict[tuple[int, int, int], Gate] = {}
_gates_lock = threading.Lock()


def gate() -> Gate:
    """This process's gate for the present settings."""
    shape = (
        settings.KHIZANA_SHED_MAX_INFLIGHT,
        settings.KHIZANA_SHED_RESERVED,
        settings.KHIZANA_SHED_ROBOT_SLOTS,
    )
    with _gates_lock:
        if shape not in _gates:
            _gates[shape] = Gate(*shape)
        return _gates[shape]


def tier_of(request: HttpRequest) -> str:
    if has_priority(_signed_in_user(request)):
        return PRIORITY
    return ROBOT if _is_robot(request.headers.get("User-Agent")) else GENERAL


class ConcurrencyGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        try:
            gate()  # impossible slot counts are said at start-up, not at the first request
        except ValueError as error:
            raise ImproperlyConfigured(str(error)) from None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.KHIZANA_SHED_ENABLED or request_class(request.path) is None:
            return self.get_response(request)
        tier = tier_of(request)
        wait = settings.KHIZANA_SHED_PRIORITY_WAIT_MS if tier == PRIORITY else settings.KHIZANA_SHED_WAIT_MS
        slots = gate()
        if not slots.acquire(tier, wait / 1000):
            return refusal(request, 503, settings.KHIZANA_SHED_RETRY_AFTER)
        try:
            return self.get_response(request)
        finally:
            slots.release(tier)
