"""Needs surveys: who may build, send, answer and read them, and what their results are.

Network administrators run the network's surveys; a library's staff run their library's (asking its
members). Verified members answer an open survey once; the answers of an anonymous survey keep no link to
the member (see :mod:`.models`)."""

from __future__ import annotations

import csv
import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from io import StringIO

from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language, get_language_bidi, gettext_lazy
from django.utils.translation import gettext as _

from khizana.accounts import permissions
from khizana.accounts.audit import audit
from khizana.accounts.models import Membership, ReaderCategory, Role
from khizana.core import charts
from khizana.libraries.models import Library

from . import tally
from .models import LANGUAGES, SCALE, Choice, Participation, Question, Response, Survey

CATEGORY = "category"  # breaking down by the member's profile (their reader category)
PROBLEMS = {
    "required": gettext_lazy("an answer is required"),
    "one-only": gettext_lazy("choose one answer only"),
    "unknown-option": gettext_lazy("this answer is not one of the choices"),
    "too-long": gettext_lazy("the answer is too long"),
}


class SurveyError(Exception):
    """A request refused, with a message for the person who made it."""


class NotAllowed(SurveyError):
    pass


class AlreadyAnswered(SurveyError):
    pass


# ---- who may do what -------------------------------------------------------------------------------------


def can_manage(user, library: Library | int | None) -> bool:
    """Build, send and read the surveys of ``library`` (None: the network's, for its administrators)."""
    if library is None:
        return permissions.is_network_admin(user)
    return permissions.can_write(user, library)


def managed_surveys(user) -> QuerySet[Survey]:
    if permissions.is_network_admin(user):
        return Survey.objects.all()
    if permissions.is_staff(user):
        return Survey.objects.filter(library_id=permissions.membership(user).library_id)
    return Survey.objects.none()


def _require_manager(user, survey: Survey) -> None:
    if not can_manage(user, survey.library_id):
        raise NotAllowed(_("You do not run this survey."))


def is_asked(user, survey: Survey) -> bool:
    """A verified member of the network (of the survey's library, for a library's survey)."""
    found = permissions.membership(user)
    if not found or not found.is_verified:
        return False
    return survey.library_id is None or found.library_id == survey.library_id


def has_answered(user, survey: Survey) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Participation.objects.filter(survey=survey, user=user).exists()


def open_surveys(user) -> QuerySet[Survey]:
    """The open surveys published on the portal that the user may see: the network's, and their library's."""
    found = Survey.objects.filter(status=Survey.Status.OPEN, listed=True)
    member = permissions.membership(user)
    if member and member.library_id:
        return found.filter(Q(library__isnull=True) | Q(library_id=member.library_id))
    return found.filter(library__isnull=True)


# ---- building --------------------------------------------------------------------------------------------


@dataclass
class SurveyText:
    texts: dict[str, str]  # title_fr, intro_ar…
    library: Library | None
    anonymous: bool
    listed: bool


def save_survey(user, values: SurveyText, survey: Survey | None = None) -> Survey:
    """Create or change a survey: the user must run both the library it had and the one it gets; whether it
    is anonymous is fixed once someone has answered."""
    if not can_manage(user, values.library):
        raise NotAllowed(_("You may not run surveys for this library."))
    if survey is not None:
        _require_manager(user, survey)
        if survey.anonymous != values.anonymous and survey.participations.exists():
            raise SurveyError(_("Anonymous: members have answered already, it can no longer change."))
    if not any(values.texts.get(f"title_{code}", "").strip() for code in LANGUAGES):
        raise SurveyError(_("Title: write it in one language at least."))
    with transaction.atomic():
        survey = survey or Survey(created_by=user)
        for name, text in values.texts.items():
            setattr(survey, name, text.strip())
        survey.library, survey.anonymous, survey.listed = values.library, values.anonymous, values.listed
        survey.save()
        audit(user, survey.library, "survey.save", f"survey {survey.pk}")
    return survey


def condition_options(survey: Survey, before: int | None = None) -> list[tuple[str, str]]:
    """The answers a new question (or the one at position ``before``) may depend on: ("question id:option",
    "Q2 = Yes") for every option of the earlier choice and scale questions."""
    found = []
    questions = survey.questions.exclude(kind=Question.Kind.TEXT).prefetch_related("choices")
    if before is not None:
        questions = questions.filter(position__lt=before)
    for question in questions:
        for key, label in option_labels(question):
            found.append((f"{question.pk}:{key}", f"Q{question.position}. {question.text} = {label}"))
    return found


@dataclass
class QuestionText:
    kind: str
    texts: dict[str, str]  # text_fr, text_ar, text_en
    required: bool = False
    choices: str = ""  # one a line: French | Arabic | English
    conditions: list[str] = field(default_factory=list)  # "question id:option" from condition_options


def _require_draft(survey: Survey) -> None:
    if survey.status != Survey.Status.DRAFT:
        raise SurveyError(_("Questions: they change only while the survey is a draft."))


def add_question(user, survey: Survey, values: QuestionText) -> Question:
    """Add a question at the end of a draft survey; refused with the reason when its text, its choices
    or its condition is missing or wrong."""
    _require_manager(user, survey)
    _require_draft(survey)
    if values.kind not in Question.Kind.values:
        raise SurveyError(_("Kind: choose one of the kinds offered."))
    if not any(values.texts.get(f"text_{code}", "").strip() for code in LANGUAGES):
        raise SurveyError(_("Question: write it in one language at least."))
    choices = (
        tally.choice_lines(values.choices)
        if values.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE)
        else []
    )
    if values.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE) and len(choices) < 2:
        raise SurveyError(_("Choices: write two at least, one a line."))
    if any(not fr for fr, _ar, _en in choices):
        raise SurveyError(_("Choices: each needs its French text first (French | Arabic | English)."))
    condition_question, condition_values = None, []
    wanted = [value for value in values.conditions if value]
    if wanted:
        allowed = {key for key, _label in condition_options(survey)}
        if any(value not in allowed for value in wanted):
            raise SurveyError(_("Shown only if: choose an answer to an earlier question."))
        questions = {value.split(":")[0] for value in wanted}
        if len(questions) > 1:
            raise SurveyError(_("Shown only if: the answers must be to the same question."))
        condition_question = survey.questions.get(pk=int(questions.pop()))
        condition_values = [value.split(":", 1)[1] for value in wanted]
    with transaction.atomic():
        last = survey.questions.order_by("-position").values_list("position", flat=True).first() or 0
        question = Question.objects.create(
            survey=survey,
            position=last + 1,
            kind=values.kind,
            required=values.required,
            condition_question=condition_question,
            condition_values=condition_values,
            **{name: text.strip() for name, text in values.texts.items()},
        )
        for position, (fr, ar, en) in enumerate(choices, start=1):
            Choice.objects.create(question=question, position=position, text_fr=fr, text_ar=ar, text_en=en)
        audit(user, survey.library, "survey.question", f"survey {survey.pk}", question=question.pk)
    return question


def delete_question(user, survey: Survey, question_id: int) -> None:
    """Remove a question of a draft survey, and the questions shown only after its answers."""
    _require_manager(user, survey)
    _require_draft(survey)
    question = survey.questions.filter(pk=question_id).first()
    if question is None:
        raise SurveyError(_("Question: there is no such question in this survey."))
    with transaction.atomic():
        question.delete()
        for position, kept in enumerate(survey.questions.order_by("position"), start=1):
            if kept.position != position:
                Question.objects.filter(pk=kept.pk).update(position=position)
        audit(user, survey.library, "survey.question.delete", f"survey {survey.pk}", question=question_id)


def set_field_question(user, survey: Survey, question_id: int | None) -> Survey:
    """Name the single-choice question that asks the research field (results by research field)."""
    _require_manager(user, survey)
    question = None
    if question_id is not None:
        question = survey.questions.filter(pk=question_id, kind=Question.Kind.SINGLE).first()
        if question is None:
            raise SurveyError(_("Research field: choose a single-choice question of this survey."))
    with transaction.atomic():
        survey.field_question = question
        survey.save(update_fields=["field_question"])
        audit(user, survey.library, "survey.field", f"survey {survey.pk}", question=question_id)
    return survey


def set_status(user, survey: Survey, status: str) -> Survey:
    """Open (publish), close or reopen a survey; a survey without questions does not open."""
    _require_manager(user, survey)
    if status not in (Survey.Status.OPEN, Survey.Status.CLOSED):
        raise SurveyError(_("Status: open or close."))
    if status == Survey.Status.OPEN and not survey.questions.exists():
        raise SurveyError(_("Questions: add one at least before opening the survey."))
    with transaction.atomic():
        survey.status = status
        survey.save(update_fields=["status"])
        audit(user, survey.library, "survey.status", f"survey {survey.pk}", status=status)
    return survey


def recipients(survey: Survey, category: str = "") -> QuerySet[Membership]:
    """The verified readers the survey asks, with an e-mail address, who have not answered yet."""
    found = Membership.objects.filter(role=Role.READER, verified_at__isnull=False, user__is_active=True)
    found = found.exclude(user__email="")
    if survey.library_id:
        found = found.filter(library_id=survey.library_id)
    if category:
        found = found.filter(category=category)
    answered = Participation.objects.filter(survey=survey).values("user_id")
    return found.exclude(user_id__in=answered).select_related("user")


def send(user, survey: Survey, link: str, category: str = "") -> int:
    """E-mail the survey (its page at ``link``) to its members (of one profile when ``category`` is given)
    who have not answered: one message each, in the three languages. Returns how many were sent."""
    _require_manager(user, survey)
    if survey.status != Survey.Status.OPEN:
        raise SurveyError(_("Send: open the survey first."))
    if category and category not in ReaderCategory.values:
        raise SurveyError(_("Profile: choose one of the profiles offered."))
    titles = " / ".join(text for text in (survey.title_fr, survey.title_ar, survey.title_en) if text)
    subject = _("Survey: %(title)s") % {"title": titles}
    body = "\n\n".join(
        [
            titles,
            *(text for text in (survey.intro_fr, survey.intro_ar, survey.intro_en) if text),
            _("Answer here (once; signed in with your library account): %(link)s") % {"link": link},
        ]
    )
    if survey.anonymous:
        body += "\n\n" + _("This survey is anonymous: your answers are not linked to you.")
    messages = [(subject, body, None, [member.user.email]) for member in recipients(survey, category)]
    try:
        sent = send_mass_mail(messages, fail_silently=False) if messages else 0
    except (OSError, smtplib.SMTPException) as problem:
        message = _("Send: the mail server refused the messages (%(problem)s).") % {"problem": problem}
        raise SurveyError(message) from None
    with transaction.atomic():
        survey.sent_at = timezone.now()
        survey.save(update_fields=["sent_at"])
        audit(user, survey.library, "survey.send", f"survey {survey.pk}", sent=sent, category=category)
    return sent


# ---- answering -------------------------------------------------------------------------------------------


def option_labels(question: Question) -> list[tuple[str, str]]:
    """The options of a question as (key, label in the reader's language)."""
    if question.kind == Question.Kind.SCALE:
        return [(value, value) for value in SCALE]
    if question.kind == Question.Kind.TEXT:
        return []
    return [(choice.key, choice.text) for choice in question.choices.all()]


def questions_of(survey: Survey) -> list[Question]:
    return list(survey.questions.select_related("condition_question").prefetch_related("choices"))


def _spec(question: Question) -> tally.Spec:
    return tally.Spec(
        key=question.key,
        kind=question.kind,
        options=tuple(key for key, _label in option_labels(question)),
        required=question.required,
        condition_key=str(question.condition_question_id) if question.condition_question_id else None,
        condition_values=tuple(question.condition_values),
    )


def condition_text(question: Question) -> str:
    """The condition of a question in the reader's language ("" without one)."""
    if not question.condition_question_id:
        return ""
    earlier = question.condition_question
    labels = dict(option_labels(earlier))
    answers = " / ".join(f"“{labels.get(value, value)}”" for value in question.condition_values)
    return _("Only if you answered %(answers)s to question %(number)s.") % {
        "answers": answers,
        "number": earlier.position,
    }


def answer(user, survey: Survey, submitted: Mapping[str, Sequence[str]]) -> Response:
    """Record a member's answers (``submitted``: the values sent for each question id). Refused when the
    survey is not open, when the user is not asked, when they answered already, or (naming the
    questions) when an answer is missing or wrong. An anonymous survey's response keeps no user."""
    if survey.status != Survey.Status.OPEN:
        raise SurveyError(_("This survey is not open."))
    if not is_asked(user, survey):
        raise NotAllowed(_("This survey asks the verified members of its library or network only."))
    questions = questions_of(survey)
    answers, problems = tally.clean([_spec(question) for question in questions], submitted)
    if problems:
        numbers = {question.key: question.position for question in questions}
        raise SurveyError(
            " ".join(
                _("Question %(number)s: %(problem)s.")
                % {"number": numbers[key], "problem": PROBLEMS[problem]}
                for key, problem in problems
            )
        )
    member = permissions.membership(user)
    try:
        with transaction.atomic():
            Participation.objects.create(survey=survey, user=user)
            return Response.objects.create(
                survey=survey,
                user=None if survey.anonymous else user,
                category=member.category,
                answers=answers,
                submitted_on=timezone.localdate(),
            )
    except IntegrityError:
        raise AlreadyAnswered(_("You have answered this survey already: one answer per member.")) from None


# ---- results ---------------------------------------------------------------------------------------------


@dataclass
class Dimension:
    """What a question's answers are broken down by: another question, the profile or the research field."""

    key: str  # a question's id, or CATEGORY
    name: str
    options: list[tuple[str, str]]  # (key, label)


def dimensions(survey: Survey, questions: Sequence[Question]) -> list[Dimension]:
    """Every way to break the answers down: by profile, then by each question with options (the research
    field question named so)."""
    found = [
        Dimension(CATEGORY, _("Profile"), [(value, str(label)) for value, label in ReaderCategory.choices])
    ]
    for question in questions:
        if question.has_options:
            name = f"Q{question.position}. {question.text}"
            if question.pk == survey.field_question_id:
                name = _("Research field") + f" ({name})"
            found.append(Dimension(question.key, name, option_labels(question)))
    return found


def _rows(survey: Survey) -> list[dict]:
    return [dict(response.answers, **{CATEGORY: [response.category]}) for response in survey.responses.all()]


def _number(value: float) -> str:
    return f"{value:g}"


def results(survey: Survey, by: str = "") -> dict:
    """The results of every question: counts per option with a chart, broken down by ``by`` (a dimension
    key; "field" names the research field question) when given; free texts listed."""
    questions = questions_of(survey)
    rows = _rows(survey)
    all_dimensions = dimensions(survey, questions)
    if by == "field" and survey.field_question_id:
        by = str(survey.field_question_id)
    dimension = next((found for found in all_dimensions if found.key == by), None)
    language, rtl = (get_language() or "fr")[:2], get_language_bidi()
    items = []
    for question in questions:
        item = {
            "question": question,
            "answered": tally.answered(rows, question.key),
            "chart": None,
            "table": None,
            "texts": None,
            "mean": None,
            "too_many_groups": False,
        }
        if not question.has_options:
            item["texts"] = [text for row in rows if (text := row.get(question.key))]
            items.append(item)
            continue
        options = option_labels(question)
        keys = [key for key, _label in options]
        if question.kind == Question.Kind.SCALE:
            item["mean"] = tally.mean(rows, question.key)
        title = f"Q{question.position}. {question.text}"
        if dimension is None or dimension.key == question.key:
            found = tally.counts(rows, question.key, keys)
            bars = [charts.Bar(label, found[key]) for key, label in options]
            item["chart"] = charts.horizontal_bar_chart(
                bars, title=title, chart_id=f"q{question.pk}", series_name=_("Answers"),
                value_title=_("Answers"), language=language, rtl=rtl,
            )  # fmt: skip
            item["table"] = {
                "columns": [_("Answers")],
                "rows": [(label, [found[key]]) for key, label in options],
            }
        else:
            table = tally.crosstab(
                rows, question.key, keys, dimension.key, [key for key, _l in dimension.options]
            )
            labels = dict(dimension.options) | {tally.NO_ANSWER: _("no answer")}
            groups = [group for group in table if any(table[group].values())]
            columns = [labels[group] for group in groups]
            item["table"] = {
                "columns": columns,
                "rows": [(label, [table[group][key] for group in groups]) for key, label in options],
            }
            if 1 <= len(groups) <= len(charts.SERIES_COLOURS):
                bars = [charts.Group(label, tuple(table[g][key] for g in groups)) for key, label in options]
                item["chart"] = charts.grouped_column_chart(
                    bars, columns, title=title, description=_("by %(what)s") % {"what": dimension.name},
                    chart_id=f"q{question.pk}", value_title=_("Answers"), language=language, rtl=rtl,
                )  # fmt: skip
            else:
                item["too_many_groups"] = len(groups) > len(charts.SERIES_COLOURS)
        items.append(item)
    return {
        "items": items,
        "responses": len(rows),
        "dimensions": all_dimensions,
        "dimension": dimension,
    }


def _answer_text(question: Question, answer, labels: dict[str, str]) -> str:
    return " ; ".join(labels.get(value, value) for value in tally.values_of(answer))


def csv_text(user, survey: Survey) -> str:
    """Every response as a CSV line (one column per question, choices by their label in the reader's
    language); the member's name only when the survey is not anonymous."""
    _require_manager(user, survey)
    questions = questions_of(survey)
    labels = {question.key: dict(option_labels(question)) for question in questions}
    categories = dict(ReaderCategory.choices)
    out = StringIO()
    writer = csv.writer(out)
    header = [_("response"), _("answered on"), _("profile")]
    if not survey.anonymous:
        header.append(_("member"))
    writer.writerow(header + [f"Q{question.position}. {question.text}" for question in questions])
    for response in survey.responses.select_related("user"):
        line = [
            str(response.id),
            response.submitted_on.isoformat(),
            str(categories.get(response.category, "")),
        ]
        if not survey.anonymous:
            line.append(response.user.get_username() if response.user else "")
        for question in questions:
            line.append(_answer_text(question, response.answers.get(question.key), labels[question.key]))
        writer.writerow([tally.spreadsheet_safe(cell) for cell in line])
    return out.getvalue()
