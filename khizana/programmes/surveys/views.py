"""Thin views of needs surveys: the open surveys and the answering form (members), and the staff pages
(building, opening, sending, results with their breakdowns, CSV export)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from khizana.accounts.decorators import int_or_404, staff_required

from . import forms, services
from .models import Survey


def _refused(request: HttpRequest, problem: services.SurveyError) -> None:
    if isinstance(problem, services.NotAllowed):
        raise PermissionDenied(str(problem))
    messages.error(request, str(problem))


def _form_errors(request: HttpRequest, form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


# ---- members ---------------------------------------------------------------------------------------------


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "surveys/index.html", {"surveys": services.open_surveys(request.user)})


def _questions(survey: Survey, submitted: dict[str, list[str]] | None = None) -> list[dict]:
    """The questions as the form draws them, with what the member sent back checked again."""
    submitted = submitted or {}
    items = []
    for question in services.questions_of(survey):
        sent = submitted.get(question.key, [])
        items.append(
            {
                "question": question,
                "options": [
                    {"key": key, "label": label, "checked": key in sent}
                    for key, label in services.option_labels(question)
                ],
                "text": "\n".join(sent) if not question.has_options else "",
                "condition": services.condition_text(question),
                "condition_values": " ".join(question.condition_values),
            }
        )
    return items


@login_required
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=pk)
    if survey.status == Survey.Status.DRAFT:
        raise PermissionDenied(_("This survey is not open."))
    submitted: dict[str, list[str]] = {}
    if request.method == "POST":
        submitted = {
            name[1:]: request.POST.getlist(name)
            for name in request.POST
            if name.startswith("q") and name[1:].isdigit()
        }
        try:
            services.answer(request.user, survey, submitted)
        except services.SurveyError as problem:
            _refused(request, problem)
        else:
            messages.success(request, _("Thank you: your answers are recorded."))
            return redirect("surveys:answer", pk=survey.pk)
    return render(
        request,
        "surveys/answer.html",
        {
            "survey": survey,
            "questions": _questions(survey, submitted),
            "asked": services.is_asked(request.user, survey),
            "answered": services.has_answered(request.user, survey),
        },
    )


# ---- staff -----------------------------------------------------------------------------------------------


def _managed(request: HttpRequest, pk: int) -> Survey:
    survey = get_object_or_404(Survey, pk=pk)
    if not services.can_manage(request.user, survey.library_id):
        raise PermissionDenied(_("You do not run this survey."))
    return survey


@staff_required
@require_safe
def staff_surveys(request: HttpRequest) -> HttpResponse:
    surveys = services.managed_surveys(request.user).select_related("library")
    return render(request, "surveys/staff/surveys.html", {"surveys": surveys})


@staff_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    survey = _managed(request, pk) if pk else None
    form = forms.SurveyForm(request.POST or None, instance=survey, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            values = services.SurveyText(
                texts=form.texts(),
                library=form.cleaned_data["library"],
                anonymous=form.cleaned_data["anonymous"],
                listed=form.cleaned_data["listed"],
            )
            try:
                saved = services.save_survey(
                    request.user, values, survey and get_object_or_404(Survey, pk=pk)
                )
            except services.SurveyError as problem:
                _refused(request, problem)
            else:
                messages.success(request, _("The survey is saved."))
                return redirect("surveys-staff:survey", pk=saved.pk)
        else:
            _form_errors(request, form)
    return render(request, "surveys/staff/edit.html", {"form": form, "survey": survey})


@staff_required
@require_http_methods(["GET", "POST"])
def staff_survey(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _managed(request, pk)
    question_form = forms.QuestionForm(condition_choices=services.condition_options(survey))
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "question":
                question_form = forms.QuestionForm(
                    request.POST, condition_choices=services.condition_options(survey)
                )
                if question_form.is_valid():
                    data = question_form.cleaned_data
                    values = services.QuestionText(
                        kind=data["kind"],
                        texts=question_form.texts(),
                        required=data["required"],
                        choices=data["choices"],
                        conditions=list(data.get("conditions") or []),
                    )
                    services.add_question(request.user, survey, values)
                    messages.success(request, _("The question is added."))
                    return redirect("surveys-staff:survey", pk=survey.pk)
                _form_errors(request, question_form)
            elif action == "delete-question":
                services.delete_question(request.user, survey, int_or_404(request.POST.get("question")))
                messages.success(request, _("The question is removed."))
                return redirect("surveys-staff:survey", pk=survey.pk)
            elif action in ("open", "close"):
                status = Survey.Status.OPEN if action == "open" else Survey.Status.CLOSED
                services.set_status(request.user, survey, status)
                messages.success(
                    request, _("The survey is open.") if action == "open" else _("The survey is closed.")
                )
                return redirect("surveys-staff:survey", pk=survey.pk)
            elif action == "field":
                field_form = forms.FieldQuestionForm(request.POST, survey=survey)
                if field_form.is_valid():
                    services.set_field_question(request.user, survey, field_form.cleaned_data["question"])
                    messages.success(request, _("The research field question is saved."))
                    return redirect("surveys-staff:survey", pk=survey.pk)
                _form_errors(request, field_form)
            elif action == "send":
                send_form = forms.SendForm(request.POST)
                if send_form.is_valid():
                    link = request.build_absolute_uri(reverse("surveys:answer", args=[survey.pk]))
                    sent = services.send(request.user, survey, link, send_form.cleaned_data["category"])
                    messages.success(
                        request, _("The survey was sent to %(count)d members.") % {"count": sent}
                    )
                    return redirect("surveys-staff:survey", pk=survey.pk)
                _form_errors(request, send_form)
            else:
                messages.error(request, _("Action: unknown."))
        except services.SurveyError as problem:
            _refused(request, problem)
    return render(
        request,
        "surveys/staff/survey.html",
        {
            "survey": survey,
            "questions": _questions(survey),
            "question_form": question_form,
            "field_form": forms.FieldQuestionForm(survey=survey),
            "send_form": forms.SendForm(),
            "responses": survey.responses.count(),
            "answer_url": request.build_absolute_uri(reverse("surveys:answer", args=[survey.pk])),
        },
    )


@staff_required
@require_safe
def staff_results(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _managed(request, pk)
    by = request.GET.get("by", "")
    found = services.results(survey, by)
    if by and found["dimension"] is None:
        messages.error(request, _("Break down by: choose one of the ways offered."))
    return render(request, "surveys/staff/results.html", {"survey": survey, "by": by, **found})


@staff_required
@require_safe
def staff_csv(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _managed(request, pk)
    response = HttpResponse(services.csv_text(request.user, survey), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}.csv"'
    return response
