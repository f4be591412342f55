"""The gate of every affiliation reports page: signed in (else to the sign-in page), and a member of
staff or of a research office (else 403). Each view then asks :mod:`khizana.visibility.permissions`
about the report or the correction it shows or changes."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from khizana.visibility import permissions


def research_required(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
        if not permissions.may_enter(request.user):
            raise PermissionDenied(_("This page is for the staff of member libraries and research offices."))
        return view(request, *args, **kwargs)

    return wrapper
