"""What may be done with calls for projects, one transaction and one permission check per call.

Network administrators run the calls (write them, assign reviewers, judge, decide, publish, close the
funded projects); the staff of a member library apply for their library, a verified reader for a research
team; reviewers are whoever a network administrator assigns. Deadlines are the server's
clock."""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from khizana.accounts import permissions
from khizana.accounts.models import Role
from khizana.core.files import safe_display_name

from . import grid
from .models import Application, Assignment, Attachment, Call, Criterion, Mark, SpendingLine

Status = Application.Status
PENDING = (Status.SUBMITTED, Status.REVISIONS, Status.RECOMMENDED, Status.NOT_RECOMMENDED)


class CallError(Exception):
    """Refused: the message says which input and what is wrong, in the reader's language."""


class NotAllowed(CallError):
    """The user may not do this (views answer 403)."""


# ---- who may do what -----------------------------------------------------------------------------------


def kinds_allowed(user, call: Call) -> list[str]:
    """How ``user`` may apply to ``call``: for their library (its staff), for a research team (a verified
    reader, member of a library of the network). Network administrators run the calls and never apply."""
    current = permissions.role(user)
    found = permissions.membership(user)
    kinds = []
    if current in (Role.CATALOGUER, Role.LIBRARY_ADMIN) and call.accepts(Call.Eligibility.LIBRARIES):
        kinds.append(Application.Kind.LIBRARIES)
    verified = bool(found and found.is_verified)
    if current == Role.READER and verified and call.accepts(Call.Eligibility.TEAMS):
        kinds.append(Application.Kind.TEAMS)
    return kinds


def is_applicant(user, application: Application) -> bool:
    """The applicant, or (for a library's application) any member of that library's staff."""
    if not getattr(user, "is_authenticated", False):
        return False
    if application.applicant_id == user.pk and user.is_active:
        return True
    library_staff = permissions.role(user) in (Role.CATALOGUER, Role.LIBRARY_ADMIN)
    return (
        application.kind == Application.Kind.LIBRARIES
        and library_staff
        and permissions.can_write(user, application.library_id)
    )


def reviewing(user, application: Application) -> Assignment | None:
    """The user's assignment to review ``application`` if they declared no conflict of interest."""
    if not getattr(user, "is_authenticated", False):
        return None
    return application.assignments.filter(reviewer=user, declared_at__isnull=False, conflict=False).first()


def may_see(user, application: Application) -> bool:
    if permissions.is_network_admin(user) or is_applicant(user, application):
        return True
    return application.status != Status.DRAFT and reviewing(user, application) is not None


def applications_of(user) -> QuerySet[Application]:
    """The applications ``user`` made or (staff) their library made, never anybody else's."""
    if not getattr(user, "is_authenticated", False):
        return Application.objects.none()
    mine = Application.objects.filter(applicant=user)
    if permissions.role(user) in (Role.CATALOGUER, Role.LIBRARY_ADMIN):
        library = permissions.membership(user).library_id
        mine = mine | Application.objects.filter(kind=Application.Kind.LIBRARIES, library_id=library)
    return mine.select_related("call", "library").distinct()


def _require_admin(user) -> None:
    if not permissions.is_network_admin(user):
        raise NotAllowed(_("Only a network administrator may do this."))


def _require_applicant(user, application: Application) -> None:
    if not is_applicant(user, application):
        raise NotAllowed(_("This application is not yours."))


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("call", "applicant").get(pk=application.pk)


def _editable(application: Application, now=None) -> bool:
    if application.status == Status.REVISIONS:
        return True
    return application.status == Status.DRAFT and application.call.is_open(now)


def is_editable(application: Application) -> bool:
    """The applicant may still change it: a draft while the call is open, or one sent back for revisions."""
    return _editable(application)


# ---- e-mails ---------------------------------------------------------------------------------------------


def _mail_applicant(application: Application, subject: str, body: str) -> None:
    address = application.applicant.email
    if address:
        send_mail(subject, body, None, [address])


# ---- calls -----------------------------------------------------------------------------------------------


@dataclass
class CallText:
    title_fr: str
    title_ar: str
    title_en: str
    text_fr: str
    text_ar: str
    text_en: str
    budget: Decimal
    opens_at: object
    closes_at: object
    eligibility: str
    themes: str
    grid: str


@transaction.atomic
def save_call(user, values: CallText, call: Call | None = None) -> Call:
    """Write a new call or change one (its grid only until a reviewer has marked an application)."""
    _require_admin(user)
    if not values.title_fr.strip() or not values.text_fr.strip():
        raise CallError(_("Title and text: the French title and text are required."))
    if values.budget is None or values.budget <= 0:
        raise CallError(_("Budget: it must be more than zero."))
    if values.closes_at <= values.opens_at:
        raise CallError(_("Dates: the call must close after it opens."))
    if values.eligibility not in Call.Eligibility.values:
        raise CallError(_("Who may apply: choose one of the options."))
    try:
        criteria = grid.parse_grid(values.grid)
    except grid.GridError as problem:
        raise CallError(_("Scoring grid: %(problem)s.") % {"problem": problem}) from None
    call = call or Call(created_by=user)
    if call.pk:
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.awarded_total() > values.budget:
            raise CallError(_("Budget: it is less than the amounts already awarded."))
    for field in ("title_fr", "title_ar", "title_en", "text_fr", "text_ar", "text_en", "themes"):
        setattr(call, field, getattr(values, field).strip())
    call.budget, call.opens_at, call.closes_at = values.budget, values.opens_at, values.closes_at
    call.eligibility = values.eligibility
    call.save()
    current = [grid.Criterion(c.name, c.weight, c.scale) for c in call.criteria.all()]
    if current != criteria:
        if Mark.objects.filter(assignment__application__call=call).exists():
            raise CallError(_("Scoring grid: reviewers have already marked applications on it."))
        call.criteria.all().delete()
        Criterion.objects.bulk_create(
            Criterion(call=call, position=n, name=c.name, weight=c.weight, scale=c.scale)
            for n, c in enumerate(criteria, start=1)
        )
    return call


def grid_text(call: Call) -> str:
    return grid.format_grid(grid.Criterion(c.name, c.weight, c.scale) for c in call.criteria.all())


# ---- applications ----------------------------------------------------------------------------------------


@dataclass
class ApplicationText:
    kind: str
    team: str
    title: str
    summary: str
    theme: str
    partners: str
    requested_amount: Decimal


def _fill(application: Application, values: ApplicationText, call: Call) -> None:
    if not values.title.strip() or not values.summary.strip():
        raise CallError(_("Project: the title and the summary are required."))
    if values.requested_amount is None or values.requested_amount <= 0:
        raise CallError(_("Requested amount: it must be more than zero."))
    if values.requested_amount > call.budget:
        raise CallError(_("Requested amount: it is more than the call's whole budget."))
    if values.theme and values.theme not in call.theme_list:
        raise CallError(_("Theme: choose one of the call's themes."))
    if application.kind == Application.Kind.TEAMS and not values.team.strip():
        raise CallError(_("Research team: name the team."))
    application.team = values.team.strip() if application.kind == Application.Kind.TEAMS else ""
    application.title = values.title.strip()
    application.summary = values.summary.strip()
    application.theme = values.theme
    application.partners = "\n".join(line.strip() for line in values.partners.splitlines() if line.strip())
    application.requested_amount = values.requested_amount


@transaction.atomic
def start_application(user, call: Call, values: ApplicationText) -> Application:
    """A draft, while the call is open, by someone the call's eligibility admits."""
    if values.kind not in kinds_allowed(user, call):
        raise NotAllowed(_("Applying as: this call does not accept applications from you in this role."))
    if not call.is_open():
        raise CallError(_("Deadline: this call is not open for applications."))
    application = Application(call=call, applicant=user, kind=values.kind)
    if values.kind == Application.Kind.LIBRARIES:
        application.library_id = permissions.membership(user).library_id
    _fill(application, values, call)
    application.save()
    return application


@transaction.atomic
def update_application(user, application: Application, values: ApplicationText) -> Application:
    _require_applicant(user, application)
    application = Application.objects.select_for_update().select_related("call").get(pk=application.pk)
    if not _editable(application):
        raise CallError(_("Deadline: this application can no longer be changed."))
    _fill(application, values, application.call)
    application.save()
    return application


@transaction.atomic
def submit(user, application: Application) -> Application:
    """Send the draft (before the deadline) or the revised application to the reviewers."""
    _require_applicant(user, application)
    application = Application.objects.select_for_update().select_related("call").get(pk=application.pk)
    if application.status == Status.DRAFT:
        if not application.call.is_open():
            raise CallError(
                _("Deadline: the call closed on %(date)s; it no longer takes applications.")
                % {"date": f"{application.call.closes_at:%Y-%m-%d %H:%M} UTC"}
            )
    elif application.status != Status.REVISIONS:
        raise CallError(_("This application has already been submitted."))
    if not application.attachments.filter(kind=Attachment.Kind.DOCUMENT).exists():
        raise CallError(_("Documents: attach the application document (PDF) before submitting."))
    resubmitted = application.status == Status.REVISIONS
    application.status = Status.SUBMITTED
    application.submitted_at = timezone.now()
    application.save(update_fields=["status", "submitted_at"])
    if resubmitted:  # the reviewers look at the new version afresh
        application.assignments.update(recommendation="", score=None, reviewed_at=None)
        Mark.objects.filter(assignment__application=application).delete()
    transaction.on_commit(lambda: _mail_applicant(
        application,
        _("Application received: %(title)s") % {"title": application.title},
        _("Your application “%(title)s” to the call “%(call)s” was received on %(date)s.")
        % {"title": application.title, "call": application.call.title,
           "date": f"{application.submitted_at:%Y-%m-%d %H:%M} UTC"},
    ))  # fmt: skip
    return application


def _store_pdf(upload) -> tuple[str, int]:
    """Check ``upload`` is a PDF within the size limit and store it under a random name."""
    if upload is None or upload.size == 0:
        raise CallError(_("File: choose a PDF file."))
    if upload.size > settings.KHIZANA_CALLS_MAX_BYTES:
        raise CallError(_("File: it is larger than the limit of %(size)s MB.")
                        % {"size": settings.KHIZANA_CALLS_MAX_BYTES // (1024 * 1024)})  # fmt: skip
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-":
        raise CallError(_("File: it is not a PDF."))
    folder = Path(settings.KHIZANA_CALLS_FILES_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = f"{secrets.token_hex(16)}.pdf"
    with (folder / stored_name).open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return stored_name, upload.size


def file_path(attachment: Attachment) -> Path:
    return Path(settings.KHIZANA_CALLS_FILES_DIR) / attachment.stored_name


def attach(user, application: Application, upload, kind: str) -> Attachment:
    """An application document (while the application may be changed) or a report (funded projects)."""
    if not is_applicant(user, application):
        raise NotAllowed(_("This application is not yours."))
    if kind not in Attachment.Kind.values:
        raise CallError(_("Kind of file: choose one of the options."))
    stored_name, size = _store_pdf(upload)
    try:
        return _record_attachment(user, application, kind, stored_name, size, safe_display_name(upload.name))
    except Exception:
        (Path(settings.KHIZANA_CALLS_FILES_DIR) / stored_name).unlink(missing_ok=True)
        raise


@transaction.atomic
def _record_attachment(user, application, kind, stored_name, size, name) -> Attachment:
    application = Application.objects.select_for_update().select_related("call").get(pk=application.pk)
    if kind == Attachment.Kind.DOCUMENT and not _editable(application):
        raise CallError(_("Deadline: this application can no longer be changed."))
    if kind != Attachment.Kind.DOCUMENT and application.status != Status.ACCEPTED:
        raise CallError(_("Reports: only a funded project that is not closed takes reports."))
    return Attachment.objects.create(
        application=application, kind=kind, name=name, stored_name=stored_name, size=size, uploaded_by=user
    )


@transaction.atomic
def remove_attachment(user, attachment: Attachment) -> None:
    """The applicant takes back an application document while the application may still be changed."""
    _require_applicant(user, attachment.application)
    application = _locked(attachment.application)
    if attachment.kind != Attachment.Kind.DOCUMENT or not _editable(application):
        raise CallError(_("File: it can no longer be removed."))
    path = file_path(attachment)
    attachment.delete()
    transaction.on_commit(lambda: path.unlink(missing_ok=True))


def may_download(user, attachment: Attachment) -> bool:
    return may_see(user, attachment.application)


# ---- reviewing -------------------------------------------------------------------------------------------


def _find_reviewer(username: str):
    found = get_user_model().objects.filter(username=username.strip(), is_active=True).first()
    if found is None:
        raise CallError(_("Reviewer: no active account “%(name)s”.") % {"name": username.strip()})
    return found


def _assign(admin, application: Application, reviewer) -> Assignment | None:
    if is_applicant(reviewer, application):
        return None  # nobody reviews their own application (or their library's)
    assignment, made = Assignment.objects.get_or_create(
        application=application, reviewer=reviewer, defaults={"assigned_by": admin}
    )
    return assignment if made else None


@transaction.atomic
def assign(user, application: Application, username: str) -> Assignment:
    _require_admin(user)
    if application.status == Status.DRAFT:
        raise CallError(_("Reviewer: a draft cannot be reviewed."))
    reviewer = _find_reviewer(username)
    if is_applicant(reviewer, application):
        raise CallError(_("Reviewer: %(name)s applied for this project.") % {"name": reviewer.username})
    made = _assign(user, application, reviewer)
    if made is None:
        raise CallError(_("Reviewer: %(name)s is already assigned.") % {"name": reviewer.username})
    return made


@transaction.atomic
def assign_by_theme(user, call: Call, theme: str, usernames: str) -> int:
    """Assign every reviewer named (one per line) to every submitted application of ``theme``; returns the
    number of new assignments (applicants are never assigned their own application)."""
    _require_admin(user)
    if theme not in call.theme_list:
        raise CallError(_("Theme: choose one of the call's themes."))
    reviewers = [_find_reviewer(name) for name in usernames.splitlines() if name.strip()]
    if not reviewers:
        raise CallError(_("Reviewers: name at least one account, one per line."))
    made = 0
    for application in call.applications.filter(theme=theme).exclude(status=Status.DRAFT):
        made += sum(_assign(user, application, reviewer) is not None for reviewer in reviewers)
    return made


def assignments_of(user) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(reviewer=user)
        .exclude(application__status=Status.DRAFT)
        .select_related("application__call")
    )


@transaction.atomic
def declare(user, assignment: Assignment, conflict: bool, note: str = "") -> Assignment:
    """The reviewer says, once, whether they have a conflict of interest with the application."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.reviewer_id != user.pk:
        raise NotAllowed(_("This review is not assigned to you."))
    if assignment.declared_at is not None:
        raise CallError(_("Conflicts of interest: already declared."))
    if conflict and not note.strip():
        raise CallError(_("Conflict of interest: say what it is."))
    assignment.conflict, assignment.conflict_note = conflict, note.strip()[:500] if conflict else ""
    assignment.declared_at = timezone.now()
    assignment.save()
    return assignment


@transaction.atomic
def review(
    user, assignment: Assignment, marks: dict[int, str], recommendation: str, comment: str
) -> Assignment:
    """Marks on every criterion of the grid, a recommendation and a comment (may be changed until the judge
    decides)."""
    assignment = (
        Assignment.objects.select_for_update().select_related("application__call").get(pk=assignment.pk)
    )
    if assignment.reviewer_id != user.pk or assignment.declared_at is None or assignment.conflict:
        raise NotAllowed(_("This review is not assigned to you."))
    if assignment.application.status != Status.SUBMITTED:
        raise CallError(_("This application is not waiting for reviews."))
    if recommendation not in Assignment.Recommendation.values:
        raise CallError(_("Recommendation: choose one of the options."))
    criteria = list(assignment.application.call.criteria.all())
    values = {}
    for criterion in criteria:
        try:
            values[criterion] = grid.read_mark(marks.get(criterion.pk, ""), _pure(criterion))
        except grid.GridError as problem:
            raise CallError(_("Marks: %(problem)s.") % {"problem": problem}) from None
    assignment.marks.all().delete()
    Mark.objects.bulk_create(Mark(assignment=assignment, criterion=c, value=v) for c, v in values.items())
    by_name = {c.name: v for c, v in values.items()}
    assignment.score = grid.weighted_score([_pure(c) for c in criteria], by_name)
    assignment.recommendation, assignment.comment = recommendation, comment.strip()
    assignment.reviewed_at = timezone.now()
    assignment.save()
    return assignment


def _pure(criterion: Criterion) -> grid.Criterion:
    return grid.Criterion(criterion.name, criterion.weight, criterion.scale)


def reviewers_say(application: Application) -> str | None:
    """The reviewers' majority recommendation (None without reviews or on a tie)."""
    counts = Counter(a.recommendation for a in application.assignments.all() if a.recommendation)
    ranked = counts.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def mean_score(application: Application) -> Decimal | None:
    scores = [a.score for a in application.assignments.all() if a.score is not None]
    return (sum(scores) / len(scores)).quantize(Decimal("0.1")) if scores else None


VERDICTS = {
    Assignment.Recommendation.FUND: Status.RECOMMENDED,
    Assignment.Recommendation.REVISE: Status.REVISIONS,
    Assignment.Recommendation.REJECT: Status.NOT_RECOMMENDED,
}


@transaction.atomic
def judge(user, application: Application, verdict: str, note: str) -> Application:
    """The judge's decision on the reviews: to the committee with or without a recommendation, or back to the
    applicant for revisions. Going against the reviewers' majority (or without one) needs a reason."""
    _require_admin(user)
    application = _locked(application)
    if application.status not in (Status.SUBMITTED, Status.RECOMMENDED, Status.NOT_RECOMMENDED):
        raise CallError(_("This application is not waiting for a judgement."))
    if verdict not in VERDICTS:
        raise CallError(_("Judgement: choose one of the options."))
    overruled = reviewers_say(application) != verdict
    if (overruled or verdict == Assignment.Recommendation.REVISE) and not note.strip():
        raise CallError(_("Judgement: give the reason (for revisions, or when going against the reviewers)."))
    application.status = VERDICTS[verdict]
    application.judged_by, application.judgement_note, application.overruled = user, note.strip(), overruled
    if verdict == Assignment.Recommendation.REVISE:
        application.revision_note = note.strip()
        transaction.on_commit(lambda: _mail_applicant(
            application,
            _("Revisions required: %(title)s") % {"title": application.title},
            _("Your application “%(title)s” is sent back for revisions:\n\n%(note)s\n\n"
              "Change it and submit it again from your applications page.")
            % {"title": application.title, "note": application.revision_note},
        ))  # fmt: skip
    application.save()
    return application


@transaction.atomic
def decide(user, application: Application, accepted: bool, amount: Decimal | None, note: str) -> Application:
    """The committee's decision: funded with an amount (no more than asked, the call's total within its
    budget) or not funded."""
    _require_admin(user)
    application = _locked(application)
    call = Call.objects.select_for_update().get(pk=application.call_id)  # one award at a time per call
    if application.status not in (Status.RECOMMENDED, Status.NOT_RECOMMENDED):
        raise CallError(_("This application has not been judged yet, or is already decided."))
    if accepted:
        if amount is None or amount <= 0:
            raise CallError(_("Awarded amount: it must be more than zero."))
        if amount > application.requested_amount:
            raise CallError(_("Awarded amount: it is more than the amount requested."))
        remaining = call.budget - call.awarded_total(excluding=application.pk)
        if amount > remaining:
            raise CallError(_("Awarded amount: only %(left)s of the budget is left.") % {"left": remaining})
    application.status = Status.ACCEPTED if accepted else Status.REJECTED
    application.awarded_amount = amount if accepted else None
    application.decision_note, application.decided_at = note.strip(), timezone.now()
    application.save()
    if accepted:
        body = _("The committee awards %(amount)s to your project “%(title)s”.")
    else:
        body = _("The committee did not select your project “%(title)s”.")
    body = body % {"amount": amount, "title": application.title}
    if application.decision_note:
        body += "\n\n" + application.decision_note
    transaction.on_commit(lambda: _mail_applicant(
        application, _("Decision on your application: %(title)s") % {"title": application.title}, body
    ))  # fmt: skip
    return application


@transaction.atomic
def publish_results(user, call: Call) -> Call:
    """Show the funded projects and their amounts on the call's public page, once every application is
    decided."""
    _require_admin(user)
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.is_open() or timezone.now() < call.opens_at:
        raise CallError(_("Results: the call is still open."))
    waiting = call.applications.filter(status__in=PENDING).count()
    if waiting:
        raise CallError(
            ngettext(
                "Results: %(count)s application is not decided yet.",
                "Results: %(count)s applications are not decided yet.",
                waiting,
            )
            % {"count": waiting}
        )
    call.results_published_at = timezone.now()
    call.save(update_fields=["results_published_at"])
    return call


def export_rows(user, call: Call) -> list[list[str]]:
    """The submitted applications of ``call`` with their reviews' mean score, for the committee."""
    _require_admin(user)
    rows = [
        [
            "id",
            "title",
            "applicant",
            "kind",
            "theme",
            "requested",
            "reviews",
            "mean_score",
            "status",
            "awarded",
        ]
    ]
    applications = call.applications.exclude(status=Status.DRAFT).select_related("library")
    for application in applications.prefetch_related("assignments"):
        mean = mean_score(application)
        rows.append(
            [
                str(application.pk),
                application.title,
                application.applicant_name,
                application.kind,
                application.theme,
                str(application.requested_amount),
                str(sum(a.score is not None for a in application.assignments.all())),
                "" if mean is None else str(mean),
                application.status,
                "" if application.awarded_amount is None else str(application.awarded_amount),
            ]
        )
    return rows


def winners(call: Call) -> QuerySet[Application]:
    if call.results_published_at is None:
        return Application.objects.none()
    return call.applications.filter(status__in=(Status.ACCEPTED, Status.CLOSED)).select_related("library")


# ---- funded projects -------------------------------------------------------------------------------------


@transaction.atomic
def add_spending(user, application: Application, spent_on: date, label: str, amount: Decimal) -> SpendingLine:
    _require_applicant(user, application)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != Status.ACCEPTED:
        raise CallError(_("Spending: only a funded project that is not closed records spending."))
    if not label.strip():
        raise CallError(_("Spending: say what the money was spent on."))
    if amount is None or amount <= 0:
        raise CallError(_("Spending: the amount must be more than zero."))
    if spent_on > timezone.localdate():
        raise CallError(_("Spending: the date is in the future."))
    if application.spent_total() + amount > application.awarded_amount:
        raise CallError(_("Spending: the total would be more than the awarded amount."))
    return SpendingLine.objects.create(
        application=application, spent_on=spent_on, label=label.strip(), amount=amount, recorded_by=user
    )


@transaction.atomic
def close_project(user, application: Application) -> Application:
    _require_admin(user)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != Status.ACCEPTED:
        raise CallError(_("Closing: only a funded project that is not closed can be closed."))
    if not application.attachments.filter(kind=Attachment.Kind.FINAL).exists():
        raise CallError(_("Closing: the final report has not been uploaded."))
    application.status, application.closed_at = Status.CLOSED, timezone.now()
    application.save(update_fields=["status", "closed_at"])
    return application
