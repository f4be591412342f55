"""The research office's page of affiliation analyses (/research/affiliations/).

Every member of staff may upload a Scopus or Web of Science export and read every report; a research
office's account reads its institution's reports only, and its officers upload exports for it
(:mod:`khizana.visibility.permissions`). Small files are analysed at once, larger ones by the
background job service; the report page shows the anomaly shares (chart and table), the institutions
and the corrections list, with CSV and XLSX downloads, and the corrections of the matches made on it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, get_language_bidi, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from khizana.visibility import permissions
from khizana.visibility.anomalies import AFFILIATION_ANOMALIES
from khizana.visibility.models import AffiliationReport
from khizana.visibility.registry.services import find_institution

from . import anomaly_texts, corrections, progress, reports, services, uploads
from .access import research_required
from .forms import AffiliationUploadForm

PAGE_SIZE = 50
INSTITUTIONS_SHOWN = 100  # the whole table is in report.csv
LABELS = {
    "not_found": gettext_lazy("institution not found"),
    "no_country": gettext_lazy("no country"),
    "variant_name": gettext_lazy("variant name"),
    "missing_parent": gettext_lazy("faculty or laboratory without its parent"),
    "country_mismatch": gettext_lazy("country inconsistent with the institution"),
    "author_name_forms": gettext_lazy("several name forms for one author identifier"),
    "author_several_ids": gettext_lazy("one name form under several identifiers"),
}
FILE_TYPES = {
    "report.csv": "text/csv; charset=utf-8",
    "corrections.csv": "text/csv; charset=utf-8",
    "corrections.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "anomalies.html": "text/html; charset=utf-8",  # downloaded (attachment), opens offline
}


@require_http_methods(["GET", "POST"])
@research_required
def affiliation_reports(request: HttpRequest) -> HttpResponse:
    may_upload = permissions.can_upload(request.user)
    if request.method == "POST" and not may_upload:
        raise PermissionDenied(_("Only the research officers of the institution may send exports."))
    form = AffiliationUploadForm(request.POST or None, request.FILES or None)
    office = permissions.office(request.user)
    if request.method == "POST" and form.is_valid():
        wanted = form.cleaned_data["institution"]
        # an office's report is its institution's; a member of staff's is the institution it names
        owner = office.institution if office and not permissions.is_staff(request.user) else None
        if owner is None and wanted.strip():
            owner = find_institution(wanted)
        report = uploads.create_report(
            request.user, form.data_bytes, form.display_name, form.detected, wanted, owner=owner
        )
        return redirect("visibility:affiliations-report", report_id=report.pk)
    visible = permissions.reports_visible(request.user).select_related("created_by", "owner")
    page = Paginator(visible, PAGE_SIZE).get_page(request.GET.get("page"))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "page": page, "may_upload": may_upload, "office": office}
    return render(request, "visibility/affiliations.html", context, status=status)


def readable_report(request: HttpRequest, report_id: int, **conditions) -> AffiliationReport:
    """The report, if the user may read it (404 when there is none, 403 when it is not theirs)."""
    report = get_object_or_404(AffiliationReport.objects.select_related("owner"), pk=report_id, **conditions)
    if not permissions.can_read_report(request.user, report):
        raise PermissionDenied(_("This report is another institution's."))
    return report


@require_GET
@research_required
def affiliation_report(request: HttpRequest, report_id: int) -> HttpResponse:
    report = readable_report(request, report_id)
    context = {
        "report": report,
        "refresh": report.status in ("queued", "running"),
        "can_correct": permissions.can_correct(request.user, report),
        "decisions": corrections.corrections_of(report),
        "office": permissions.office(request.user),
    }
    if report.status == AffiliationReport.Status.FINISHED:
        context.update(_report_context(request, report))
        if report.owner_id:
            context["owner_figures"] = progress.report_totals(report, report.owner.identifier)
    return render(request, "visibility/affiliations_report.html", context)


def _report_context(request: HttpRequest, report: AffiliationReport) -> dict:
    summary = report.summary
    total = reports.InstitutionRow("*", "", affiliations=summary["affiliations"], counts=summary["counts"])
    shares = [
        {"label": LABELS[code], "share": 100 * total.share(code), "count": total.counts[code]}
        for code in AFFILIATION_ANOMALIES
    ]
    chart = reports.anomaly_chart(
        total,
        _("Share of affiliations with each anomaly"),
        LABELS,
        language=get_language(),
        rtl=get_language_bidi(),
    )
    header, *rows = summary["institutions"]
    corrections = services.report_corrections(report.folder)
    page = Paginator(corrections, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:  # only the rows shown are translated
        row["labels"] = [LABELS.get(code, code) for code in row["anomalies"].split()]
        if row.get("texts"):  # reports stored before the texts were kept show their English
            row["explanation"], row["correction"] = anomaly_texts.texts(row["texts"])
    return {
        "summary": summary,
        "shares": shares,
        "chart": chart,
        "institutions": [_institution(row, header) for row in rows[:INSTITUTIONS_SHOWN]],
        "institutions_total": len(rows),
        "authors": [{"label": LABELS[code], "count": count} for code, count in summary["authors"].items()],
        "page": page,
        "anomaly_labels": [LABELS[code] for code in AFFILIATION_ANOMALIES],
    }


def _institution(row: list[str], header: list[str]) -> dict:
    values = dict(zip(header, row, strict=True))
    values["shares"] = [values[f"{code}_share"] for code in AFFILIATION_ANOMALIES]
    return values


@require_GET
@research_required
def report_file(request: HttpRequest, report_id: int, name: str) -> FileResponse:
    report = readable_report(request, report_id, status=AffiliationReport.Status.FINISHED)
    path = report.folder / name
    if name not in FILE_TYPES or not path.is_file():
        raise Http404(name)
    stem = f"khizana-affiliations-{report.pk}-{name}"
    return FileResponse(path.open("rb"), as_attachment=True, filename=stem, content_type=FILE_TYPES[name])
