"""A thesis: its description, the school (a member library) that deposited it, its catalog record and PDF."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khizana.catalog.models import SourceRecord
from khizana.digital.models import DigitalItem
from khizana.libraries.models import Library
from khizana.visibility.models import Institution


class Thesis(models.Model):
    class Level(models.TextChoices):
        DOCTORAL = "doctoral", _("doctorate")
        MASTERS = "masters", _("master's degree")
        BACHELORS = "bachelors", _("bachelor's degree")
        OTHER = "other", _("other")

    library = models.ForeignKey(
        Library, verbose_name=_("doctoral school"), on_delete=models.PROTECT, related_name="theses",
        help_text=_("The member library that deposited the thesis (the doctoral school's library)."),
    )  # fmt: skip
    record = models.OneToOneField(
        SourceRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="thesis"
    )
    item = models.OneToOneField(
        DigitalItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="thesis"
    )
    source_identifier = models.CharField(
        _("source identifier"), max_length=255, blank=True,
        help_text=_("The OAI identifier of an imported thesis (empty for a deposit)."),
    )  # fmt: skip
    title = models.CharField(_("title"), max_length=1000)
    alternative_titles = models.JSONField(_("title in other languages"), default=list, blank=True)
    author = models.CharField(_("author"), max_length=255)
    supervisors = models.JSONField(_("supervisors"), default=list, blank=True)
    committee = models.JSONField(_("jury members"), default=list, blank=True)
    doctoral_school = models.CharField(_("doctoral school"), max_length=500, blank=True)
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text=_("The degree-granting institution in the institution registry."),
    )  # fmt: skip
    grantor = models.CharField(_("degree grantor"), max_length=500, blank=True)
    discipline = models.CharField(_("discipline"), max_length=500, blank=True)
    degree_name = models.CharField(_("degree name"), max_length=255, blank=True)
    degree_level = models.CharField(_("degree level"), max_length=16, choices=Level.choices, blank=True)
    defence_date = models.DateField(_("defence date"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    embargo_until = models.DateField(
        _("embargo until"), null=True, blank=True,
        help_text=_("The PDF can be read by everyone from this day on; empty: no embargo."),
    )  # fmt: skip
    language = models.CharField(_("language"), max_length=3, blank=True, help_text=_("ISO 639-2 code"))
    abstract = models.TextField(_("abstract"), blank=True)
    subjects = models.JSONField(_("keywords"), default=list, blank=True)
    identifiers = models.JSONField(default=list, blank=True)
    rights = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-defence_date", "-id"]
        verbose_name = _("thesis")
        verbose_name_plural = _("theses")
        constraints = [
            models.UniqueConstraint(
                fields=["library", "source_identifier"],
                condition=~models.Q(source_identifier=""),
                name="theses_unique_source_identifier",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author}: {self.title}"

    def is_embargoed(self, today: date | None = None) -> bool:
        return bool(self.embargo_until and self.embargo_until > (today or timezone.localdate()))

    @property
    def grantor_name(self) -> str:
        return self.grantor or (self.institution.name if self.institution else "")
