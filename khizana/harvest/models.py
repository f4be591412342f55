"""Where a library's records are harvested from, and what each harvest did."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from khizana.catalog.models import ImportRun
from khizana.libraries.models import Library

from .oai import render_message


class HarvestSource(models.Model):
    """The OAI-PMH endpoint of one member library and where the last successful harvest stopped."""

    library = models.OneToOneField(
        Library, on_delete=models.CASCADE, related_name="harvest_source", verbose_name=_("library")
    )
    base_url = models.URLField(_("OAI-PMH base URL"), max_length=500)
    metadata_prefix = models.CharField(
        _("metadata format"),
        max_length=64,
        blank=True,
        help_text=_("Empty: MARC when the repository offers it (MARC 21, and UNIMARC), else oai_dc."),
    )
    set_spec = models.CharField(_("set"), max_length=255, blank=True, help_text=_("Empty: every record."))
    enabled = models.BooleanField(_("harvested on schedule"), default=True)
    last_datestamp = models.CharField(
        max_length=32,
        blank=True,
        help_text=_("The from argument of the next harvest: responseDate of the last successful one."),
    )
    last_metadata_prefix = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["library__code"]
        verbose_name = _("harvest source")

    def __str__(self) -> str:
        return f"{self.library.code} <{self.base_url}>"


class HarvestRun(models.Model):
    """One harvest of one source: when, what was asked, how many records, which errors."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished")
        FAILED = "failed", _("failed")

    source = models.ForeignKey(HarvestSource, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=16, default="cli")  # cli, staff, schedule
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    base_url = models.URLField(max_length=500)
    metadata_prefix = models.CharField(max_length=64, blank=True)
    set_spec = models.CharField(max_length=255, blank=True)
    requested_from = models.CharField(max_length=32, blank=True)
    requested_until = models.CharField(max_length=32, blank=True)
    response_date = models.CharField(max_length=32, blank=True, help_text=_("Of the first response."))
    granularity = models.CharField(max_length=32, blank=True)
    pages = models.IntegerField(default=0)
    records_harvested = models.IntegerField(default=0)
    records_added = models.IntegerField(default=0)
    records_updated = models.IntegerField(default=0)
    records_unchanged = models.IntegerField(default=0)
    records_deleted = models.IntegerField(default=0)
    records_rejected = models.IntegerField(default=0)
    # Each error is a message (msgid and parameters, see khizana.harvest.oai.Message) translated when
    # shown, or a plain string (an import error, in English like every import error of the catalog).
    errors = models.JSONField(default=list, blank=True)
    import_runs = models.ManyToManyField(ImportRun, blank=True, related_name="harvest_runs")
    pid = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        verbose_name = _("harvest run")

    def __str__(self) -> str:
        return f"harvest {self.pk} of {self.source.library.code} ({self.status})"

    @property
    def error_texts(self) -> list[str]:
        """The errors in English (command line, logs)."""
        return [render_message(error, str) for error in self.errors]

    @property
    def translated_errors(self) -> list[str]:
        """The errors in the active language (the staff pages)."""
        return [render_message(error, gettext) for error in self.errors]

    def summary(self) -> str:
        return (
            f"{self.status}: {self.pages} page(s), {self.records_harvested} record(s) harvested: "
            f"added {self.records_added}, updated {self.records_updated}, "
            f"unchanged {self.records_unchanged}, "
            f"deleted {self.records_deleted}, rejected {self.records_rejected}; {len(self.errors)} error(s)"
        )


class HarvestedIdentifier(models.Model):
    """The local id under which a harvested OAI item is stored (MARC records are keyed by their 001, not
    by the OAI identifier), so that a later ``status="deleted"`` header finds the record it deletes."""

    source = models.ForeignKey(HarvestSource, on_delete=models.CASCADE, related_name="identifiers")
    identifier = models.CharField(max_length=500)
    local_id = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "identifier"], name="unique_harvested_identifier")
        ]

    def __str__(self) -> str:
        return f"{self.identifier} -> {self.local_id}"
