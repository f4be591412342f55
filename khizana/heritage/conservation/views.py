"""Pages of the conservation plans: public (the plans, who keeps what, the gaps, exports) and staff (create
a plan, add titles, enter holdings statements, assign conservation roles). Thin: the work and the
permission checks are :mod:`.services`; objects are fetched by the id in the URL, never by a form's."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khizana.accounts import permissions
from khizana.accounts.decorators import staff_required
from khizana.catalog.models import SourceRecord

from . import services
from .forms import PlanForm, RoleForm, StatementForm, TitleForm
from .models import Commitment, Plan, PlanTitle

# --- public ----------------------------------------------------------------------------------------


@require_GET
def public_plans(request: HttpRequest) -> HttpResponse:
    plans = Plan.objects.select_related("coordinator").order_by("name")
    return render(request, "conservation/plans.html", {"plans": plans})


@require_GET
def public_plan(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(Plan.objects.select_related("coordinator"), pk=plan_id)
    return render(request, "conservation/plan.html", {"plan": plan, "rows": services.plan_view(plan)})


@require_GET
def export_csv(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(Plan, pk=plan_id)
    response = HttpResponse(services.export_csv(plan), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{plan.programme}.csv"'
    return response


@require_GET
def export_marc(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(Plan, pk=plan_id)
    response = HttpResponse(services.export_marc(plan), content_type="application/marc")
    response["Content-Disposition"] = f'attachment; filename="{plan.programme}.mrc"'
    return response


# --- staff -----------------------------------------------------------------------------------------


@require_GET
@staff_required
def staff_plans(request: HttpRequest) -> HttpResponse:
    plans = list(Plan.objects.select_related("coordinator").order_by("name"))
    for plan in plans:
        plan.manageable = services.may_manage(request.user, plan)
    return render(request, "conservation/staff_plans.html", {"plans": plans})


@require_http_methods(["GET", "POST"])
@staff_required
def plan_create(request: HttpRequest) -> HttpResponse:
    form = PlanForm(request.POST or None, libraries=permissions.libraries_managed(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.create_plan(request.user, **form.cleaned_data)
        except services.ConservationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The plan has been created."))
            return redirect("conservation-staff:plan", plan_id=plan.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "conservation/plan_form.html", {"form": form}, status=status)


def _managed_plan(request, plan_id: int) -> Plan:
    plan = get_object_or_404(Plan.objects.select_related("coordinator"), pk=plan_id)
    if not services.may_manage(request.user, plan):
        raise PermissionDenied(
            _("Only the plan's coordinating library and network administrators may do this.")
        )
    return plan


@require_GET
@staff_required
def staff_plan(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(Plan.objects.select_related("coordinator"), pk=plan_id)
    context = {
        "plan": plan,
        "rows": services.plan_view(plan),
        "manageable": services.may_manage(request.user, plan),
        "title_form": TitleForm(),
    }
    return render(request, "conservation/staff_plan.html", context)


@require_POST
@staff_required
def title_add(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _managed_plan(request, plan_id)
    form = TitleForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        record = None
        if data["record"]:
            record = SourceRecord.objects.filter(pk=data["record"], deleted=False).first()
            if record is None:
                form.add_error("record", _("There is no catalog record with this number."))
        if record is not None or not data["record"]:
            try:
                title = services.add_title(
                    request.user,
                    plan,
                    title=data["title"] or (record.title if record else ""),
                    issn=data["issn"] or "",
                    record=record,
                    numbering=data["numbering"],
                )
            except services.ConservationError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The title has been added."))
                return redirect("conservation-staff:title", title_id=title.pk)
    context = {"plan": plan, "rows": services.plan_view(plan), "manageable": True, "title_form": form}
    return render(request, "conservation/staff_plan.html", context, status=400)


def _title_page(
    request, title: PlanTitle, *, statement_form=None, role_form=None, status=200
) -> HttpResponse:
    plan = title.plan
    statements = list(title.statements.select_related("library"))
    manageable = services.may_manage(request.user, plan)
    entry_libraries = permissions.libraries_managed(request.user) if not manageable else None
    statement_form = statement_form or StatementForm()
    if entry_libraries is not None:
        statement_form.fields["library"].queryset = entry_libraries
    context = {
        "plan": plan,
        "title": title,
        "statements": statements,
        "commitments": list(title.commitments.select_related("library")),
        "coverage": services.title_coverage(title, statements),
        "manageable": manageable,
        "statement_form": statement_form,
        "role_form": role_form or RoleForm(),
    }
    context["gaps_text"] = services.cov.format_intervals(context["coverage"].gaps)
    context["held_text"] = services.cov.format_intervals(context["coverage"].held)
    return render(request, "conservation/staff_title.html", context, status=status)


@require_GET
@staff_required
def staff_title(request: HttpRequest, title_id: int) -> HttpResponse:
    title = get_object_or_404(PlanTitle.objects.select_related("plan__coordinator"), pk=title_id)
    return _title_page(request, title)


@require_POST
@staff_required
def statement_enter(request: HttpRequest, title_id: int) -> HttpResponse:
    title = get_object_or_404(PlanTitle.objects.select_related("plan__coordinator"), pk=title_id)
    form = StatementForm(request.POST)
    if form.is_valid():
        library = form.cleaned_data["library"]
        if not services.may_enter_statement(request.user, title.plan, library):
            raise PermissionDenied(_("You may enter the holdings of your own library only."))
        try:
            services.enter_statement(request.user, title, library, form.cleaned_data["text"])
        except services.ConservationError as error:
            form.add_error("text", str(error))
        else:
            messages.success(request, _("The holdings statement has been saved."))
            return redirect("conservation-staff:title", title_id=title.pk)
    return _title_page(request, title, statement_form=form, status=400)


@require_POST
@staff_required
def role_assign(request: HttpRequest, title_id: int) -> HttpResponse:
    title = get_object_or_404(PlanTitle.objects.select_related("plan__coordinator"), pk=title_id)
    _managed_plan(request, title.plan_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.assign_role(request.user, title, **form.cleaned_data)
        except services.ConservationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The conservation role has been saved."))
            return redirect("conservation-staff:title", title_id=title.pk)
    return _title_page(request, title, role_form=form, status=400)


@require_POST
@staff_required
def role_remove(request: HttpRequest, commitment_id: int) -> HttpResponse:
    commitment = get_object_or_404(Commitment.objects.select_related("title__plan"), pk=commitment_id)
    services.remove_role(request.user, commitment)
    messages.success(request, _("The conservation role has been removed."))
    return redirect("conservation-staff:title", title_id=commitment.title_id)
