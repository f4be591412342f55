"""The catalog staff space (/staff/): the dashboard of the staff home (figures from :mod:`.dashboard`),
imports, records and holdings, splits and joins (the review queue is :mod:`.review_views`).

Every view needs a signed-in member of staff; every write fetches its object by id and asks
:mod:`khizana.accounts.permissions` and :mod:`khizana.catalog.permissions` about the object's own library
(never a library id sent by the form). Refusals are 403. The staff accounts and the readers' memberships
pages of the staff space are accounts' own views (:mod:`khizana.accounts.staff_account_views`,
:mod:`khizana.accounts.member_views`), mounted in the same "staff" namespace by :mod:`.urls`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format, number_format
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khizana.accounts import permissions
from khizana.accounts.audit import audit
from khizana.accounts.decorators import int_or_404, staff_required
from khizana.catalog import imports, review
from khizana.catalog import permissions as catalog_permissions
from khizana.catalog.forms import ImportUploadForm
from khizana.catalog.holdings import ConfirmationNeeded, update_holding
from khizana.catalog.manual import ManualDecisionError, join_works, split_record
from khizana.catalog.models import Holding, ImportJob, ImportRun, SourceRecord, Work
from khizana.catalog.records import RecordKind
from khizana.catalog.reports import write_rejects_csv
from khizana.core.charts import Bar, Chart, column_chart
from khizana.core.vocabularies import HOLDING_STATUS
from khizana.libraries.models import Library

from . import dashboard
from .forms import HoldingForm, JoinForm, SplitForm


def _audit(request, library, action: str, target: str, **details) -> None:
    audit(request.user, library, action, target, **details)


# --- home -------------------------------------------------------------------------------------------


def _month_bars(months) -> tuple[list[dict], Chart]:
    """The rows of the chart's table and the chart of the records added per month."""
    rows = [
        {"month": start, "label": date_format(start, "YEAR_MONTH_FORMAT"), "count": count}
        for start, count in months
    ]
    bars = [
        Bar(
            label=row["label"],
            value=row["count"],
            tick=f"{row['month'].month:02d}",
            group=str(row["month"].year),
        )
        for row in rows
    ]
    chart = column_chart(
        bars,
        title=_("Records added per month, last %(months)s months") % {"months": len(rows)},
        chart_id="records-per-month",
        number=lambda value: number_format(value, force_grouping=True),
        series_name=_("Records added"),
        language=get_language(),
        rtl=get_language_bidi(),
    )
    return rows, chart


@require_GET
@staff_required
def home(request: HttpRequest) -> HttpResponse:
    libraries = list(permissions.libraries_managed(request.user))
    figures = dashboard.dashboard(libraries, review.queue_for(request.user).count())
    months, chart = _month_bars(figures.months)
    context = {
        "libraries": libraries,
        "role": permissions.role(request.user),
        "network_admin": permissions.is_network_admin(request.user),
        "can_manage_staff": any(permissions.can_manage_staff(request.user, lib) for lib in libraries[:50]),
        "recent_runs": ImportRun.objects.filter(library__in=libraries).select_related("library")[:10],
        "figures": figures,
        "one_library": libraries[0] if len(libraries) == 1 else None,
        "harvest_days": dashboard.HARVEST_DAYS,
        "months": months,
        "chart": chart,
    }
    return render(request, "staff/home.html", context)


# --- imports ----------------------------------------------------------------------------------------


@require_GET
@staff_required
def import_list(request: HttpRequest) -> HttpResponse:
    libraries = permissions.libraries_managed(request.user)
    code = request.GET.get("library", "").strip()
    if code:  # one library's imports (the staff home links here); none when it is not the user's
        libraries = libraries.filter(code=code)
    context = {
        "runs": ImportRun.objects.filter(library__in=libraries).select_related("library")[:200],
        "waiting": ImportJob.objects.filter(library__in=libraries, run__isnull=True).select_related(
            "library"
        )[:50],
    }
    return render(request, "staff/import_list.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
def import_upload(request: HttpRequest) -> HttpResponse:
    libraries = permissions.libraries_managed(request.user)
    if request.method == "POST":
        # The library named by the form is checked first: a forged id is a refusal, not a form error.
        library = get_object_or_404(Library, pk=int_or_404(request.POST.get("library")))
        if not permissions.can_import(request.user, library):
            raise PermissionDenied(_("You cannot import records into this library."))
        form = ImportUploadForm(request.POST, request.FILES, libraries=libraries)
        if form.is_valid():
            library = form.cleaned_data["library"]
            if not permissions.can_import(request.user, library):  # the same check, on the cleaned object
                raise PermissionDenied(_("You cannot import records into this library."))
            job = imports.queue_import(request.user, library, form)
            messages.success(request, _("%(name)s is being imported.") % {"name": job.filename})
            return redirect("staff:import-job", job_id=job.pk)
    else:
        form = ImportUploadForm(libraries=libraries)
    return render(request, "staff/import_upload.html", {"form": form})


def _job_in_scope(request, job_id: int) -> ImportJob:
    job = get_object_or_404(ImportJob.objects.select_related("library"), pk=job_id)
    if not permissions.can_import(request.user, job.library_id):
        raise PermissionDenied(_("This import belongs to another library."))
    return job


@require_GET
@staff_required
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job_in_scope(request, job_id)
    if job.run_id:
        return redirect("staff:import-run", run_id=job.run_id)
    return render(request, "staff/import_job.html", {"job": job, "refresh": job.status == job.Status.QUEUED})


def _run_in_scope(request, run_id: int) -> ImportRun:
    run = get_object_or_404(ImportRun.objects.select_related("library", "started_by"), pk=run_id)
    if not permissions.can_import(request.user, run.library_id):
        raise PermissionDenied(_("This import belongs to another library."))
    return run


@require_GET
@staff_required
def import_run(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run_in_scope(request, run_id)
    running = run.status == ImportRun.Status.RUNNING
    context = {
        "run": run,
        "refresh": running,
        "rejects": run.rejects.only("number", "offset", "local_id", "reason")[:200],
        "job": ImportJob.objects.filter(run=run).first(),
    }
    return render(request, "staff/import_run.html", context)


@require_GET
@staff_required
def import_rejects_csv(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run_in_scope(request, run_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-rejects.csv"'
    write_rejects_csv(run, response)
    return response


# --- records and holdings ---------------------------------------------------------------------------


RECORDS_PAGE_SIZE = 50


@require_GET
@staff_required
def record_search(request: HttpRequest) -> HttpResponse:
    """Records of the user's libraries: found by local id or words of the title (``q``), or listed (``all=1``,
    the active bibliographic records), narrowed to one ``library`` (a code) and to the records without any
    holding (``holdings=none``), as the staff home's counts link to them."""
    libraries = permissions.libraries_managed(request.user)
    query = request.GET.get("q", "").strip()
    code = request.GET.get("library", "").strip()
    without_holdings = request.GET.get("holdings") == "none"
    listing = request.GET.get("all") == "1"
    library = libraries.filter(code=code).first() if code else None
    records = SourceRecord.objects.none()
    page = None
    if query or listing or without_holdings or library:
        records = SourceRecord.objects.filter(library__in=libraries)
        if query:
            records = records.filter(Q(local_id=query) | Q(title__icontains=query))
        else:  # a list: the records the staff home counts
            records = records.filter(deleted=False, kind=RecordKind.BIBLIOGRAPHIC)
        if code:
            records = records.filter(library=library)  # none when the code is not one of the user's
        if without_holdings:
            records = records.filter(~Exists(Holding.objects.filter(record_id=OuterRef("pk"))))
        records = records.select_related("library").defer("raw").order_by("library__code", "local_id")
        page = Paginator(records, RECORDS_PAGE_SIZE).get_page(request.GET.get("page"))
        records = page.object_list
    kept = [
        (name, value)
        for name, value in (
            ("q", query),
            ("all", "1" if listing else ""),
            ("library", code),
            ("holdings", "none" if without_holdings else ""),
        )
        if value
    ]
    context = {
        "query": query,
        "records": records,
        "page": page,
        "library": library,
        "code": code,
        "libraries": libraries if libraries.count() > 1 else [],
        "without_holdings": without_holdings,
        "listing": listing,
        "kept": urlencode(kept),
    }
    return render(request, "staff/record_search.html", context)


@require_GET
@staff_required
def record_detail(request: HttpRequest, record_id: int) -> HttpResponse:
    record = get_object_or_404(SourceRecord.objects.select_related("library", "work"), pk=record_id)
    if not permissions.can_write(request.user, record.library_id):
        raise PermissionDenied(_("This record belongs to another library."))
    holdings = list(record.holdings.select_related("library").order_by("id"))
    for holding in holdings:
        holding.status_label = HOLDING_STATUS.get(holding.status, holding.status)
    context = {
        "record": record,
        "holdings": holdings,
        "work_records": (
            SourceRecord.objects.filter(work_id=record.work_id).select_related("library").order_by("id")
            if record.work_id
            else []
        ),
        "split_form": SplitForm(initial={"record": record.pk}),
    }
    return render(request, "staff/record_detail.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
def holding_edit(request: HttpRequest, holding_id: int) -> HttpResponse:
    holding = get_object_or_404(Holding.objects.select_related("record", "library"), pk=holding_id)
    if not catalog_permissions.can_edit_holding(request.user, holding):
        raise PermissionDenied(_("This holding belongs to another library."))
    form = HoldingForm(request.POST or None, instance=Holding.objects.get(pk=holding.pk))
    if request.method == "POST" and form.is_valid():
        before = {name: getattr(holding, name) for name in form.fields}
        changes = {name: form.cleaned_data[name] for name in form.fields}
        try:
            update_holding(holding, confirmed=request.POST.get("confirm") == "yes", **changes)
        except ConfirmationNeeded as needed:  # e.g. a copy its library committed to keep
            context = {"form": form, "holding": holding, "warnings": needed.warnings}
            return render(request, "staff/holding_edit.html", context, status=409)
        _audit(request, holding.library_id, "holding-edit", str(holding), holding=holding.pk, before=before)
        messages.success(request, _("The holding has been saved."))
        return redirect("staff:record", record_id=holding.record_id)
    return render(request, "staff/holding_edit.html", {"form": form, "holding": holding})


# --- works: split and join --------------------------------------------------------------------------


@require_GET
@staff_required
def works(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/works.html", {"split_form": SplitForm(), "join_form": JoinForm()})


@require_POST
@staff_required
def work_split(request: HttpRequest) -> HttpResponse:
    form = SplitForm(request.POST)
    if not form.is_valid():
        return render(request, "staff/works.html", {"split_form": form, "join_form": JoinForm()}, status=400)
    record = get_object_or_404(SourceRecord.objects.select_related("library"), pk=form.cleaned_data["record"])
    if not catalog_permissions.can_split_join(request.user, record):
        raise PermissionDenied(_("This record belongs to another library."))
    note = form.cleaned_data["note"] or "split in the staff space"
    try:
        work = split_record(record, user=request.user, note=note)
    except ManualDecisionError as error:
        messages.error(request, str(error))
        return redirect("staff:record", record_id=record.pk)
    _audit(request, record.library_id, "split", str(record), record=record.pk, work=work.pk, note=note)
    messages.success(request, _("%(record)s is now in work %(work)s.") % {"record": record, "work": work.pk})
    return redirect("staff:record", record_id=record.pk)


@require_POST
@staff_required
def work_join(request: HttpRequest) -> HttpResponse:
    form = JoinForm(request.POST)
    if not form.is_valid():
        return render(request, "staff/works.html", {"split_form": SplitForm(), "join_form": form}, status=400)
    work_a = get_object_or_404(Work, pk=form.cleaned_data["work_a"])
    work_b = get_object_or_404(Work, pk=form.cleaned_data["work_b"])
    if not catalog_permissions.can_split_join(request.user, [work_a, work_b]):
        raise PermissionDenied(_("Each work must hold a record of your library."))
    note = form.cleaned_data["note"] or "joined in the staff space"
    try:
        joined = join_works(work_a, work_b, user=request.user, note=note)
    except ManualDecisionError as error:
        messages.error(request, str(error))
        return redirect("staff:works")
    _audit(
        request,
        _join_library(request.user, [work_a.pk, work_b.pk]),
        "join",
        f"{work_a.pk}+{work_b.pk}",
        works=[work_a.pk, work_b.pk],
        result=joined.pk,
        note=note,
    )
    messages.success(request, _("The works are joined into work %(work)s.") % {"work": joined.pk})
    return redirect("staff:works")


def _join_library(user, work_ids: list[int]) -> int | None:
    """The library a join is recorded under: the user's own, else the first library holding the works."""
    membership = permissions.membership(user)
    if membership and membership.library_id:
        return membership.library_id
    return (
        SourceRecord.objects.filter(work_id__in=work_ids)
        .order_by("library__code")
        .values_list("library_id", flat=True)
        .first()
    )


@staff_required
@require_GET
def source_record_raw(request: HttpRequest, record_id: int) -> HttpResponse:
    """A source record exactly as its library sent it (any staff member may read what the network holds)."""
    record = get_object_or_404(SourceRecord, pk=record_id)
    extension = {"iso2709": "mrc", "xml": "xml", "csv": "csv"}.get(record.serialisation, "bin")
    response = HttpResponse(bytes(record.raw), content_type="application/octet-stream")
    safe_id = "".join(c if c.isalnum() or c in "-_." else "_" for c in record.local_id)[:80]
    response["Content-Disposition"] = f'attachment; filename="{record.library.code}-{safe_id}.{extension}"'
    return response
