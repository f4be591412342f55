"""The national digitisation programme: candidate titles with their copyright status, selection rounds,
the items selected in a round followed step by step through the chain (:mod:`.chain`), and the pages a
batch delivered for an item, kept in the programme's staging folder until the item is published."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from khizana.catalog.models import SourceRecord
from khizana.digital.models import DigitalItem
from khizana.libraries.models import Library

from . import chain


class Candidate(models.Model):
    """A title proposed for digitisation (by staff, or drawn from a conservation plan)."""

    class Source(models.TextChoices):
        STAFF = "staff", _("staff proposal")
        CONSERVATION = "conservation", _("conservation plan")

    class Copyright(models.TextChoices):
        PUBLIC_DOMAIN = "public_domain", _("public domain")
        IN_COPYRIGHT = "in_copyright", _("in copyright")
        UNKNOWN = "unknown", _("unknown")
        CLEARED = "cleared", _("cleared by staff")

    record = models.OneToOneField(
        SourceRecord, on_delete=models.PROTECT, related_name="digitisation_candidate"
    )
    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="digitisation_candidates")
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.STAFF)
    note = models.TextField(_("note"), blank=True)
    copyright = models.CharField(_("copyright"), max_length=16, choices=Copyright.choices)
    copyright_reason = models.CharField(_("why"), max_length=255, blank=True)
    free_from = models.PositiveIntegerField(_("public domain from"), null=True, blank=True)
    cleared_note = models.TextField(_("clearance note"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("digitisation candidate")

    def __str__(self) -> str:
        return self.record.title or str(self.record)

    @property
    def may_be_digitised(self) -> bool:
        return self.copyright in (self.Copyright.PUBLIC_DOMAIN, self.Copyright.CLEARED)


class Round(models.Model):
    """A selection round of the programme: its dates, budget and quota of items."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    budget = models.DecimalField(_("budget"), max_digits=12, decimal_places=2, null=True, blank=True)
    quota = models.PositiveIntegerField(_("quota of items"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("selection round")

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """A candidate selected in a round, digitised under one library's responsibility."""

    STEP_CHOICES = [
        (chain.SELECTED, _("selected")),
        (chain.PREPARED, _("prepared")),
        (chain.SCANNED, _("scanned")),
        (chain.QUALITY_CHECKED, _("quality-checked")),
        (chain.OCR, _("OCR")),
        (chain.PUBLISHED, _("published")),
    ]

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="items")
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="items")
    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="digitisation_items")
    step = models.CharField(_("step"), max_length=16, choices=STEP_CHOICES, default=chain.SELECTED)
    step_at = models.DateTimeField(_("since"))
    digital_item = models.ForeignKey(
        DigitalItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="digitisation_items"
    )

    class Meta:
        ordering = ["round", "id"]
        verbose_name = _("digitisation item")
        constraints = [
            models.UniqueConstraint(fields=["round", "candidate"], name="unique_candidate_per_round")
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.candidate}"


class Event(models.Model):
    """One move of an item along the chain: when, to which step, by which library and user, and why."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="events")
    from_step = models.CharField(max_length=16, blank=True)
    step = models.CharField(max_length=16, choices=Item.STEP_CHOICES)
    back = models.BooleanField(default=False)
    at = models.DateTimeField(db_index=True)
    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["item", "at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.from_step} -> {self.step}"


class ScanPage(models.Model):
    """A page image delivered for an item, kept in the staging folder until publication; its OCR text
    once the OCR step has run."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="scan_pages")
    sequence = models.PositiveIntegerField()
    label = models.CharField(max_length=64, blank=True)
    filename = models.CharField(max_length=255)
    staged = models.CharField(max_length=255, help_text="Path inside settings.KHIZANA_DIGITISATION_STAGING.")
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    text = models.TextField(blank=True)
    confidence = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["item", "sequence"]
        constraints = [models.UniqueConstraint(fields=["item", "sequence"], name="unique_scan_sequence")]

    def __str__(self) -> str:
        return f"page {self.sequence} of digitisation item {self.item_id}"
