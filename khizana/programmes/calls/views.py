"""Thin views of calls for projects: public pages (the calls, their results, applying, reviewing) and the
network administrators' staff pages (writing calls, assigning reviewers, judging, deciding, following)."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from khizana.accounts import permissions
from khizana.accounts.decorators import int_or_404, staff_required
from khizana.core.charts import Bar, horizontal_bar_chart

from . import forms, services
from .models import Application, Assignment, Attachment, Call

Status = Application.Status


def _refused(request: HttpRequest, problem: services.CallError) -> None:
    if isinstance(problem, services.NotAllowed):
        raise PermissionDenied(str(problem))
    messages.error(request, str(problem))


def _form_errors(request: HttpRequest, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


# ---- public pages ----------------------------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    calls = Call.objects.all()
    return render(
        request,
        "calls/index.html",
        {
            "open_calls": [c for c in calls if c.is_open(now)],
            "coming_calls": [c for c in calls if now < c.opens_at],
            "past_calls": [c for c in calls if c.closes_at <= now],
        },
    )


def call_page(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(Call, pk=pk)
    return render(
        request,
        "calls/call.html",
        {
            "call": call,
            "criteria": call.criteria.all(),
            "winners": services.winners(call),
            "is_open": call.is_open(),
            "kinds": services.kinds_allowed(request.user, call),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(Call, pk=pk)
    kinds = services.kinds_allowed(request.user, call)
    if not kinds:
        raise PermissionDenied(_("This call does not accept applications from you."))
    form = forms.ApplicationForm(request.POST or None, call=call, kinds=kinds)
    if request.method == "POST":
        if form.is_valid():
            try:
                made = services.start_application(request.user, call, form.values())
            except services.CallError as problem:
                _refused(request, problem)
            else:
                messages.success(request, _("Draft saved. Attach the application document, then submit it."))
                return redirect("calls:application", made.pk)
        else:
            _form_errors(request, form)
    return render(request, "calls/apply.html", {"call": call, "form": form, "is_open": call.is_open()})


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "calls/mine.html",
        {
            "applications": services.applications_of(request.user),
            "staff_nav": permissions.is_staff(request.user),
        },
    )


def _visible_application(request: HttpRequest, pk: int) -> Application:
    application = get_object_or_404(Application.objects.select_related("call", "library", "applicant"), pk=pk)
    if not services.may_see(request.user, application):
        raise Http404
    return application


@login_required
@require_http_methods(["GET", "POST"])
def application_page(request: HttpRequest, pk: int) -> HttpResponse:
    application = _visible_application(request, pk)
    owner = services.is_applicant(request.user, application)
    editable = owner and services.is_editable(application)
    kinds = [application.kind]
    form = forms.ApplicationForm(
        request.POST if request.method == "POST" else None,
        instance=application,
        call=application.call,
        kinds=kinds,
    )
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "save":
                if not form.is_valid():
                    _form_errors(request, form)
                    return _application_render(request, application, owner, editable, form)
                services.update_application(request.user, application, form.values())
                messages.success(request, _("Application saved."))
            elif action == "submit":
                services.submit(request.user, application)
                messages.success(request, _("Application submitted. A confirmation was sent by e-mail."))
            elif action == "attach":
                upload_form = forms.AttachmentForm(request.POST, request.FILES, kinds=Attachment.Kind.values)
                if not upload_form.is_valid():
                    _form_errors(request, upload_form)
                else:
                    data = upload_form.cleaned_data
                    services.attach(request.user, application, data["file"], data["kind"])
                    messages.success(request, _("File attached."))
            elif action == "remove":
                found = application.attachments.filter(pk=int_or_404(request.POST.get("attachment"))).first()
                if found is None:
                    raise Http404
                services.remove_attachment(request.user, found)
                messages.success(request, _("File removed."))
            elif action == "spend":
                spending = forms.SpendingForm(request.POST)
                if not spending.is_valid():
                    _form_errors(request, spending)
                else:
                    data = spending.cleaned_data
                    services.add_spending(
                        request.user, application, data["spent_on"], data["label"], data["amount"]
                    )
                    messages.success(request, _("Spending recorded."))
            else:
                messages.error(request, _("Unknown action."))
        except services.CallError as problem:
            _refused(request, problem)
        return redirect("calls:application", application.pk)
    return _application_render(request, application, owner, editable, form)


def _application_render(request, application, owner, editable, form) -> HttpResponse:
    if application.status == Status.ACCEPTED:
        kinds = [Attachment.Kind.INTERIM, Attachment.Kind.FINAL]
    else:
        kinds = [Attachment.Kind.DOCUMENT] if editable else []
    return render(
        request,
        "calls/application.html",
        {
            "application": application,
            "call": application.call,
            "owner": owner,
            "editable": editable,
            "form": form,
            "upload_form": forms.AttachmentForm(kinds=kinds) if owner and kinds else None,
            "spending_form": forms.SpendingForm()
            if owner and application.status == Status.ACCEPTED
            else None,
            "attachments": application.attachments.all(),
            "spending": application.spending.all(),
            "review": services.reviewing(request.user, application),
        },
    )


@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(Attachment.objects.select_related("application"), pk=pk)
    if not services.may_download(request.user, attachment):
        raise Http404
    path = services.file_path(attachment)
    if not path.is_file():
        raise Http404
    return FileResponse(
        path.open("rb"), content_type="application/pdf", as_attachment=True, filename=attachment.name
    )


@login_required
def my_reviews(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "calls/reviews.html",
        {
            "assignments": services.assignments_of(request.user),
            "staff_nav": permissions.is_staff(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_page(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(
        Assignment.objects.select_related("application__call", "application__library"),
        pk=pk,
        reviewer=request.user,
    )
    application = assignment.application
    if application.status == Status.DRAFT:
        raise Http404
    criteria = application.call.criteria.all()
    declaration = forms.DeclarationForm(request.POST if request.method == "POST" else None)
    initial = {f"mark_{m.criterion_id}": m.value for m in assignment.marks.all()}
    initial |= {"recommendation": assignment.recommendation, "comment": assignment.comment}
    review = forms.ReviewForm(
        request.POST if request.method == "POST" else None, criteria=criteria, initial=initial
    )
    if request.method == "POST":
        try:
            if assignment.declared_at is None:
                if declaration.is_valid():
                    data = declaration.cleaned_data
                    services.declare(request.user, assignment, data["conflict"], data["note"])
                    messages.success(request, _("Declaration recorded."))
                    return redirect("calls:review", assignment.pk)
                _form_errors(request, declaration)
            elif review.is_valid():
                data = review.cleaned_data
                services.review(
                    request.user, assignment, review.marks(), data["recommendation"], data["comment"]
                )
                messages.success(request, _("Review saved."))
                return redirect("calls:review", assignment.pk)
            else:
                _form_errors(request, review)
        except services.CallError as problem:
            _refused(request, problem)
            return redirect("calls:review", assignment.pk)
    return render(
        request,
        "calls/review.html",
        {
            "assignment": assignment,
            "application": application,
            "declaration": declaration if assignment.declared_at is None else None,
            "form": review if assignment.declared_at and not assignment.conflict else None,
            "may_review": application.status == Status.SUBMITTED,
            "attachments": application.attachments.filter(kind=Attachment.Kind.DOCUMENT),
        },
    )


# ---- staff pages (network administrators) ----------------------------------------------------------------


def _recommendation_label(value: str | None) -> str:
    return Assignment.Recommendation(value).label if value else ""


def _admin_only(request: HttpRequest) -> None:
    if not permissions.is_network_admin(request.user):
        raise PermissionDenied(_("Only a network administrator runs the calls for projects."))


@staff_required
def staff_calls(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    calls = Call.objects.all()
    return render(request, "calls/staff/calls.html", {"calls": calls})


@staff_required
@require_http_methods(["GET", "POST"])
def staff_edit_call(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _admin_only(request)
    call = get_object_or_404(Call, pk=pk) if pk else None
    initial = {"grid": services.grid_text(call)} if call else {}
    form = forms.CallForm(request.POST or None, instance=call, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.save_call(
                    request.user, form.values(), Call.objects.get(pk=pk) if pk else None
                )
            except services.CallError as problem:
                _refused(request, problem)
            else:
                messages.success(request, _("Call saved."))
                return redirect("calls-staff:call", saved.pk)
        else:
            _form_errors(request, form)
    return render(request, "calls/staff/edit.html", {"call": call, "form": form})


@staff_required
@require_http_methods(["GET", "POST"])
def staff_call(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    call = get_object_or_404(Call, pk=pk)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "publish":
                services.publish_results(request.user, call)
                messages.success(request, _("Results published."))
            else:
                bulk = forms.BulkAssignForm(request.POST, call=call)
                if bulk.is_valid():
                    made = services.assign_by_theme(
                        request.user, call, bulk.cleaned_data["theme"], bulk.cleaned_data["usernames"]
                    )
                    messages.success(request, _("%(count)s reviews assigned.") % {"count": made})
                else:
                    _form_errors(request, bulk)
        except services.CallError as problem:
            _refused(request, problem)
        return redirect("calls-staff:call", call.pk)
    applications = list(
        call.applications.exclude(status=Status.DRAFT)
        .select_related("library")
        .prefetch_related("assignments")
    )
    for application in applications:
        application.mean = services.mean_score(application)
        application.reviewers_say = services.reviewers_say(application)
    awarded = call.awarded_total()
    ranked = sorted((a for a in applications if a.mean is not None), key=lambda a: (-a.mean, a.title))
    chart = None
    if ranked:
        chart = horizontal_bar_chart(
            [Bar(label=a.title, value=float(a.mean)) for a in ranked],
            title=_("Mean score of the reviewers, per application (out of 100)"),
            chart_id="calls-scores",
            series_name=_("Mean score"),
            top=100,
            language=get_language(),
            rtl=get_language_bidi(),
        )
    return render(
        request,
        "calls/staff/call.html",
        {
            "call": call,
            "applications": applications,
            "drafts": call.applications.filter(status=Status.DRAFT).count(),
            "awarded": awarded,
            "left": call.budget - awarded,
            "bulk_form": forms.BulkAssignForm(call=call) if call.theme_list else None,
            "ranked": ranked,
            # str(chart) is its markup, every text in it escaped
            "chart": mark_safe(str(chart)) if chart else None,
        },
    )


@staff_required
def staff_export(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    call = get_object_or_404(Call, pk=pk)
    out = io.StringIO()
    csv.writer(out).writerows(services.export_rows(request.user, call))
    response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="call-{call.pk}-applications.csv"'
    return response


@staff_required
@require_http_methods(["GET", "POST"])
def staff_application(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    application = get_object_or_404(Application.objects.select_related("call", "library", "applicant"), pk=pk)
    if application.status == Status.DRAFT:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "assign":
                form = forms.AssignForm(request.POST)
                if form.is_valid():
                    services.assign(request.user, application, form.cleaned_data["username"])
                    messages.success(request, _("Reviewer assigned."))
                else:
                    _form_errors(request, form)
            elif action == "judge":
                form = forms.JudgementForm(request.POST)
                if form.is_valid():
                    services.judge(
                        request.user, application, form.cleaned_data["verdict"], form.cleaned_data["note"]
                    )
                    messages.success(request, _("Judgement recorded."))
                else:
                    _form_errors(request, form)
            elif action == "decide":
                form = forms.DecisionForm(request.POST)
                if form.is_valid():
                    data = form.cleaned_data
                    services.decide(request.user, application, data["accepted"], data["amount"], data["note"])
                    messages.success(request, _("Decision recorded; the applicant was told by e-mail."))
                else:
                    _form_errors(request, form)
            elif action == "close":
                services.close_project(request.user, application)
                messages.success(request, _("Project closed."))
            else:
                messages.error(request, _("Unknown action."))
        except services.CallError as problem:
            _refused(request, problem)
        return redirect("calls-staff:application", application.pk)
    assignments = application.assignments.select_related("reviewer").prefetch_related("marks")
    criteria = list(application.call.criteria.all())
    rows = []
    for assignment in assignments:
        marks = {m.criterion_id: m.value for m in assignment.marks.all()}
        rows.append({"assignment": assignment, "marks": [marks.get(c.pk) for c in criteria]})
    return render(
        request,
        "calls/staff/application.html",
        {
            "application": application,
            "call": application.call,
            "criteria": criteria,
            "rows": rows,
            "mean": services.mean_score(application),
            "reviewers_say": _recommendation_label(services.reviewers_say(application)),
            "attachments": application.attachments.all(),
            "spending": application.spending.all(),
            "assign_form": forms.AssignForm(),
            "judge_form": forms.JudgementForm(),
            "decision_form": forms.DecisionForm(initial={"amount": application.requested_amount}),
        },
    )
