"""Staff pages of usage harvesting (/resources/staff/usage/): a resource's SUSHI accounts, the status of
each harvested month with its errors, the upload of a report file; the usage page (usage, cost per use and
trends, as charts with their tables, and CSV / Excel exports of the same numbers).

Library administrators see and manage their institution's accounts and usage; network administrators
everything. Every write goes through :mod:`.services`, which checks the institution again."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khizana.accounts.decorators import int_or_404, staff_required
from khizana.core.charts import Group, line_chart

from .. import services as registry
from ..forms import administered_libraries
from ..models import Resource, SushiAccount, UsageHarvest
from . import services
from .costs import UsageLine, usage_lines
from .forms import SushiAccountForm, UsagePeriodForm, UsageUploadForm
from .reader import ReportFileError


def _admin_only(request: HttpRequest) -> None:
    if not registry.may_enter_staff_pages(request.user):
        raise PermissionDenied(_("These pages are for library and network administrators."))


def _status_page(
    request: HttpRequest, resource: Resource, *, account_form=None, upload_form=None, status=200
):
    accounts = services.accounts_visible(request.user, resource)
    harvests = services.harvests_visible(request.user, resource).order_by(
        "library__code", "-month", "report_id"
    )
    context = {
        "resource": resource,
        "accounts": accounts,
        "harvests": harvests[:600],
        "problems": harvests.filter(
            status__in=[UsageHarvest.Status.FAILED, UsageHarvest.Status.QUEUED]
        ).count(),
        "account_form": account_form or SushiAccountForm(user=request.user, prefix="account"),
        "upload_form": upload_form or UsageUploadForm(user=request.user, prefix="upload"),
    }
    return render(request, "eresources/staff/usage/resource.html", context, status=status)


@require_GET
@staff_required
def resource_usage(request: HttpRequest, pk: str) -> HttpResponse:
    _admin_only(request)
    resource = get_object_or_404(Resource, pk=int_or_404(pk))
    return _status_page(request, resource)


@require_http_methods(["GET", "POST"])
@staff_required
def account_edit(request: HttpRequest, pk: str, account_pk: str | None = None) -> HttpResponse:
    _admin_only(request)
    resource = get_object_or_404(Resource, pk=int_or_404(pk))
    account = None
    before = services.NEW
    if account_pk is not None:
        account = get_object_or_404(SushiAccount, pk=int_or_404(account_pk), resource=resource)
        if not services.may_manage_account(request.user, account.library_id):
            raise PermissionDenied(_("This belongs to another library."))
        before = account.library_id
    data = request.POST if request.method == "POST" else None
    form = SushiAccountForm(
        data, instance=account or SushiAccount(resource=resource), user=request.user, prefix="account"
    )
    if data is not None and form.is_valid():
        services.save_account(request.user, form, before_library_id=before)
        messages.success(request, _("Saved."))
        return redirect("eresources:staff-usage-resource", pk=resource.pk)
    if account is None and data is not None:
        return _status_page(request, resource, account_form=form, status=400)
    context = {"resource": resource, "account": account, "form": form}
    return render(request, "eresources/staff/usage/account.html", context, status=400 if form.errors else 200)


@require_POST
@staff_required
def account_delete(request: HttpRequest, pk: str, account_pk: str) -> HttpResponse:
    _admin_only(request)
    account = get_object_or_404(SushiAccount, pk=int_or_404(account_pk), resource_id=int_or_404(pk))
    services.delete_account(request.user, account)
    messages.success(request, _("Deleted."))
    return redirect("eresources:staff-usage-resource", pk=account.resource_id)


@require_POST
@staff_required
def account_harvest(request: HttpRequest, pk: str, account_pk: str) -> HttpResponse:
    _admin_only(request)
    account = get_object_or_404(SushiAccount, pk=int_or_404(account_pk), resource_id=int_or_404(pk))
    services.request_harvest(request.user, account)
    messages.success(request, _("Harvest queued: the months not harvested yet will be asked for."))
    return redirect("eresources:staff-usage-resource", pk=account.resource_id)


@require_POST
@staff_required
def upload(request: HttpRequest, pk: str) -> HttpResponse:
    _admin_only(request)
    resource = get_object_or_404(Resource, pk=int_or_404(pk))
    form = UsageUploadForm(request.POST, request.FILES, user=request.user, prefix="upload")
    if form.is_valid():
        library = form.cleaned_data["library"]
        upload_file = form.cleaned_data["file"]
        try:
            result = services.upload_report(
                request.user, resource, library.pk if library else None, upload_file.read(), upload_file.name
            )
        except ReportFileError as error:
            form.add_error("file", str(error))
        else:
            messages.success(
                request,
                _("%(report)s loaded: %(rows)s counts for %(months)s months (%(first)s to %(last)s).")
                % {
                    "report": result.report_id,
                    "rows": result.rows,
                    "months": len(result.months),
                    "first": result.months[0],
                    "last": result.months[-1],
                },
            )
            return redirect("eresources:staff-usage-resource", pk=resource.pk)
    return _status_page(request, resource, upload_form=form, status=400)


# --- the usage page ---------------------------------------------------------------------------------------


def _default_period() -> tuple[str, str]:
    """The twelve months that have ended."""
    end = services.last_ended_month()
    year, month = int(end[:4]), int(end[5:])
    begin = f"{year:04d}-01" if month == 12 else f"{year - 1:04d}-{month + 1:02d}"
    return begin, end


def _lines(request: HttpRequest, form: UsagePeriodForm) -> list[UsageLine]:
    network = registry.may_manage_network(request.user)
    resources = Resource.objects.all()
    code = form.cleaned_data.get("resource")
    if code:
        resources = resources.filter(code=code)
    scopes: set[int | None] | None = None
    if not network:
        scopes = set(administered_libraries(request.user).values_list("pk", flat=True))
    library_code = form.cleaned_data.get("library")
    if library_code:
        wanted = (
            {None}
            if library_code == "network"
            else set(
                administered_libraries(request.user).filter(code=library_code).values_list("pk", flat=True)
            )
        )
        if library_code == "network" and not network:
            raise PermissionDenied(_("You may not see the usage of this institution."))
        if not wanted:
            raise PermissionDenied(_("You may not see the usage of this institution."))
        scopes = wanted
    return usage_lines(list(resources), form.cleaned_data["begin"], form.cleaned_data["end"], scopes)


def _number(value) -> str:
    if value is None:
        return "—"
    return number_format(value, force_grouping=True)


def _charts(lines: list[UsageLine], months: list[str]) -> list[dict]:
    """Requests by month (one line per resource, the four most used) and cost per request by month."""
    by_resource: dict[str, dict[str, int]] = {}
    cost_by: dict[str, dict[str, float]] = {}
    for line in lines:
        name = line.resource_name + (f" ({line.library_code})" if line.library_code else "")
        if line.requests is not None:
            by_resource.setdefault(name, {})
            by_resource[name][line.month] = by_resource[name].get(line.month, 0) + line.requests
        if line.cost_per_request is not None:
            cost_by.setdefault(name, {})[line.month] = float(line.cost_per_request)
    charts = []
    language, rtl = (get_language() or "fr")[:2], get_language_bidi()
    for chart_id, title, data in (
        ("usage-requests", _("Requests by month"), by_resource),
        ("usage-cost", _("Cost per request by month"), cost_by),
    ):
        names = sorted(data, key=lambda n: -sum(data[n].values()))[:4]
        if not names:
            charts.append({"id": chart_id, "title": title, "chart": None, "series": [], "rows": []})
            continue
        points = [Group(label=m, values=tuple(data[n].get(m, 0) for n in names), tick=m) for m in months]
        chart = line_chart(
            points, names, title=title, chart_id=chart_id, number=_number, language=language, rtl=rtl
        )
        rows = [(m, [_number(data[n].get(m)) for n in names]) for m in months]
        charts.append({"id": chart_id, "title": title, "chart": chart, "series": names, "rows": rows})
    return charts


EXPORT_HEADINGS = [
    "resource",
    "institution",
    "month",
    "report",
    "requests",
    "investigations",
    "searches",
    "cost",
    "currency",
    "cost_per_request",
    "cost_per_search",
    "notes",
]


def _export_rows(lines: list[UsageLine]) -> list[list]:
    return [
        [
            line.resource_code,
            line.library_code or "network",
            line.month,
            line.source,
            line.requests,
            line.investigations,
            line.searches,
            line.cost,
            line.currency,
            line.cost_per_request,
            line.cost_per_search,
            "; ".join(str(note) for note in line.notes),
        ]
        for line in lines
    ]


def _csv(lines: list[UsageLine], name: str) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_HEADINGS)
    for row in _export_rows(lines):
        writer.writerow(["" if value is None else value for value in row])
    response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _xlsx(lines: list[UsageLine], name: str) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("usage")
    sheet.append(EXPORT_HEADINGS)
    for row in _export_rows(lines):
        sheet.append([float(v) if hasattr(v, "quantize") else v for v in row])
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@require_GET
@staff_required
def usage(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    begin, end = _default_period()
    form = UsagePeriodForm(request.GET or {"begin": begin, "end": end})
    if not form.is_valid():
        context = {"form": form, "lines": [], "charts": [], "resources": Resource.objects.all()}
        return render(request, "eresources/staff/usage/usage.html", context, status=400)
    lines = _lines(request, form)
    export = request.GET.get("format", "html")
    name = f"usage-{form.cleaned_data['begin']}-{form.cleaned_data['end']}"
    if export == "csv":
        return _csv(lines, name)
    if export == "xlsx":
        return _xlsx(lines, name)
    if export != "html":
        raise Http404
    months = sorted({line.month for line in lines})
    context = {
        "form": form,
        "lines": lines,
        "charts": _charts(lines, months),
        "resources": Resource.objects.all(),
        "query": urlencode({k: v for k, v in form.cleaned_data.items() if v}),
    }
    return render(request, "eresources/staff/usage/usage.html", context)
