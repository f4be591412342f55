"""Staff pages of subject suggestions (/staff/ai/subjects/): a library's records without subjects with the
coverage of its catalogue, and one record's suggestions with their scores and why, to accept or reject.
Every page and write is for the staff of the record's library (network administrators: every library);
the decisions go through :mod:`khizana.ai.subjects`, which checks them again."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from khizana.accounts import permissions
from khizana.accounts.decorators import int_or_404, staff_required
from khizana.catalog.models import SourceRecord
from khizana.libraries.models import Library

from . import subjects
from .annif_cli import AnnifError
from .models import SubjectSuggestion


def _library(request: HttpRequest) -> Library:
    managed = permissions.libraries_managed(request.user).order_by("code")
    code = request.GET.get("library", "")
    library = managed.filter(code=code).first() if code else managed.first()
    if library is None:
        raise PermissionDenied(_("You manage no library."))
    return library


def _own_record(request: HttpRequest, record_id) -> SourceRecord:
    record = get_object_or_404(SourceRecord.objects.select_related("library"), pk=int_or_404(record_id))
    if not permissions.can_write(request.user, record.library_id):
        raise PermissionDenied(_("Only the staff of the record's library may see its suggestions."))
    return record


@require_safe
@staff_required
def records(request: HttpRequest) -> HttpResponse:
    library = _library(request)
    lacking = subjects.records_without_subjects(library).order_by("id").only("id", "title", "local_id")
    page = Paginator(lacking, 50).get_page(request.GET.get("page"))
    counts = dict(
        SubjectSuggestion.objects.filter(record__in=page.object_list)
        .values_list("record")
        .order_by()
        .annotate(n=Count("id"))
    )
    return render(
        request,
        "ai/staff/subjects.html",
        {
            "library": library,
            "libraries": permissions.libraries_managed(request.user).order_by("code"),
            "coverage": subjects.coverage(library),
            "page": page,
            "rows": [(record, counts.get(record.pk, 0)) for record in page.object_list],
        },
    )


@require_safe
@staff_required
def record(request: HttpRequest, record_id: int) -> HttpResponse:
    found = _own_record(request, record_id)
    suggestions = list(SubjectSuggestion.objects.filter(record=found).order_by("-score")[:5])
    decided = SubjectSuggestion.objects.filter(record=found).exclude(
        status=SubjectSuggestion.Status.SUGGESTED
    )
    return render(
        request,
        "ai/staff/record.html",
        {
            "record": found,
            "fields": found.fields,
            "suggestions": suggestions,
            "decided": decided.exclude(pk__in=[s.pk for s in suggestions]),
        },
    )


@require_POST
@staff_required
def suggest(request: HttpRequest, record_id: int) -> HttpResponse:
    found = _own_record(request, record_id)
    try:
        report = subjects.suggest_for_record(request.user, found)
    except AnnifError as error:
        messages.error(request, _("Annif could not suggest subjects: %(error)s") % {"error": error})
    else:
        if not report.suggestions:
            messages.warning(
                request, _("No suggestion: no trained project for the record's language, or no text.")
            )
    return redirect("ai-staff:subjects-record", found.pk)


@require_POST
@staff_required
def decide(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    decision = request.POST.get("decision", "")
    if decision not in ("accept", "reject"):
        messages.error(
            request, _("The decision must be accept or reject, not %(value)r.") % {"value": decision}
        )
        suggestion = get_object_or_404(SubjectSuggestion, pk=int_or_404(suggestion_id))
        return redirect("ai-staff:subjects-record", _own_record(request, suggestion.record_id).pk)
    try:
        suggestion = subjects.decide(request.user, int_or_404(suggestion_id), accept=decision == "accept")
    except subjects.SubjectsError:
        return HttpResponse(status=404)
    messages.success(
        request,
        (_("Accepted: %(heading)s") if decision == "accept" else _("Rejected: %(heading)s"))
        % {"heading": suggestion.heading},
    )
    return redirect("ai-staff:subjects-record", suggestion.record_id)


@require_POST
@staff_required
def suggest_library(request: HttpRequest) -> HttpResponse:
    """Batch mode: every record without subjects of one of the user's libraries, in the job queue."""
    code = request.POST.get("library", "")
    library = Library.objects.filter(code=code).first()
    if library is None:
        messages.error(request, _("No library with the code %(code)r.") % {"code": code})
        return redirect("ai-staff:subjects")
    if not permissions.can_write(request.user, library):
        raise PermissionDenied(_("Only the staff of the library may ask for its suggestions."))
    from .subjects_tasks import suggest_for_library_job

    suggest_for_library_job(library.pk)
    messages.success(request, _("Suggestions for the records without subjects are being made."))
    return redirect(f"{reverse('ai-staff:subjects')}?library={library.code}")
