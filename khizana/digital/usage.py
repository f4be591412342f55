"""Usage events for COUNTER R5.1: every access to a digital item, with the 30-second double-click rule."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from khizana.accounts.permissions import membership

from .models import DigitalItem, UsageEvent

DOUBLE_CLICK_SECONDS = 30
REQUEST_ACTIONS = {UsageEvent.Action.READ, UsageEvent.Action.DOWNLOAD}


def _access_type(item: DigitalItem) -> str:
    if item.access == DigitalItem.Access.OPEN:
        return UsageEvent.AccessType.OPEN
    return UsageEvent.AccessType.CONTROLLED


def _session_key(request: HttpRequest) -> str:
    """Who the double-click rule groups an anonymous access by, without making a session for it: the
    session the client already has, else COUNTER's fallback for visitors without one (IP address, user
    agent, date and hour of the day), hashed with a key from SECRET_KEY, so no address is stored."""
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        return session.session_key
    client = "|".join(
        (
            request.META.get("REMOTE_ADDR", ""),
            request.META.get("HTTP_USER_AGENT", ""),
            timezone.now().strftime("%Y-%m-%dT%H"),
        )
    )
    digest = salted_hmac("khizana.digital.usage-client", client, algorithm="sha256").hexdigest()
    return f"client:{digest[:48]}"


def record_usage(request: HttpRequest, item: DigitalItem, action: str, page: int | None = None) -> UsageEvent:
    """Record one access. A repeat of the same action on the same item by the same user or session within
    30 seconds is one event (COUNTER's double-click rule keeps the later click: its time is moved on)."""
    now = timezone.now()
    user = request.user if getattr(request.user, "is_authenticated", False) else None
    session_key = "" if user else _session_key(request)
    recent = UsageEvent.objects.filter(
        item=item,
        action=action,
        page=page,
        occurred_at__gte=now - timedelta(seconds=DOUBLE_CLICK_SECONDS),
    )
    recent = recent.filter(user=user) if user else recent.filter(user__isnull=True, session_key=session_key)
    previous = recent.order_by("-occurred_at").first()
    if previous is not None:
        previous.occurred_at = now
        previous.save(update_fields=["occurred_at"])
        return previous
    found = membership(user) if user else None
    return UsageEvent.objects.create(
        occurred_at=now,
        user=user,
        session_key=session_key,
        item=item,
        work_id=item.record.work_id,
        library_id=item.library_id,
        user_library_id=found.library_id if found else None,
        action=action,
        is_request=action in REQUEST_ACTIONS,
        access_type=_access_type(item),
        page=page,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:512],
    )
