"""Shared conservation plans for serials: a plan (a programme, coordinated by one library), the serials
in it, each library's holdings statement for a serial, and the libraries' retention commitments."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from khizana.catalog.models import SourceRecord, Work
from khizana.libraries.models import Library

from .formats.statements import Extent, Missing


class Plan(models.Model):
    """A shared conservation plan: the libraries of a discipline sharing the keeping of its serials."""

    name = models.CharField(_("name"), max_length=255)
    programme = models.CharField(
        _("programme code"),
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", _("Letters, digits, '.', '-' and '_' only."))
        ],
        help_text=_("Written in 583 $f of the retention commitments (for instance PCChimie)."),
    )
    discipline = models.CharField(_("discipline"), max_length=255, blank=True)
    coordinator = models.ForeignKey(
        Library,
        on_delete=models.PROTECT,
        related_name="coordinated_plans",
        verbose_name=_("coordinating library"),
    )
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("conservation plan")

    def __str__(self) -> str:
        return f"{self.name} ({self.programme})"


class PlanTitle(models.Model):
    """A serial in a plan, linked to the catalog's record and work when the network has it."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="titles")
    title = models.CharField(_("title"), max_length=500)
    issn = models.CharField(
        _("ISSN"),
        max_length=9,
        blank=True,
        validators=[RegexValidator(r"^\d{4}-\d{3}[\dX]$", _("An ISSN is written 1234-567X."))],
    )
    record = models.ForeignKey(
        SourceRecord,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("record"),
    )
    work = models.ForeignKey(Work, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    numbering = models.CharField(
        _("numbering"),
        max_length=500,
        blank=True,
        help_text=_("The serial's own span (MARC 362, UNIMARC 207)."),
    )
    first_year = models.IntegerField(_("first year"), null=True, blank=True)
    last_year = models.IntegerField(
        _("last year"), null=True, blank=True, help_text=_("Empty while it runs.")
    )

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("title of a plan")

    def __str__(self) -> str:
        return f"{self.title} ({self.issn})" if self.issn else self.title


class HoldingsStatement(models.Model):
    """What one library holds of a title: the statement as written and its runs read into numbers."""

    class Source(models.TextChoices):
        RECORD = "record", _("the library's records")
        STAFF = "staff", _("entered by staff")

    title = models.ForeignKey(PlanTitle, on_delete=models.CASCADE, related_name="statements")
    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("holdings statement"))
    extents = models.JSONField(default=list, blank=True)
    missing = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "library__code"]
        constraints = [models.UniqueConstraint(fields=["title", "library"], name="one_statement_per_library")]

    def __str__(self) -> str:
        return f"{self.library.code}: {self.text}"

    def extent_list(self) -> list[Extent]:
        return [Extent.from_dict(data) for data in self.extents]

    def missing_list(self) -> list[Missing]:
        return [Missing(**data) for data in self.missing]


class Commitment(models.Model):
    """A library's retention commitment for a title in a plan (MARC 583 "committed to retain")."""

    class Role(models.TextChoices):
        POLE = "pole", _("conservation pole")
        ASSOCIATED = "associated", _("associated library")
        CONTRIBUTOR = "contributor", _("contributor")

    class Source(models.TextChoices):
        STAFF = "staff", _("entered by staff")
        RECORD = "583", _("the library's 583 fields")
        SUDOC = "930", _("the Sudoc's 930 fields")

    title = models.ForeignKey(PlanTitle, on_delete=models.CASCADE, related_name="commitments")
    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    committed_on = models.DateField(_("committed on"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True, help_text=_("Empty: without end date."))
    materials = models.CharField(_("materials"), max_length=500, blank=True, help_text=_("583 $3."))
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.STAFF)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "role", "library__code"]
        constraints = [
            models.UniqueConstraint(fields=["title", "library"], name="one_commitment_per_library")
        ]

    def __str__(self) -> str:
        return f"{self.library.code} {self.role} {self.title}"
