"""The correction loop's pages: the addresses of a report with what they were matched to, one address
with the forms that link it to an institution (or create the local institution), the undo of a
decision, the list of decisions, and the analysis of a report again with the corrected registry.

Reading follows :func:`.views.readable_report`; every change asks
:func:`khizana.visibility.permissions.can_correct` (or ``can_undo``) about the report as stored.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from khizana.visibility import permissions
from khizana.visibility.anomalies import NOT_FOUND
from khizana.visibility.models import AffiliationReport, Correction, Institution
from khizana.visibility.registry import variants
from khizana.visibility.registry.services import RegistryError, find_institution, search_institutions

from . import corrections, uploads
from .access import research_required
from .forms import CorrectionForm, NewInstitutionCorrectionForm
from .views import LABELS, readable_report

PAGE_SIZE = 50
SHOWN = ("unrecognised", "anomalies", "all")
SEARCH_RESULTS = 20
FINISHED = AffiliationReport.Status.FINISHED


def _shown(row: dict, show: str) -> bool:
    if show == "unrecognised":
        return NOT_FOUND in row["anomalies"]
    if show == "anomalies":
        return bool(row["anomalies"])
    return True


@require_GET
@research_required
def addresses(request: HttpRequest, report_id: int) -> HttpResponse:
    report = readable_report(request, report_id, status=FINISHED)
    rows, complete = corrections.addresses_of(report)
    show = request.GET.get("show", "unrecognised")
    show = show if show in SHOWN else "unrecognised"
    query = request.GET.get("q", "").strip()[:200]
    folded = query.casefold()
    counts = {kind: sum(_shown(row, kind) for row in rows) for kind in SHOWN}
    found = [row for row in rows if _shown(row, show) and (not folded or folded in row["raw"].casefold())]
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    decided = corrections.in_force_by_address(report)
    for row in page.object_list:
        row["labels"] = [LABELS.get(code, code) for code in row["anomalies"]]
        row["decision"] = decided.get(row["key"])
    filters = request.GET.copy()
    filters.pop("page", None)
    context = {
        "report": report,
        "page": page,
        "show": show,
        "query": query,
        "counts": counts,
        "complete": complete,
        "filters": filters,
        "can_correct": permissions.can_correct(request.user, report),
    }
    return render(request, "visibility/affiliations_addresses.html", context)


def _address_or_404(report: AffiliationReport, key: str) -> dict:
    row = corrections.report_address(report, key)
    if row is None:
        raise Http404(key)
    return row


def _address_context(
    request: HttpRequest,
    report: AffiliationReport,
    row: dict,
    link_form: CorrectionForm | None = None,
    new_form: NewInstitutionCorrectionForm | None = None,
) -> dict:
    chosen = None
    if request.method == "GET" and request.GET.get("institution", "").isdigit():
        chosen = Institution.objects.filter(pk=int(request.GET["institution"])).first()
    query = request.GET.get("q", "").strip()[:200] if request.method == "GET" else ""
    results = list(search_institutions(query).select_related("parent")[:SEARCH_RESULTS]) if query else []
    guess = corrections.guess_written(row["raw"], chosen)
    link_form = link_form or CorrectionForm(
        initial={"institution": chosen.identifier if chosen else "", "written": guess}
    )
    new_form = new_form or NewInstitutionCorrectionForm(
        initial={"name": guess, "written": guess, "country_code": row.get("country", "")}
    )
    return {
        "report": report,
        "address": row,
        "labels": [LABELS.get(code, code) for code in row["anomalies"]],
        "parts": corrections.name_parts(row["raw"]),
        "query": query,
        "results": results,
        "chosen": chosen,
        "link_form": link_form,
        "new_form": new_form,
        "decisions": corrections.corrections_of(report).filter(address_key=row["key"]),
        "can_correct": permissions.can_correct(request.user, report),
    }


@require_GET
@research_required
def address(request: HttpRequest, report_id: int, key: str) -> HttpResponse:
    report = readable_report(request, report_id, status=FINISHED)
    row = _address_or_404(report, key)
    return render(request, "visibility/affiliations_address.html", _address_context(request, report, row))


def _correctable(request: HttpRequest, report_id: int, key: str) -> tuple[AffiliationReport, dict]:
    report = readable_report(request, report_id, status=FINISHED)
    if not permissions.can_correct(request.user, report):
        raise PermissionDenied(_("Only the research officers of the institution may correct its reports."))
    return report, _address_or_404(report, key)


def _done(request: HttpRequest, correction: Correction) -> HttpResponse:
    messages.success(
        request,
        _("“%(written)s” is now a variant of %(name)s: the next analysis recognises it.")
        % {"written": correction.written, "name": correction.institution_name},
    )
    others = variants.other_bearers(correction.written, correction.institution)
    if others:
        messages.warning(
            request,
            _("The same name is also a name of %(others)s: the matcher may recognise neither.")
            % {"others": ", ".join(f"{inst.name} ({inst.identifier})" for inst in others)},
        )
    return redirect("visibility:affiliations-addresses", report_id=correction.report_id)


@require_POST
@research_required
def address_link(request: HttpRequest, report_id: int, key: str) -> HttpResponse:
    report, row = _correctable(request, report_id, key)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        institution = find_institution(form.cleaned_data["institution"])
        if institution is None:
            form.add_error(
                "institution",
                _("“%(id)s” is not in the registry (give a ROR id, a local key or a number).")
                % {"id": form.cleaned_data["institution"]},
            )
        else:
            try:
                correction = corrections.link(
                    request.user, report, row, institution, form.cleaned_data["written"],
                    form.cleaned_data["note"],
                )  # fmt: skip
            except RegistryError as error:
                form.add_error("written", str(error))
            else:
                return _done(request, correction)
    context = _address_context(request, report, row, link_form=form)
    return render(request, "visibility/affiliations_address.html", context, status=400)


@require_POST
@research_required
def address_new_institution(request: HttpRequest, report_id: int, key: str) -> HttpResponse:
    report, row = _correctable(request, report_id, key)
    form = NewInstitutionCorrectionForm(request.POST)
    if form.is_valid():
        try:
            correction = corrections.create_and_link(
                request.user, report, row, form.service_arguments(), form.cleaned_data["written"],
                form.cleaned_data["note"],
            )  # fmt: skip
        except RegistryError as error:
            form.add_error(None, str(error))
        else:
            return _done(request, correction)
    context = _address_context(request, report, row, new_form=form)
    return render(request, "visibility/affiliations_address.html", context, status=400)


@require_POST
@research_required
def correction_undo(request: HttpRequest, correction_id: int) -> HttpResponse:
    correction = get_object_or_404(
        Correction.objects.select_related("report", "institution"), pk=correction_id
    )
    if not permissions.can_undo(request.user, correction):
        raise PermissionDenied(_("Only the research officers of the institution may undo its corrections."))
    try:
        institution_removed = corrections.undo(request.user, correction)
    except corrections.CorrectionError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The correction of “%(address)s” was undone; the next analysis no longer uses it.")
            % {"address": correction.affiliation},
        )
        if institution_removed:
            messages.success(
                request,
                _("%(name)s, created by this correction, was removed from the registry.")
                % {"name": correction.institution_name},
            )
        elif correction.created_institution and correction.institution_id:
            messages.warning(
                request,
                _("%(name)s, created by this correction, stays in the registry: other records refer to it.")
                % {"name": correction.institution_name},
            )
    if correction.report_id:
        return redirect(f"{_report_url(correction.report_id)}#decisions")
    return redirect("visibility:affiliations-corrections")


def _report_url(report_id: int) -> str:
    return reverse("visibility:affiliations-report", kwargs={"report_id": report_id})


@require_GET
@research_required
def correction_list(request: HttpRequest) -> HttpResponse:
    found = permissions.corrections_visible(request.user).select_related(
        "report", "institution", "created_by", "undone_by"
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "visibility/affiliations_corrections.html", {"page": page})


@require_POST
@research_required
def report_again(request: HttpRequest, report_id: int) -> HttpResponse:
    report = readable_report(request, report_id)
    if report.status not in (AffiliationReport.Status.FINISHED, AffiliationReport.Status.FAILED):
        raise Http404(report_id)
    if not permissions.can_correct(request.user, report):
        raise PermissionDenied(_("Only the research officers of the institution may correct its reports."))
    uploads.analyse_again(request.user, report)
    if report.status == FINISHED:
        messages.success(request, _("The export was analysed again with the registry as corrected."))
    return redirect("visibility:affiliations-report", report_id=report.pk)
