"""Thin views: the ISO 18626 endpoint, the reader's request form and list, the staff queues."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from khizana.accounts import permissions
from khizana.accounts.decorators import int_or_404, staff_required
from khizana.catalog.models import Work
from khizana.core.charts import Bar, column_chart

from . import delivery, services
from .labels import CONDITION, REASON
from .models import IllRequest, RotaPolicy
from .openurl import OpenUrlError, parse_openurl
from .states import (
    REASONS_UNFILLED,
    Action,
    Condition,
    ConditionState,
    Status,
    may_act,
    may_answer_condition,
    may_change,
    may_set_condition,
    requester_needs_attention,
    supplier_needs_attention,
)

MAX_BODY = 1_000_000


@csrf_exempt
@require_POST
def iso18626(request: HttpRequest) -> HttpResponse:
    """Receive an ISO 18626 message and answer its confirmation (errors are answered in the protocol)."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BODY:
        return HttpResponseBadRequest(
            _("The message is too large."), content_type="text/plain; charset=utf-8"
        )
    return HttpResponse(
        services.receive(request.body, over_http=True), content_type="application/xml; charset=utf-8"
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_request(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    work = None
    if source.get("work"):
        work = Work.objects.filter(pk=int_or_404(source["work"])).first()
        if work is None:
            raise Http404
    values = {key: source.get(key, "") for key in services.Citation.__dataclass_fields__}
    error = ""
    if request.method == "GET" and any(key.startswith("rft.") for key in request.GET):
        try:
            values.update(parse_openurl(request.META.get("QUERY_STRING", "")))
        except OpenUrlError as problem:
            error = str(problem)
    if request.method == "POST":
        try:
            made = services.create_request(
                request.user,
                service_type=source.get("service_type", ""),
                work=work,
                citation=services.Citation.of(values),
                note=source.get("note", ""),
            )
        except services.IllError as problem:
            error = str(problem)
        else:
            if made.exhausted:
                messages.warning(request, _("No library of the network could take your request."))
            else:
                messages.success(request, _("Your request was sent."))
            return redirect("ill:mine")
    status = 400 if error and request.method == "POST" else 200
    context = {
        "work": work,
        "values": values,
        "error": error,
        "service_type": source.get("service_type", "Loan"),
    }
    return render(request, "ill/request_form.html", context, status=status)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    rows = list(services.my_requests(request.user).select_related("delivery"))
    for row in rows:
        row.may_cancel = bool(may_act(Action.CANCEL, row.status, row.service_type))
        copy = getattr(row, "delivery", None)
        row.copy_token = delivery.link_token(copy) if copy and not copy.deleted_at else ""
        row.may_answer_fee = row.condition == Condition.FEE and bool(
            may_answer_condition(row.status, row.condition_state)
        )
    return render(request, "ill/mine.html", {"rows": rows})


@login_required
@require_POST
def answer_condition(request: HttpRequest, request_id: int) -> HttpResponse:
    """The requester accepts or rejects the lender's condition (staff, or the reader for a fee)."""
    answer = request.POST.get("answer", "")
    if answer not in ("accept", "reject"):
        messages.error(request, _("Answer: accept or reject the condition."))
    else:
        try:
            services.answer_condition(request.user, request_id, answer == "accept")
        except services.NotFound:
            raise Http404 from None
        except services.IllError as problem:
            messages.error(request, str(problem))
        else:
            messages.success(request, _("The lending library was told."))
    return redirect("ill:staff-requesting" if request.POST.get("back") == "staff" else "ill:mine")


@login_required
@require_POST
def act(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        services.act(request.user, request_id, request.POST.get("action", ""), request.POST.get("note", ""))
    except services.NotFound:
        raise Http404 from None
    except services.IllError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Done."))
    return redirect("ill:staff-requesting" if request.POST.get("back") == "staff" else "ill:mine")


@staff_required
def staff_supplying(request: HttpRequest) -> HttpResponse:
    rows = list(services.queue(request.user, IllRequest.Side.SUPPLIER))
    for row in rows:
        pending = row.last_action if row.last_action in services.REASON_FOR else None
        condition_pending = row.condition_state == ConditionState.PENDING
        row.choices = [
            s
            for s in Status
            if may_change(
                row.status, s, row.service_type, answering=pending, condition_pending=condition_pending
            )
        ]
        row.pending = pending
        row.conditions = [
            c for c in Condition if may_set_condition(row.status, row.service_type, c, row.condition_state)
        ]
        row.attention = supplier_needs_attention(row.status, row.last_action, row.condition_state)
    rows.sort(key=lambda row: not row.attention)  # what needs someone first, newest first within
    context = {
        "rows": rows,
        "reasons": [(code, REASON[code]) for code in REASONS_UNFILLED],
        "condition_labels": CONDITION,
    }
    return render(request, "ill/staff_supplying.html", context)


@staff_required
@require_POST
def set_condition(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        services.set_condition(
            request.user,
            request_id,
            request.POST.get("condition", ""),
            note=request.POST.get("note", ""),
            cost=request.POST.get("cost", ""),
            currency=request.POST.get("currency", ""),
        )
    except services.NotFound:
        raise Http404 from None
    except services.IllError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("The requesting library was told."))
    return redirect("ill:staff-supplying")


PICK_COLUMNS = ("library", "location", "call_number", "barcode", "title", "pages", "service", "requester")


@staff_required
def pick_list(request: HttpRequest) -> HttpResponse:
    """What to pull from the shelves: the requests to supply not shipped yet, by shelf place (CSV too)."""
    sort = request.GET.get("sort", "location")
    try:
        lines = services.pick_list(request.user, sort)
    except services.IllError as problem:
        return HttpResponseBadRequest(str(problem), content_type="text/plain; charset=utf-8")
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="ill-pick-list.csv"'
        writer = csv.writer(response)
        writer.writerow(PICK_COLUMNS)
        for line in lines:
            row = line.request
            writer.writerow(
                [
                    line.library,
                    line.location,
                    line.call_number,
                    line.barcode,
                    row.title,
                    row.pages,
                    row.service_type,
                    row.requester_agency.isil,
                ]
            )
        return response
    return render(request, "ill/pick_list.html", {"lines": lines, "sort": sort})


@staff_required
@require_POST
def supply(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        services.supply(
            request.user,
            request_id,
            request.POST.get("status", ""),
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
            answer=request.POST.get("answer", "") if request.POST.get("answer") in ("Y", "N") else "",
        )
    except services.NotFound:
        raise Http404 from None
    except services.IllError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("The requesting library was told."))
    return redirect("ill:staff-supplying")


@staff_required
def staff_requesting(request: HttpRequest) -> HttpResponse:
    rows = list(services.queue(request.user, IllRequest.Side.REQUESTER))
    for row in rows:
        row.actions = [
            a
            for a in (Action.RECEIVED, Action.SHIPPED_RETURN, Action.RENEW, Action.CANCEL)
            if may_act(a, row.status, row.service_type)
        ]
        row.may_answer_condition = bool(may_answer_condition(row.status, row.condition_state))
        row.attention = requester_needs_attention(row.status, row.condition_state) or row.exhausted
    rows.sort(key=lambda row: not row.attention)
    return render(request, "ill/staff_requesting.html", {"rows": rows})


@staff_required
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    if not permissions.is_network_admin(request.user):
        raise PermissionDenied(_("Only network administrators may change the routing policy."))
    error = ""
    if request.method == "POST":
        try:
            services.update_policy(request.user, request.POST)
        except services.IllError as problem:
            error = str(problem)
        else:
            messages.success(request, _("The routing policy was saved."))
            return redirect("ill:policy")
    context = {"policy": RotaPolicy.current(), "error": error}
    return render(request, "ill/policy.html", context, status=400 if error else 200)


@staff_required
def stats(request: HttpRequest) -> HttpResponse:
    """Requests of the staff's libraries, fill rate and turnaround, per month and per library: charts
    with their tables, and the same figures in CSV."""
    rows = services.statistics(request.user)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="ill-statistics.csv"'
        writer = csv.writer(response)
        writer.writerow(["month", "library", "requests", "filled", "fill_rate_percent", "mean_days_to_fill"])
        for row in rows:
            days = "" if row.turnaround_days is None else row.turnaround_days
            writer.writerow([row.month, row.library, row.requests, row.filled, row.fill_rate, days])
        return response
    months, libraries = services.month_totals(rows), services.library_totals(rows)
    page = {"language": get_language(), "rtl": get_language_bidi()}

    def by_month(value):
        return [Bar(label=m.month, value=value(m), tick=m.month[5:], group=m.month[:4]) for m in months]

    def by_library(value):
        return [Bar(label=t.library, value=value(t), tick=t.library) for t in libraries]

    charts = {
        "requests": column_chart(
            by_month(lambda m: m.requests),
            title=_("Interlibrary requests per month"),
            chart_id="ill-requests",
            series_name=_("Requests"),
            **page,
        ),
        "fill_rate": column_chart(
            by_month(lambda m: m.fill_rate),
            title=_("Share of the requests a lender filled, per month (%)"),
            chart_id="ill-fill-rate",
            series_name=_("Fill rate (%)"),
            top=100,
            **page,
        ),
        "turnaround": column_chart(
            by_month(lambda m: m.turnaround_days or 0),
            title=_("Mean days from the request to the loan or the copy, per month"),
            chart_id="ill-turnaround",
            series_name=_("Mean days to fill"),
            **page,
        ),
        "libraries": column_chart(
            by_library(lambda t: t.fill_rate),
            title=_("Share of the requests a lender filled, per library (%)"),
            chart_id="ill-libraries",
            series_name=_("Fill rate (%)"),
            top=100,
            **page,
        ),
    }
    # str(chart) is its markup, every text in it escaped (Django's {{ }} would escape a non-str again)
    charts = {name: mark_safe(str(chart)) for name, chart in charts.items()}
    context = {"rows": rows, "months": months, "libraries": libraries, "charts": charts}
    return render(request, "ill/stats.html", context)


@staff_required
@require_POST
def upload_copy(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        delivery.upload_copy(
            request.user,
            request_id,
            request.FILES.get("file"),
            peer_link=lambda token: request.build_absolute_uri(reverse("ill:peer-copy", args=[token])),
        )
    except services.NotFound:
        raise Http404 from None
    except services.IllError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("The copy is ready for the reader."))
    return redirect("ill:staff-supplying")


@login_required
def download_copy(request: HttpRequest, token: str) -> HttpResponse:
    try:
        handle = delivery.open_copy(request.user, token)
    except services.NotFound:
        raise Http404 from None
    except services.IllError as problem:
        return render(request, "ill/copy_gone.html", {"error": str(problem)}, status=410)
    return FileResponse(handle, content_type="application/pdf", as_attachment=True, filename="copy.pdf")


def download_peer_copy(request: HttpRequest, token: str) -> HttpResponse:
    """A copy sent to an external ISO 18626 peer: the signed link is the permission (limited in time
    and in downloads like a reader's)."""
    try:
        handle = delivery.open_peer_copy(token)
    except services.NotFound:
        raise Http404 from None
    except services.IllError as problem:
        return render(request, "ill/copy_gone.html", {"error": str(problem)}, status=410)
    return FileResponse(handle, content_type="application/pdf", as_attachment=True, filename="copy.pdf")
