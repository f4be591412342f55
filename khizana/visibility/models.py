"""The models of the app: the institution registry (ROR organisations and the local institutions staff
add under them) and the affiliation reports.

An :class:`Institution` comes from ROR (``ror_id``; loaded by ``khizana registry load``) or is local
(``local_key``; a faculty, school or laboratory that ROR lacks, added by staff). ``parent`` is the one
link the registry rolls up along (a lab -> its faculty -> its university); ROR's own parent and child
ids are kept as loaded (``ror_parent_ids``, ``ror_child_ids``) so that a parent loaded later is linked
then. Every name is an :class:`InstitutionName` (label per language, alias, acronym, variant) with a
folded ``key`` for lookups.

An :class:`AffiliationReport` is an affiliation analysis asked for on the research office's page: the
uploaded export and its report (``affiliations/``), owned by the institution whose research office it
is for (``owner``). Its :class:`ReportFigure` rows give, per institution and publication year, the
publications and those whose affiliations are correct and complete, as first analysed (before
corrections) and as last analysed. A :class:`Correction` is a research officer's decision on one
address of a report: the address names this institution (its name becomes a variant the matcher
knows); it is kept with who and when, and undone by removing the variant (and the local institution
it created, when nothing else uses it). A :class:`ResearchOffice`
scopes a user to one institution: they see that institution's reports only.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    ROR = "ror", _("ROR")
    LOCAL = "local", _("local")


class Institution(models.Model):
    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("university")
        FACULTY = "faculty", _("faculty")
        SCHOOL = "school", _("school")
        INSTITUTE = "institute", _("institute")
        LABORATORY = "laboratory", _("laboratory")
        HOSPITAL = "hospital", _("hospital")
        OTHER = "other", _("other")

    class Detail(models.TextChoices):
        """How much of a ROR record was loaded: a full record outranks an index row, which outranks
        an id only known because other records point to it."""

        FULL = "full", _("full record")
        INDEX = "index", _("names index")
        REFERENCE = "reference", _("referenced only")
        LOCAL = "local", _("local institution")

    ror_id = models.CharField(_("ROR id"), max_length=64, unique=True, null=True, blank=True)
    local_key = models.CharField(_("local key"), max_length=64, unique=True, null=True, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    detail = models.CharField(max_length=12, choices=Detail.choices)
    name = models.CharField(_("name"), max_length=500)
    sort_key = models.CharField(max_length=500, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, blank=True)
    country_code = models.CharField(_("country"), max_length=2, blank=True, db_index=True)
    city = models.CharField(_("city"), max_length=200, blank=True)
    types = models.JSONField(_("ROR types"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=16, default="active")
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    ror_parent_ids = models.JSONField(default=list, blank=True)
    ror_child_ids = models.JSONField(default=list, blank=True)
    ror_related_ids = models.JSONField(default=list, blank=True)
    source_file = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_key", "id"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        indexes = [models.Index(fields=["country_code", "city"], name="visibility_inst_place")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(source="ror") & Q(ror_id__isnull=False))
                | (Q(source="local") & Q(local_key__isnull=False)),
                name="visibility_institution_has_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.identifier} {self.name}"

    def clean(self) -> None:
        """Refuse a parent under this institution (the Django admin's check; services check it too)."""
        node, seen = self.parent, set()
        while self.pk and node is not None and node.pk not in seen:
            if node.pk == self.pk:
                raise ValidationError(
                    {"parent": _("This parent is under the institution: it would make a cycle.")}
                )
            seen.add(node.pk)
            node = node.parent

    @property
    def identifier(self) -> str:
        """The id used in exports and links between files: the ROR id, or ``local:...``."""
        return self.ror_id or self.local_key or ""

    @property
    def is_local(self) -> bool:
        return self.source == Source.LOCAL


class InstitutionName(models.Model):
    class Kind(models.TextChoices):
        LABEL = "label", _("name")
        ALIAS = "alias", _("alias")
        ACRONYM = "acronym", _("acronym")
        VARIANT = "variant", _("variant")

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="names")
    value = models.CharField(_("name"), max_length=500)
    language = models.CharField(_("language"), max_length=8, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    key = models.CharField(max_length=500, db_index=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "language", "value"]
        verbose_name = _("institution name")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "value", "language", "kind"], name="visibility_name_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value} ({self.kind}, {self.language or '-'})"


class AffiliationReport(models.Model):
    """One uploaded Scopus or Web of Science export, analysed now (small) or by a background job."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished")
        FAILED = "failed", _("failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner = models.ForeignKey(
        Institution,
        verbose_name=_("research office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
        help_text=_("The institution whose research office the report is for: its office sees it."),
    )
    analyses = models.PositiveIntegerField(default=0, help_text=_("How many times the export was analysed."))
    analysed_at = models.DateTimeField(null=True, blank=True)
    filename = models.CharField(_("file name"), max_length=255, help_text=_("As sent, for display only."))
    stored_name = models.CharField(max_length=64, help_text=_("Name of the kept copy (never the sent name)."))
    size = models.BigIntegerField(default=0)
    source_format = models.CharField(max_length=32, blank=True)
    institution = models.CharField(_("institution"), max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("affiliation report")
        verbose_name_plural = _("affiliation reports")

    def __str__(self) -> str:
        return f"{self.pk} {self.filename} ({self.status})"

    @property
    def folder(self) -> Path:
        """Where the uploaded copy and the report files are kept."""
        return Path(settings.DATA_DIR) / "affiliations" / self.stored_name


class ReportFigure(models.Model):
    """One institution's publications in a report, for one publication year (0: year unknown): how many,
    and how many whose every affiliation naming the institution (or one of its parts) is correct and
    complete (recognised, its registered name, its parent, its country). ``first`` is the report as
    first analysed, before any correction; ``latest`` as last analysed (the same until it is analysed
    again)."""

    class Stage(models.TextChoices):
        FIRST = "first", _("before corrections")
        LATEST = "latest", _("after corrections")

    report = models.ForeignKey(AffiliationReport, on_delete=models.CASCADE, related_name="figures")
    stage = models.CharField(max_length=8, choices=Stage.choices)
    institution = models.CharField(max_length=255)  # the registry identifier (ROR id or local key)
    year = models.PositiveSmallIntegerField(default=0)
    publications = models.PositiveIntegerField(default=0)
    correct = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["report", "stage", "institution", "year"]
        indexes = [models.Index(fields=["institution", "stage"], name="visibility_figure_inst")]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "stage", "institution", "year"], name="visibility_figure_once"
            ),
        ]

    def __str__(self) -> str:
        figures = f"{self.correct}/{self.publications}"
        return f"{self.report_id} {self.stage} {self.institution} {self.year}: {figures}"


class Correction(models.Model):
    """A research officer's decision on one address of a report: it names ``institution``. The part of
    the address that names it (``written``) is a variant of the institution (``name``, created by the
    decision when ``created_name``), so every later analysis recognises it. Undoing the decision removes
    the variant (when no other decision in force uses it) and the local institution the decision created
    (``created_institution``) when nothing else refers to it, and keeps the decision, marked undone."""

    report = models.ForeignKey(
        AffiliationReport, null=True, on_delete=models.SET_NULL, related_name="corrections"
    )
    address_key = models.CharField(max_length=16, db_index=True)
    affiliation = models.TextField(_("address as written"))
    written = models.CharField(_("name kept as a variant"), max_length=500)
    previous = models.JSONField(default=list, blank=True)  # [{"id", "name"}] recognised before
    previous_anomalies = models.JSONField(default=list, blank=True)
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="corrections",
    )  # None once an institution the decision created is removed by undoing it
    institution_identifier = models.CharField(max_length=255)  # as decided, kept whatever happens next
    institution_name = models.CharField(max_length=500)
    name = models.ForeignKey(
        InstitutionName, null=True, blank=True, on_delete=models.SET_NULL, related_name="corrections"
    )
    created_name = models.BooleanField(default=False)
    created_institution = models.BooleanField(default=False)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")

    def __str__(self) -> str:
        return f"{self.affiliation} -> {self.institution_identifier}"

    @property
    def in_force(self) -> bool:
        return self.undone_at is None


class ResearchOffice(models.Model):
    """A user of an institution's research office: they see the reports of that institution only (as a
    member of staff is scoped to a library). An officer uploads exports and corrects the matches; a
    reader reads the reports."""

    class Role(models.TextChoices):
        OFFICER = "officer", _("research officer")
        READER = "reader", _("reader of the reports")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="research_office"
    )
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="offices"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.OFFICER)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["institution__sort_key", "user__username"]
        verbose_name = _("research office account")
        verbose_name_plural = _("research office accounts")

    def __str__(self) -> str:
        return f"{self.user} ({self.role} @ {self.institution.identifier})"
