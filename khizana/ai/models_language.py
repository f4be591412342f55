"""The language a work's title suggests, where its records code none or another one (see language.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from khizana.catalog.models import Work


class LanguageSuggestion(models.Model):
    """The detected language of one work whose records say no language, or another one.

    Never written into the records: the search index's language facet uses it (for works without a
    language code only) when its confidence reaches ``KHIZANA_AI_LANGUAGE_THRESHOLD``; staff read the
    rest in the list of suggestions."""

    class Reason(models.TextChoices):
        MISSING = "missing", _("no language code")
        DIFFERS = "differs", _("coded as another language")

    work = models.OneToOneField(Work, on_delete=models.CASCADE, related_name="language_suggestion")
    language = models.CharField(_("suggested language"), max_length=3, help_text=_("MARC code: fre, ara..."))
    script = models.CharField(_("script"), max_length=32, blank=True)
    confidence = models.FloatField(_("confidence"), db_index=True)
    reason = models.CharField(max_length=16, choices=Reason.choices, db_index=True)
    coded = models.JSONField(default=list, blank=True, help_text=_("The work's language codes."))
    romanised = models.BooleanField(default=False, help_text=_("Read from the original-script title."))
    text = models.TextField(help_text=_("The title read."))
    detected_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-confidence", "work_id"]
        verbose_name = _("language suggestion")

    def __str__(self) -> str:
        return f"work {self.work_id}: {self.language} ({self.confidence:.2f}, {self.reason})"
