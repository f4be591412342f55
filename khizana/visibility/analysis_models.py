"""An affiliation analysis asked for on the research office's page: the uploaded export and its report."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
