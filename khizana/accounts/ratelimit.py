"""Sign-in rate limiting with Django's cache: after too many failures for one user name, or from one
address, within a window, further attempts are refused without checking the password.

Settings (optional): ``KHIZANA_LOGIN_MAX_FAILURES`` (per user name, default 5),
``KHIZANA_LOGIN_MAX_FAILURES_PER_IP`` (default 20: readers of one library often share an address),
``KHIZANA_LOGIN_WINDOW`` (seconds, default 900). The window starts at the first failure.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache


def _settings() -> tuple[int, int, int]:
    return (
        getattr(settings, "KHIZANA_LOGIN_MAX_FAILURES", 5),
        getattr(settings, "KHIZANA_LOGIN_MAX_FAILURES_PER_IP", 20),
        getattr(settings, "KHIZANA_LOGIN_WINDOW", 15 * 60),
    )


def window_minutes() -> int:
    return max(1, _settings()[2] // 60)


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().casefold().encode()).hexdigest()[:32]
    return f"khizana:login-failures:{kind}:{digest}"


def client_ip(request) -> str:
    """The peer address. X-Forwarded-For is not trusted: a client could send any value in it."""
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def is_blocked(username: str, ip: str) -> bool:
    per_user, per_ip, _ = _settings()
    if username and (cache.get(_key("user", username)) or 0) >= per_user:
        return True
    return bool(ip) and (cache.get(_key("ip", ip)) or 0) >= per_ip


def _increment(key: str, window: int) -> None:
    if not cache.add(key, 1, window):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, window)


def record_failure(username: str, ip: str) -> None:
    window = _settings()[2]
    if username:
        _increment(_key("user", username), window)
    if ip:
        _increment(_key("ip", ip), window)


def record_success(username: str) -> None:
    """A successful sign-in clears the user name's failures (not the address's)."""
    if username:
        cache.delete(_key("user", username))
