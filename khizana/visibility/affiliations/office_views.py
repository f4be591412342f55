"""The research offices' accounts page (/research/affiliations/offices/): a network administrator lists
them, creates one (a user scoped to an institution) and removes one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from khizana.visibility import permissions
from khizana.visibility.models import ResearchOffice

from . import offices
from .access import research_required
from .forms import OfficeAccountForm


def _require_manager(request: HttpRequest) -> None:
    if not permissions.can_manage_offices(request.user):
        raise PermissionDenied(_("Only network administrators manage the research offices' accounts."))


@require_http_methods(["GET", "POST"])
@research_required
def office_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = OfficeAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            office = offices.add_office(
                user, form.cleaned_data["institution"], form.cleaned_data["role"], created_by=request.user
            )
        messages.success(
            request,
            _("The account %(name)s of the research office of %(institution)s has been created.")
            % {"name": user.get_username(), "institution": office.institution.name},
        )
        return redirect("visibility:affiliations-offices")
    found = ResearchOffice.objects.select_related("user", "institution", "created_by")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "visibility/affiliations_offices.html", {"form": form, "offices": found}, status=status
    )


@require_POST
@research_required
def office_remove(request: HttpRequest, office_id: int) -> HttpResponse:
    _require_manager(request)
    office = get_object_or_404(ResearchOffice.objects.select_related("user", "institution"), pk=office_id)
    offices.remove_office(office, removed_by=request.user)
    messages.success(
        request,
        _("%(name)s no longer belongs to the research office of %(institution)s.")
        % {"name": office.user.get_username(), "institution": office.institution.name},
    )
    return redirect("visibility:affiliations-offices")
