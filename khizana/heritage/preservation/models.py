"""The preservation copies of the digital items (OCFL objects), what happened to them (PREMIS events) and
the fixity audits that check them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from khizana.digital.models import DigitalItem
from khizana.libraries.models import Library


class PreservedObject(models.Model):
    """One digital item kept as an OCFL object in the primary storage root and in the second copy."""

    # SET_NULL: the object and its history outlive the item (its identifier names it for good).
    item = models.OneToOneField(
        DigitalItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="preservation"
    )
    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="preserved_objects")
    identifier = models.CharField(_("OCFL object identifier"), max_length=255, unique=True)
    head = models.CharField(_("version"), max_length=16, blank=True)
    copy_head = models.CharField(_("version of the second copy"), max_length=16, blank=True)
    file_count = models.PositiveIntegerField(_("files"), default=0)
    size = models.BigIntegerField(_("size in bytes"), default=0)
    # Which state of the item the head holds (see services.item_stamp): a sweep re-preserves on change.
    stamp = models.CharField(max_length=64, blank=True)
    preserved_at = models.DateTimeField(_("last preserved"), null=True, blank=True)
    last_audit_at = models.DateTimeField(_("last audit"), null=True, blank=True, db_index=True)
    audit_ok = models.BooleanField(_("last audit passed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("preserved object")

    def __str__(self) -> str:
        return self.identifier


class PreservationEvent(models.Model):
    """A PREMIS event on a preserved object. Types from the Library of Congress PREMIS event type
    vocabulary (http://id.loc.gov/vocabulary/preservation/eventType)."""

    class Type(models.TextChoices):
        INGESTION = "ing", _("ingest")
        FIXITY = "fix", _("fixity check")
        REPLICATION = "rep", _("replication")
        MIGRATION = "mig", _("migration")
        RECOVERY = "rec", _("restore")

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("success")
        FAILURE = "failure", _("failure")

    class Copy(models.TextChoices):
        PRIMARY = "primary", _("primary storage")
        SECOND = "second", _("second copy")
        LIVE = "live", _("digital library")

    identifier = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    object = models.ForeignKey(PreservedObject, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(_("event"), max_length=3, choices=Type.choices)
    copy = models.CharField(_("where"), max_length=8, choices=Copy.choices)
    occurred_at = models.DateTimeField(_("date"), db_index=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    version = models.CharField(_("version"), max_length=16, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    # Changed, missing and unexpected files, validator messages, files restored...
    outcome_detail = models.JSONField(default=dict, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("preservation event")

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.object_id} {self.outcome}"


class AuditRun(models.Model):
    """One fixity audit: the least recently checked objects, each in both storage roots."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    object_count = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)
    bytes = models.BigIntegerField(default=0)
    trigger = models.CharField(max_length=16, help_text="schedule, command or staff")

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"audit {self.started_at:%Y-%m-%d %H:%M} ({self.object_count} objects, {self.failures} failed)"
