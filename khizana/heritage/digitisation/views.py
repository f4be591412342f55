"""Thin views of the digitisation programme: the staff pages (dashboard, candidates, rounds, items, batch
import) and the public list of published items."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from khizana.accounts import permissions
from khizana.accounts.decorators import int_or_404, staff_required
from khizana.core.charts import Bar, Group, column_chart, grouped_column_chart
from khizana.libraries.models import Library

from . import chain, services
from .models import Candidate, Item, Round

STAFF = "digitisation-staff"


def _library_choice(request: HttpRequest) -> Library | None:
    """The library whose dashboard is shown: a network administrator may ask for any (none: the network),
    others see their own."""
    if permissions.is_network_admin(request.user):
        code = request.GET.get("library", "")
        return get_object_or_404(Library, code=code) if code else None
    managed = permissions.libraries_managed(request.user).first()
    if managed is None:
        raise PermissionDenied(_("This page is for the staff of member libraries."))
    return managed


@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    library = _library_choice(request)
    data = services.dashboard(request.user, library)
    page_language = {"language": get_language(), "rtl": get_language_bidi(), "number": number_format}
    step_chart = column_chart(
        [Bar(label=label, value=count, tick=label) for _step, label, count in data.steps],
        title=_("Items at each step"),
        chart_id="digitisation-steps",
        series_name=_("Items"),
        **page_language,
    )
    month_chart = None
    if data.months:
        month_chart = grouped_column_chart(
            [
                Group(label=month, values=(scanned, published), tick=month[5:], group=month[:4])
                for month, scanned, published in data.months
            ],
            [_("scanned"), _("published")],
            title=_("Items scanned and published per month"),
            chart_id="digitisation-months",
            **page_language,
        )
    context = {
        "library": library,
        "libraries": Library.objects.order_by("code") if permissions.is_network_admin(request.user) else [],
        "data": data,
        "step_labels": [label for _step, label, _count in data.steps],
        "step_chart": step_chart,
        "month_chart": month_chart,
    }
    return render(request, "digitisation/dashboard.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def candidates(request: HttpRequest) -> HttpResponse:
    managed = permissions.libraries_managed(request.user)
    error = ""
    if request.method == "POST":
        library = managed.filter(code=request.POST.get("library", "")).first()
        try:
            if library is None:
                raise services.DigitisationError(_("Choose one of your libraries."))
            made = services.propose(
                request.user, request.POST.get("key", ""), library, request.POST.get("note", "")
            )
        except services.DigitisationError as problem:
            error = str(problem)
        else:
            messages.success(request, _("%(title)s is a candidate.") % {"title": made})
            return redirect(f"{STAFF}:candidates")
    shown = Candidate.objects.select_related("record", "library").order_by("-created_at", "-id")
    if not permissions.is_network_admin(request.user):
        shown = shown.filter(library__in=managed)
    page = Paginator(shown, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": [(candidate, services.reason_text(candidate)) for candidate in page],
        "libraries": managed,
        "rounds": Round.objects.all(),
        "plans": services.conservation_plans(),
        "error": error,
        "values": request.POST,
    }
    return render(request, "digitisation/candidates.html", context, status=400 if error else 200)


@staff_required
@require_POST
def draw(request: HttpRequest) -> HttpResponse:
    library = permissions.libraries_managed(request.user).filter(code=request.POST.get("library", "")).first()
    try:
        if library is None:
            raise services.DigitisationError(_("Choose one of your libraries."))
        drawn = services.draw_from_plan(request.user, int_or_404(request.POST.get("plan")), library)
    except services.DigitisationError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("%(count)s candidates from the plan.") % {"count": len(drawn.added)})
        for reason in drawn.skipped[:20]:
            messages.info(request, reason)
    return redirect(f"{STAFF}:candidates")


@staff_required
@require_POST
def clear(request: HttpRequest, candidate_id: int) -> HttpResponse:
    get_object_or_404(Candidate, pk=candidate_id)
    try:
        services.clear_copyright(request.user, candidate_id, request.POST.get("note", ""))
    except services.DigitisationError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("The rights are marked as cleared."))
    return redirect(f"{STAFF}:candidates")


@staff_required
@require_POST
def select(request: HttpRequest, candidate_id: int) -> HttpResponse:
    get_object_or_404(Candidate, pk=candidate_id)
    round_id = int_or_404(request.POST.get("round"))
    try:
        services.select(request.user, round_id, candidate_id, request.POST.get("library", ""))
    except services.DigitisationError as problem:
        messages.error(request, str(problem))
        return redirect(f"{STAFF}:candidates")
    messages.success(request, _("The title is selected."))
    return redirect(f"{STAFF}:round", round_id=round_id)


@staff_required
@require_http_methods(["GET", "POST"])
def rounds(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        fields = ("name", "starts_on", "ends_on", "budget", "quota")
        try:
            made = services.create_round(request.user, *(request.POST.get(name, "") for name in fields))
        except services.DigitisationError as problem:
            error = str(problem)
        else:
            messages.success(request, _("The round %(name)s is open.") % {"name": made})
            return redirect(f"{STAFF}:round", round_id=made.pk)
    context = {
        "rounds": Round.objects.all(),
        "may_create": permissions.is_network_admin(request.user),
        "error": error,
        "values": request.POST,
    }
    return render(request, "digitisation/rounds.html", context, status=400 if error else 200)


@staff_required
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    chosen = get_object_or_404(Round, pk=round_id)
    items = services.visible_items(request.user).filter(round=chosen)
    return render(request, "digitisation/round.html", {"round": chosen, "items": items})


@staff_required
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(services.visible_items(request.user), pk=item_id)
    labels = dict(Item.STEP_CHOICES)
    following = chain.next_step(item.step)
    context = {
        "item": item,
        "events": item.events.select_related("library", "user"),
        "pages": item.scan_pages.all(),
        "next": (following, labels[following]) if following else None,
        "back": [(step, labels[step]) for step in chain.back_steps(item.step)],
        "steps": [
            (step, labels[step], chain.STEPS.index(step) <= chain.STEPS.index(item.step))
            for step in chain.STEPS
        ],
        "reason": services.reason_text(item.candidate),
    }
    return render(request, "digitisation/item.html", context)


@staff_required
@require_POST
def item_move(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(Item, pk=item_id)
    target = request.POST.get("step", "")
    try:
        if target == chain.OCR and item.step == chain.QUALITY_CHECKED:
            services.run_ocr(request.user, item_id)
        elif target == chain.PUBLISHED and item.step == chain.OCR:
            services.publish(request.user, item_id)
        else:
            services.move(request.user, item_id, target, request.POST.get("reason", ""))
    except services.DigitisationError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Item #%(item)s: step recorded.") % {"item": item_id})
    return redirect(f"{STAFF}:item", item_id=item_id)


@staff_required
@require_http_methods(["GET", "POST"])
def import_batch(request: HttpRequest) -> HttpResponse:
    managed = permissions.libraries_managed(request.user)
    errors: list[str] = []
    if request.method == "POST":
        library = managed.filter(code=request.POST.get("library", "")).first()
        upload = request.FILES.get("file")
        try:
            if library is None:
                raise services.DigitisationError(_("Choose one of your libraries."))
            if upload is None:
                raise services.DigitisationError(_("Choose the ZIP file of the batch."))
            round_id = int_or_404(request.POST.get("round"))
            result = services.import_zip(request.user, upload, round_id, library)
        except services.BatchRefused as problem:
            errors = [str(problem), *problem.errors]
        except services.DigitisationError as problem:
            errors = [str(problem)]
        else:
            messages.success(
                request,
                _("%(items)s items scanned (%(pages)s pages).")
                % {"items": len(result.items), "pages": result.pages},
            )
            return redirect(f"{STAFF}:round", round_id=round_id)
    context = {"libraries": managed, "rounds": Round.objects.all(), "errors": errors, "values": request.POST}
    return render(request, "digitisation/import.html", context, status=400 if errors else 200)


def published(request: HttpRequest) -> HttpResponse:
    page = Paginator(services.published_items(), 50).get_page(request.GET.get("page"))
    return render(request, "digitisation/published.html", {"page": page})
