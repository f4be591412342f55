"""Labelling campaigns (two a year) and the collections libraries put forward in them: a collection-level
description (or a digitisation service or tool), the reviewers' scores, the committee's decision; the
works a labelled collection holds (its explicit list and what its saved catalog search finds) are kept in
:class:`CollectionWork` so a work page asks one indexed query."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from khizana.catalog.models import Work
from khizana.libraries.models import Library
from khizana.visibility.models import Institution


def _in_language(obj, field: str) -> str:
    language = (get_language() or "fr")[:2]
    return getattr(obj, f"{field}_{language}", "") or getattr(obj, f"{field}_fr")


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=255)
    text_fr = models.TextField(_("text (French)"))
    text_ar = models.TextField(_("text (Arabic)"), blank=True)
    text_en = models.TextField(_("text (English)"), blank=True)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"), help_text=_("Last day on which libraries may apply."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_on", "-id"]
        verbose_name = _("labelling campaign")
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="campaign_dates")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def text(self) -> str:
        return _in_language(self, "text")

    def is_open(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.opens_on <= today <= self.closes_on


class Collection(models.Model):
    """A library's application for the label, and once labelled the collection of excellence."""

    class Kind(models.TextChoices):
        COLLECTION = "collection", _("collection")
        SERVICE = "service", _("digitisation service")
        TOOL = "tool", _("tool")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        LABELLED = "labelled", _("labelled")
        NOT_LABELLED = "not_labelled", _("not labelled")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="collections")
    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="labelled_collections")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.COLLECTION)
    name_fr = models.CharField(_("name (French)"), max_length=255)
    name_ar = models.CharField(_("name (Arabic)"), max_length=255, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    description_fr = models.TextField(_("description (French)"))
    description_ar = models.TextField(_("description (Arabic)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    subjects = models.JSONField(_("subjects"), default=list, help_text=_("Classes of the conspectus."))
    languages = models.JSONField(_("languages"), default=list, help_text=_("ISO 639-2 codes."))
    periods = models.CharField(_("periods"), max_length=255, blank=True)
    size = models.PositiveIntegerField(_("size (number of items)"), null=True, blank=True)
    access_conditions = models.TextField(_("access conditions"), blank=True)
    query = models.CharField(
        _("saved catalog search"), max_length=500, blank=True, help_text=_("A search of the union catalog.")
    )
    works = models.ManyToManyField(Work, through="CollectionWork", related_name="labelled_collections")
    laboratories = models.ManyToManyField(
        Institution, blank=True, related_name="labelled_collections", verbose_name=_("research laboratories")
    )
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.DRAFT)
    label_year = models.PositiveSmallIntegerField(_("year of the label"), null=True, blank=True)
    decision_note = models.TextField(_("committee's note"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name_fr", "id"]
        verbose_name = _("collection")
        indexes = [models.Index(fields=["status", "library"])]

    def __str__(self) -> str:
        return self.name_fr

    @property
    def name(self) -> str:
        return _in_language(self, "name")

    @property
    def description(self) -> str:
        return _in_language(self, "description")

    @property
    def is_labelled(self) -> bool:
        return self.status == self.Status.LABELLED


class CollectionWork(models.Model):
    """A work of a collection: listed by the library, or found by its saved search (refreshed)."""

    class Source(models.TextChoices):
        LIST = "list", _("listed")
        SEARCH = "search", _("found by the saved search")

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="members")
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=8, choices=Source.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["collection", "work", "source"], name="unique_collection_work")
        ]

    def __str__(self) -> str:
        return f"{self.collection_id}:{self.work_id} ({self.source})"


class Review(models.Model):
    """A reviewer assigned to a collection, and their score once given."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(
        _("score"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["collection", "reviewer"], name="one_review_each")]

    def __str__(self) -> str:
        return f"{self.collection} — {self.reviewer}"
