"""Sign-in throttling for every sign-in form (readers', staff's, the admin's), with django-axes: failures are
counted in the database, so every worker process sees the same counts and a restart resets nothing.

Two counts, each over a window that restarts at the last failure (``KHIZANA_LOGIN_WINDOW`` seconds):
- per address (``KHIZANA_LOGIN_MAX_FAILURES_PER_IP``): it comes first, so that one attacker guessing
  from one address is stopped before the account they try is blocked;
- per account (``KHIZANA_LOGIN_MAX_FAILURES``, higher): against guessing spread over many addresses.
An account blocked that way can be blocked by whoever knows its name, so its owner gets in through a
password reset, which clears the account's failures. A successful sign-in clears that account's failures
from that address only (an attacker's own account never clears its failures on another's).
"""

from __future__ import annotations

from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models import Sum
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def client_ip(request) -> str:
    """The peer address. X-Forwarded-For is not trusted: a client could send any value in it."""
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def username_key(request: HttpRequest | None, credentials: dict | None) -> str:
    """The name counted for an attempt: as typed, without surrounding spaces, case folded."""
    name = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD) or ""
    return str(name).strip().casefold()


def window() -> timedelta:
    return timedelta(seconds=settings.KHIZANA_LOGIN_WINDOW)


def window_minutes() -> int:
    return max(1, settings.KHIZANA_LOGIN_WINDOW // 60)


def _failures(**lookup: str) -> int:
    since = timezone.now() - window()
    total = AccessAttempt.objects.filter(attempt_time__gte=since, **lookup).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return total or 0


def failure_limit(request: HttpRequest | None = None, credentials: dict | None = None) -> int:
    """axes' one limit: the address's (the account's count is scaled to it, see SigninThrottle)."""
    return settings.KHIZANA_LOGIN_MAX_FAILURES_PER_IP


class SigninThrottle(AxesDatabaseHandler):
    """axes' database handler with one limit per address and another, higher, per account.

    axes compares one number with one limit, so the account's failures are put on the address's scale:
    ``account_failures * per_ip // per_account`` reaches ``per_ip`` exactly when the account reaches its own
    limit."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        ip = getattr(request, "axes_ip_address", None) or client_ip(request)
        username = get_client_username(request, credentials) or ""
        by_address = _failures(ip_address=ip) if ip else 0
        by_account = _failures(username=username) if username else 0
        per_ip, per_account = settings.KHIZANA_LOGIN_MAX_FAILURES_PER_IP, settings.KHIZANA_LOGIN_MAX_FAILURES
        return max(by_address, by_account * per_ip // max(1, per_account))


def clear_account(username: str) -> None:
    """Forget an account's failures from every address (its owner has just reset the password)."""
    AccessAttempt.objects.filter(username=username.strip().casefold()).delete()


@receiver(user_logged_in)
def _clear_own_failures(sender, request, user, **kwargs) -> None:
    if request is not None:
        AccessAttempt.objects.filter(
            username=user.get_username().strip().casefold(), ip_address=client_ip(request)
        ).delete()


def locked_out(request: HttpRequest, credentials: dict | None = None, *args, **kwargs) -> HttpResponse:
    """The answer to a sign-in attempt refused by the throttle (429, the same page for every form)."""
    context = {"minutes": window_minutes()}
    return render(request, "registration/locked_out.html", context, status=429)
