"""Checking the links of the free-resource lists: each address is fetched (HEAD, then GET when the server
refuses HEAD) through the guarded outgoing session (khizana.core.outgoing: no loopback or private address
unless KHIZANA_OUTGOING_ALLOWED_HOSTS allows it), and the status kept on the entry."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from django.conf import settings
from django.utils import timezone

from khizana.core.outgoing.conf import outgoing_session
from khizana.core.outgoing.policy import OutgoingRequestRefused

from .models import FreeListEntry


@dataclass
class CheckResult:
    checked: int = 0
    broken: int = 0


def check_entry(entry: FreeListEntry, session: requests.Session | None = None) -> FreeListEntry:
    """Fetches the entry's address and saves the result: broken when refused, unreachable or 4xx/5xx."""
    session = session or outgoing_session()
    timeout = float(settings.KHIZANA_ERESOURCES_LINK_TIMEOUT)
    status: int | None = None
    error = ""
    try:
        response = session.head(entry.url, timeout=timeout, allow_redirects=True)
        if response.status_code in (403, 405, 501):  # some servers answer HEAD badly: ask again with GET
            response.close()
            response = session.get(entry.url, timeout=timeout, allow_redirects=True, stream=True)
        status = response.status_code
        response.close()
        if status >= 400:
            error = f"HTTP {status}"
    except OutgoingRequestRefused as refused:
        error = str(refused)[:500]
    except requests.RequestException as failure:
        error = f"{type(failure).__name__}: {failure}"[:500]
    entry.last_checked_at = timezone.now()
    entry.last_status = status
    entry.last_error = error
    entry.is_broken = bool(error)
    entry.save(update_fields=["last_checked_at", "last_status", "last_error", "is_broken"])
    return entry


def check_all(entries=None) -> CheckResult:
    """Checks every entry of every free list (or ``entries``)."""
    result = CheckResult()
    session = outgoing_session()
    for entry in entries if entries is not None else FreeListEntry.objects.order_by("pk").iterator():
        check_entry(entry, session)
        result.checked += 1
        result.broken += entry.is_broken
    return result
