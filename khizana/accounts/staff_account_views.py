"""The staff accounts pages of the staff space (/staff/users/): a library administrator lists and creates
the staff accounts of their library (a network administrator: of every library). Mounted in the "staff"
namespace by :mod:`khizana.staff.urls`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from khizana.libraries.models import Library

from . import permissions
from .audit import audit
from .decorators import int_or_404, staff_required
from .forms import StaffAccountForm
from .models import Membership, Role


def _staff_libraries(request) -> list[Library]:
    return [
        lib
        for lib in permissions.libraries_managed(request.user)
        if permissions.can_manage_staff(request.user, lib)
    ]


@require_GET
@staff_required
def user_list(request: HttpRequest) -> HttpResponse:
    libraries = _staff_libraries(request)
    if not libraries:
        raise PermissionDenied(_("Only a library administrator manages staff accounts."))
    members = (
        Membership.objects.filter(library__in=libraries, role__in=[Role.CATALOGUER, Role.LIBRARY_ADMIN])
        .select_related("user", "library")
        .order_by("library__code", "user__username")
    )
    return render(request, "staff/user_list.html", {"members": members})


@require_http_methods(["GET", "POST"])
@staff_required
def user_create(request: HttpRequest) -> HttpResponse:
    libraries = _staff_libraries(request)
    if not libraries:
        raise PermissionDenied(_("Only a library administrator manages staff accounts."))
    roles = permissions.roles_grantable(request.user)
    if request.method == "POST":
        library = get_object_or_404(Library, pk=int_or_404(request.POST.get("library")))
        if not permissions.can_manage_staff(request.user, library):
            raise PermissionDenied(_("You cannot create accounts for this library."))
        if request.POST.get("role") not in roles:
            raise PermissionDenied(_("You cannot give this role."))
    queryset = Library.objects.filter(pk__in=[lib.pk for lib in libraries])
    form = StaffAccountForm(request.POST or None, libraries=queryset, roles=roles)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            audit(
                request.user,
                form.cleaned_data["library"],
                "create-staff",
                user.username,
                role=form.cleaned_data["role"],
            )
        messages.success(request, _("The account %(name)s has been created.") % {"name": user.username})
        return redirect("staff:users")
    return render(request, "staff/user_create.html", {"form": form})
