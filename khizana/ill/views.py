"""Thin views: the ISO 18626 endpoint, the reader's request form and list, the staff queues."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from khizana.accounts import permissions
from khizana.accounts.decorators import int_or_404, staff_required
from khizana.catalog.models import Work
from khizana.core.charts import Bar, column_chart_svg

from . import delivery, services
from .models import IllRequest, RotaPolicy
from .openurl import OpenUrlError, parse_openurl
from .states import REASONS_UNFILLED, Action, Status, may_act, may_change

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
    return HttpResponse(services.receive(request.body), content_type="application/xml; charset=utf-8")


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
    return render(request, "ill/mine.html", {"rows": rows})


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
        row.choices = [s for s in Status if may_change(row.status, s, row.service_type, answering=pending)]
        row.pending = pending
    return render(request, "ill/staff_supplying.html", {"rows": rows, "reasons": REASONS_UNFILLED})


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
    rows = services.statistics(request.user)
    by_month: dict[str, int] = {}
    for row in rows:
        by_month[row.month] = by_month.get(row.month, 0) + row.requests
    chart = column_chart_svg(
        [
            Bar(label=month, value=count, tick=month[5:], group=month[:4])
            for month, count in sorted(by_month.items())
        ],
        title=_("Interlibrary requests per month"),
        chart_id="ill-requests",
    )
    return render(
        request, "ill/stats.html", {"rows": rows, "chart": mark_safe(chart)}
    )  # built from escaped labels


@staff_required
@require_POST
def upload_copy(request: HttpRequest, request_id: int) -> HttpResponse:
    try:
        delivery.upload_copy(request.user, request_id, request.FILES.get("file"))
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
