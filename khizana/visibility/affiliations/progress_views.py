"""Progress over time (/research/affiliations/progress/): an institution's share of publications with a
correct, complete affiliation per report and per publication year, before and after the corrections,
as charts with their figures in a table beside each (:mod:`.progress`).

A research office sees its own institution's progress, from its own reports; staff see any
institution's, from every report naming it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from khizana.core.charts import Chart, Group, grouped_column_chart
from khizana.visibility import permissions
from khizana.visibility.models import AffiliationReport, Institution
from khizana.visibility.registry.services import find_institution

from . import progress
from .access import research_required


def _percent(value: float) -> str:
    return f"{number_format(value, 1)} %"


def _chart(groups: list[Group], title: str, chart_id: str) -> Chart:
    return grouped_column_chart(
        groups,
        [_("before corrections"), _("after corrections")],
        title=title,
        chart_id=chart_id,
        number=_percent,
        value_title="%",
        top=100,
        language=get_language(),
        rtl=get_language_bidi(),
    )


@require_GET
@research_required
def progress_index(request: HttpRequest) -> HttpResponse:
    office = permissions.office(request.user)
    if not permissions.is_staff(request.user):
        return redirect("visibility:affiliations-progress-institution", institution_id=office.institution_id)
    wanted = request.GET.get("institution", "").strip()[:200]
    error = ""
    if wanted:
        found = find_institution(wanted)
        if found is not None:
            return redirect("visibility:affiliations-progress-institution", institution_id=found.pk)
        error = _("“%(id)s” is not in the registry (give a ROR id, a local key or a number).") % {
            "id": wanted
        }
    institutions = progress.institutions_with_reports(permissions.reports_visible(request.user))
    context = {"institutions": institutions, "wanted": wanted, "error": error}
    return render(
        request, "visibility/affiliations_progress_index.html", context, status=400 if error else 200
    )


@require_GET
@research_required
def progress_institution(request: HttpRequest, institution_id: int) -> HttpResponse:
    institution = get_object_or_404(Institution, pk=institution_id)
    if not permissions.can_read_progress(request.user, institution):
        raise PermissionDenied(_("This is another institution's progress."))
    reports = permissions.reports_visible(request.user).filter(status=AffiliationReport.Status.FINISHED)
    series = progress.per_report(institution, reports)
    context: dict = {"institution": institution, "series": series}
    if series:
        rows = [
            {"report": report, "figures": figures, "label": _report_label(report)}
            for report, figures in series
        ]
        context["report_rows"] = rows
        context["report_chart"] = _chart(
            [
                Group(
                    row["label"],
                    (row["figures"].share_before, row["figures"].share_after),
                    f"#{row['report'].pk}",
                )
                for row in rows
            ],
            _("Share of publications with a correct, complete affiliation, per report"),
            "per-report",
        )
        chosen_id = request.GET.get("report", "")
        chosen = next((r for r, _f in series if str(r.pk) == chosen_id), series[-1][0])
        years = progress.per_year(institution, chosen)
        context["chosen"] = chosen
        context["year_rows"] = [
            {"year": year, "label": str(year) if year else _("year unknown"), "figures": figures}
            for year, figures in years
        ]
        context["year_chart"] = _chart(
            [
                Group(
                    row["label"],
                    (row["figures"].share_before, row["figures"].share_after),
                    str(row["year"] or "?"),
                )
                for row in context["year_rows"]
            ],
            _("Share of publications with a correct, complete affiliation, per publication year"),
            "per-year",
        )
    return render(request, "visibility/affiliations_progress.html", context)


def _report_label(report: AffiliationReport) -> str:
    return _("Report %(number)s, %(file)s, %(date)s") % {
        "number": report.pk,
        "file": report.filename,
        "date": date_format(report.created_at, "SHORT_DATE_FORMAT"),
    }
