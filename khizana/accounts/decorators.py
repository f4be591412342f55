"""View decorators and helpers shared by every staff page (staff space, harvesting, research pages)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from . import permissions


def staff_required(view):
    """Signed in (else to the sign-in page) and a staff role (else 403)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
        if not permissions.is_staff(request.user):
            raise PermissionDenied(_("This page is for the staff of member libraries."))
        return view(request, *args, **kwargs)

    return wrapper


def int_or_404(value: str | int | None) -> int:
    """An id sent by a form or a URL as a number, else 404 (never a server error)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None
