"""Staff pages of the COUNTER reports (at /staff/digital/usage/): the digital library's use at a glance,
reports to run and download (JSON, TSV, Excel), and the SUSHI credentials of each institution.

Network administrators see the network and every library; a library administrator their library."""

from __future__ import annotations

import calendar
import json
from collections import Counter
from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from khizana.accounts.decorators import int_or_404, staff_required
from khizana.core.charts import Bar, Chart, column_chart

from ..models import DigitalItem, SushiCredential
from . import services
from .formats import to_tsv, to_xlsx
from .metrics import RobotFilter, counted, measure
from .reports import REPORTS, Request, months_between, tabular_rows

FORMATS = ("html", "json", "tsv", "xlsx")


def _customers_or_403(request: HttpRequest) -> list[services.Customer]:
    customers = services.customers_visible(request.user)
    if not customers:
        raise PermissionDenied(_("Usage reports are for library and network administrators."))
    return customers


def _customer(customers: list[services.Customer], customer_id: str | None) -> services.Customer:
    if not customer_id:
        return customers[0]
    for customer in customers:
        if customer.customer_id == customer_id:
            return customer
    raise PermissionDenied(_("You may not see the usage of this institution."))


def _month(value: str | None, default: str) -> tuple[str, str | None]:
    """A month "YYYY-MM" from a form, else the default and an error naming the problem."""
    if not value:
        return default, None
    try:
        parsed = date.fromisoformat(f"{value}-01")
    except ValueError:
        return default, _("“%(value)s” is not a month (YYYY-MM).") % {"value": value}
    return f"{parsed.year:04d}-{parsed.month:02d}", None


def _period(request: HttpRequest) -> tuple[str, str, list[str]]:
    """The months asked for (the twelve months to the last ended one by default) and the errors."""
    last = services.last_month_available()
    year, month = int(last[:4]), int(last[5:])
    default_begin = f"{year:04d}-01" if month == 12 else f"{year - 1:04d}-{month + 1:02d}"
    begin, begin_error = _month(request.GET.get("begin"), default_begin)
    end, end_error = _month(request.GET.get("end"), last)
    errors = [e for e in (begin_error, end_error) if e]
    if begin > end:
        errors.append(_("The first month must not be after the last."))
        begin, end = default_begin, last
    return begin, end, errors


@require_GET
@staff_required
def run_report(request: HttpRequest) -> HttpResponse:
    customers = _customers_or_403(request)
    customer = _customer(customers, request.GET.get("customer"))
    begin, end, errors = _period(request)
    path = request.GET.get("report", "tr")
    if path not in REPORTS:
        errors.append(_("“%(value)s” is not a report of this server.") % {"value": path})
        path = "tr"
    output = request.GET.get("format", "html")
    if output not in FORMATS:
        errors.append(_("“%(value)s” is not a format: JSON, TSV or Excel.") % {"value": output})
        output = "html"
    report = None
    if "report" in request.GET and not errors:
        begin_date, end_date = date.fromisoformat(begin + "-01"), date.fromisoformat(end + "-01")
        months, exceptions = services.report_months(begin_date, end_date)
        end_date = end_date.replace(day=calendar.monthrange(end_date.year, end_date.month)[1])
        attributes = ["YOP", "Access_Type", "Access_Method"] if path in ("tr", "ir") else []
        asked = Request(
            report=path,
            begin=begin_date,
            end=end_date,
            months=months,
            exceptions=exceptions,
            attributes=attributes,
        )
        report = services.make_report(customer, asked)
        name = f"{REPORTS[path][0]}_{customer.customer_id}_{begin}_{end}"
        if output == "json":
            response = HttpResponse(
                json.dumps(report, ensure_ascii=False, indent=1), content_type="application/json"
            )
            response["Content-Disposition"] = f'attachment; filename="{name}.json"'
            return response
        if output == "tsv":
            response = HttpResponse(to_tsv(report), content_type="text/tab-separated-values; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}.tsv"'
            return response
        if output == "xlsx":
            response = HttpResponse(
                to_xlsx(report),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
            return response
    rows = tabular_rows(report) if report else []
    context = {
        "customers": customers,
        "customer": customer,
        "reports": [(key, f"{rid} — {name}") for key, (rid, name) in REPORTS.items()],
        "report_path": path,
        "begin": begin,
        "end": end,
        "errors": errors,
        "header_rows": [r for r in rows[:13]],
        "columns": rows[14] if rows else [],
        "body": rows[15:] if rows else [],
        "ran": report is not None,
    }
    return render(request, "digital/counter/reports.html", context, status=400 if errors else 200)


def _chart(rows: list[tuple[str, int]], title: str, chart_id: str) -> Chart:
    bars = [Bar(label=label, value=value, tick=label[:10]) for label, value in rows]
    return column_chart(
        bars,
        title=title,
        chart_id=chart_id,
        number=lambda value: number_format(value, force_grouping=True),
        series_name=_("Requests"),
        language=get_language(),
        rtl=get_language_bidi(),
    )


@require_GET
@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Requests (COUNTER Total_Item_Requests: robots and double clicks left out) by month, by language,
    by member library and the top titles, for the period and institution chosen."""
    customers = _customers_or_403(request)
    customer = _customer(customers, request.GET.get("customer"))
    begin, end, errors = _period(request)
    begin_date, end_date = date.fromisoformat(begin + "-01"), date.fromisoformat(end + "-01")
    rows = [
        r for r in counted(services.usage_rows(customer, begin_date, end_date), RobotFilter()) if r.is_request
    ]
    by_month = Counter({m: 0 for m in months_between(begin_date, end_date)})
    by_month.update(f"{r.at.year:04d}-{r.at.month:02d}" for r in rows)
    items = {
        pk: (language, library)
        for pk, language, library in DigitalItem.objects.filter(pk__in={r.item for r in rows}).values_list(
            "pk", "language", "library__code"
        )
    }
    by_language = Counter(items.get(r.item, ("", ""))[0] or _("unknown") for r in rows)
    by_library = Counter(items.get(r.item, ("", ""))[1] or _("unknown") for r in rows)
    titles, _items = services.describe(rows)
    top = measure(rows, lambda r: r.title)
    top_titles = sorted(
        (
            (titles[t].name if t in titles else f"#{t}", sum(m.get("Total_Item_Requests", {}).values()))
            for t, m in top.items()
        ),
        key=lambda pair: (-pair[1], pair[0]),
    )[:10]
    sections = [
        ("by-month", _("Requests by month"), sorted(by_month.items()), _("Month")),
        ("by-language", _("Requests by language of the item"), by_language.most_common(), _("Language")),
        ("by-library", _("Requests by library holding the item"), by_library.most_common(), _("Library")),
        ("top-titles", _("Most requested titles"), top_titles, _("Title")),
    ]
    charts = [
        {
            "id": key,
            "title": title,
            "rows": data,
            "label": label,
            "figure": _chart(data, title, key) if data else "",
        }
        for key, title, data, label in sections
    ]
    context = {
        "customers": customers,
        "customer": customer,
        "begin": begin,
        "end": end,
        "errors": errors,
        "charts": charts,
        "total": len(rows),
    }
    return render(request, "digital/counter/dashboard.html", context, status=400 if errors else 200)


@require_http_methods(["GET", "POST"])
@staff_required
def credentials(request: HttpRequest) -> HttpResponse:
    customers = _customers_or_403(request)
    new_key = None
    created = None
    errors = []
    if request.method == "POST":
        customer_id = request.POST.get("customer", "")
        customer = next((c for c in customers if c.customer_id == customer_id), None)
        if customer is None:
            raise PermissionDenied(_("You may not manage the SUSHI credentials of this institution."))
        label = request.POST.get("label", "").strip()
        if len(label) > 255:
            errors.append(_("The label is too long (255 characters at most)."))
        else:
            created, new_key = services.create_credential(request.user, customer, label)
    context = {
        "customers": customers,
        "credentials": services.credentials_visible(request.user),
        "created": created,
        "new_key": new_key,
        "errors": errors,
    }
    return render(request, "digital/counter/credentials.html", context, status=400 if errors else 200)


@require_http_methods(["POST"])
@staff_required
def credential_change(request: HttpRequest, credential_id: int) -> HttpResponse:
    _customers_or_403(request)
    credential_id = int_or_404(credential_id)
    if not SushiCredential.objects.filter(pk=credential_id).exists():
        raise Http404
    action = request.POST.get("action")
    if action == "rotate":
        credential, new_key = services.rotate_credential(request.user, credential_id)
    elif action == "revoke":
        credential, new_key = services.revoke_credential(request.user, credential_id), None
    else:
        return HttpResponse(_("Unknown action: rotate or revoke."), status=400, content_type="text/plain")
    context = {
        "customers": services.customers_visible(request.user),
        "credentials": services.credentials_visible(request.user),
        "created": credential if new_key else None,
        "new_key": new_key,
        "errors": [],
    }
    return render(request, "digital/counter/credentials.html", context)
