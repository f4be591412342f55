"""Calls for projects: the call and its scoring grid, the applications, the reviewers assigned to them
(with their declaration of conflicts of interest and their marks), the committee's decision and the
follow-up of funded projects (reports, spending) to their closing."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from khizana.libraries.models import Library


def _in_language(obj, field: str) -> str:
    language = (get_language() or "fr")[:2]
    return getattr(obj, f"{field}_{language}", "") or getattr(obj, f"{field}_fr")


class Call(models.Model):
    class Eligibility(models.TextChoices):
        LIBRARIES = "libraries", _("member libraries")
        TEAMS = "teams", _("research teams")
        BOTH = "both", _("member libraries and research teams")

    title_fr = models.CharField(_("title (French)"), max_length=255)
    title_ar = models.CharField(_("title (Arabic)"), max_length=255, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=255, blank=True)
    text_fr = models.TextField(_("text (French)"))
    text_ar = models.TextField(_("text (Arabic)"), blank=True)
    text_en = models.TextField(_("text (English)"), blank=True)
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2)
    opens_at = models.DateTimeField(_("opens on"))
    closes_at = models.DateTimeField(_("closes on"))
    eligibility = models.CharField(_("who may apply"), max_length=12, choices=Eligibility.choices)
    themes = models.TextField(_("themes"), blank=True, help_text=_("One per line; reviewers go by theme."))
    results_published_at = models.DateTimeField(_("results published on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-closes_at", "-id"]
        verbose_name = _("call for projects")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="call_dates",
                violation_error_message=_("Dates: the call must close after it opens."),
            )
        ]

    def __str__(self) -> str:
        return self.title_fr

    @property
    def title(self) -> str:
        return _in_language(self, "title")

    @property
    def text(self) -> str:
        return _in_language(self, "text")

    @property
    def theme_list(self) -> list[str]:
        return [line.strip() for line in self.themes.splitlines() if line.strip()]

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    def accepts(self, kind: str) -> bool:
        return self.eligibility in (self.Eligibility.BOTH, kind)

    def awarded_total(self, excluding: int | None = None) -> Decimal:
        accepted = self.applications.filter(awarded_amount__isnull=False)
        if excluding:
            accepted = accepted.exclude(pk=excluding)
        return accepted.aggregate(total=Sum("awarded_amount"))["total"] or Decimal(0)


class Criterion(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("criterion"), max_length=200)
    weight = models.PositiveSmallIntegerField(_("weight"))
    scale = models.PositiveSmallIntegerField(_("highest mark"))

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["call", "position"], name="unique_criterion_position")]

    def __str__(self) -> str:
        return self.name


class Application(models.Model):
    class Kind(models.TextChoices):
        LIBRARIES = "libraries", pgettext_lazy("kind of applicant", "member library")
        TEAMS = "teams", _("research team")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        REVISIONS = "revisions", _("revisions required")
        RECOMMENDED = "recommended", _("recommended to the committee")
        NOT_RECOMMENDED = "not_recommended", _("not recommended to the committee")
        ACCEPTED = "accepted", _("funded")
        REJECTED = "rejected", _("not funded")
        CLOSED = "closed", _("funded, closed")

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("applying as"), max_length=12, choices=Kind.choices)
    library = models.ForeignKey(
        Library, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("library")
    )
    team = models.CharField(_("research team"), max_length=255, blank=True)
    title = models.CharField(_("project title"), max_length=255)
    summary = models.TextField(_("summary"))
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    partners = models.TextField(_("partners"), blank=True, help_text=_("One per line."))
    requested_amount = models.DecimalField(_("requested amount"), max_digits=14, decimal_places=2)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("submitted on"), null=True, blank=True)
    revision_note = models.TextField(_("revisions asked"), blank=True)
    judged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    judgement_note = models.TextField(_("judge's note"), blank=True)
    overruled = models.BooleanField(_("the judge overruled the reviewers"), default=False)
    awarded_amount = models.DecimalField(
        _("awarded amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    decision_note = models.TextField(_("committee's note"), blank=True)
    decided_at = models.DateTimeField(_("decided on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("application")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="libraries", library__isnull=False) | Q(kind="teams"),
                name="application_library",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def applicant_name(self) -> str:
        return self.library.name if self.library_id else self.team

    @property
    def partner_list(self) -> list[str]:
        return [line.strip() for line in self.partners.splitlines() if line.strip()]

    @property
    def is_funded(self) -> bool:
        return self.status in (self.Status.ACCEPTED, self.Status.CLOSED)

    def spent_total(self) -> Decimal:
        return self.spending.aggregate(total=Sum("amount"))["total"] or Decimal(0)


class Attachment(models.Model):
    class Kind(models.TextChoices):
        DOCUMENT = "document", _("application document")
        INTERIM = "interim", _("interim report")
        FINAL = "final", _("final report")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("file name"), max_length=200)
    stored_name = models.CharField(max_length=64, unique=True)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    """A reviewer asked to review an application; they first declare whether they have a conflict of
    interest (then they may neither see nor mark it), then mark it on the grid."""

    class Recommendation(models.TextChoices):
        FUND = "fund", _("fund")
        REVISE = "revise", _("revisions required")
        REJECT = "reject", _("do not fund")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="call_reviews"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    declared_at = models.DateTimeField(_("conflicts declared on"), null=True, blank=True)
    conflict = models.BooleanField(_("conflict of interest"), default=False)
    conflict_note = models.CharField(_("nature of the conflict"), max_length=500, blank=True)
    recommendation = models.CharField(
        _("recommendation"), max_length=8, choices=Recommendation.choices, blank=True
    )
    comment = models.TextField(_("comment"), blank=True)
    score = models.DecimalField(_("score out of 100"), max_digits=4, decimal_places=1, null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed on"), null=True, blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "reviewer"], name="unique_reviewer")]

    def __str__(self) -> str:
        return f"{self.reviewer} → {self.application}"


class Mark(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="marks")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    value = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assignment", "criterion"], name="unique_mark")]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.value}"


class SpendingLine(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="spending")
    spent_on = models.DateField(_("date"))
    label = models.CharField(_("what"), max_length=255)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["spent_on", "id"]

    def __str__(self) -> str:
        return f"{self.spent_on} {self.label} {self.amount}"
