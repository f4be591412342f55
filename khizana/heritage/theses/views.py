"""Theses: the public thesis page, and the staff pages (the school's theses, deposit, embargo)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from khizana.accounts import permissions
from khizana.accounts.decorators import staff_required
from khizana.core.vocabularies import language_name, language_tag

from . import services
from .forms import DepositForm, EmbargoForm
from .models import Thesis


def _thesis(thesis_id: int) -> Thesis:
    return get_object_or_404(
        Thesis.objects.select_related("library", "item", "record__work", "institution"), pk=thesis_id
    )


@require_safe
def thesis_page(request: HttpRequest, thesis_id: int) -> HttpResponse:
    thesis = _thesis(thesis_id)
    work = thesis.record.work if thesis.record_id else None
    context = {
        "thesis": thesis,
        "embargoed": thesis.is_embargoed(),
        "work_url": reverse("web:work", args=[work.pk]) if work else "",
        "item_url": reverse("digital-item", args=[thesis.item_id]) if thesis.item_id else "",
        "may_edit": permissions.can_write(request.user, thesis.library_id),
        "lang": language_tag(thesis.language) if thesis.language else "",
        "language": language_name(thesis.language) if thesis.language else "",
    }
    return render(request, "theses/thesis.html", context)


@staff_required
@require_safe
def staff_list(request: HttpRequest) -> HttpResponse:
    theses = list(services.theses_of(request.user)[:500])
    return render(request, "theses/staff_list.html", {"theses": theses})


@staff_required
@require_http_methods(["GET", "POST"])
def deposit(request: HttpRequest) -> HttpResponse:
    libraries = permissions.libraries_managed(request.user).order_by("code")
    form = DepositForm(request.POST or None, request.FILES or None, libraries=libraries)
    error = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["pdf"]
        try:
            thesis = services.deposit(
                request.user,
                form.cleaned_data["library"],
                form.description(),
                upload,
                upload.name,
                access=form.cleaned_data["access"],
            )
        except services.ThesisError as problem:
            error = str(problem)
        else:
            messages.success(request, _("The thesis is deposited."))
            return redirect("theses:thesis", thesis_id=thesis.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "theses/deposit.html", {"form": form, "error": error}, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def embargo(request: HttpRequest, thesis_id: int) -> HttpResponse:
    thesis = _thesis(thesis_id)
    if not permissions.can_write(request.user, thesis.library_id):
        raise PermissionDenied(_("Only the staff of the depositing library may change this embargo."))
    form = EmbargoForm(request.POST or None, initial={"embargo_until": thesis.embargo_until})
    if request.method == "POST" and form.is_valid():
        services.set_embargo(request.user, thesis, form.cleaned_data["embargo_until"])
        messages.success(request, _("The embargo is saved."))
        return redirect("theses-staff:list")
    status = 400 if request.method == "POST" else 200
    return render(request, "theses/embargo.html", {"form": form, "thesis": thesis}, status=status)
