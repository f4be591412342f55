"""Who a user is in the network: a reader (adhérent) of a library, or a member of staff with a role."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from khizana.libraries.models import Library


class Role(models.TextChoices):
    READER = "reader", _("reader")
    CATALOGUER = "cataloguer", _("cataloguer")
    LIBRARY_ADMIN = "library_admin", _("library administrator")
    NETWORK_ADMIN = "network_admin", _("network administrator")


STAFF_ROLES = (Role.CATALOGUER, Role.LIBRARY_ADMIN, Role.NETWORK_ADMIN)


class Membership(models.Model):
    """One per user: the role, and the library it is scoped to (every role but network administrator)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.READER)
    library = models.ForeignKey(
        Library,
        verbose_name=_("library"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
        help_text=_(
            "Home library of a reader, library of a member of staff; none for network administrators."
        ),
    )
    membership_number = models.CharField(_("membership number"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("membership")
        constraints = [
            models.UniqueConstraint(
                fields=["library", "membership_number"],
                condition=~Q(membership_number=""),
                name="unique_membership_number_per_library",
            ),
            models.CheckConstraint(
                condition=Q(role="network_admin") | Q(library__isnull=False),
                name="membership_library_required",
            ),
        ]

    def __str__(self) -> str:
        where = self.library.code if self.library_id else "*"
        return f"{self.user} ({self.role} @ {where})"

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES


class AuditEntry(models.Model):
    """A write done in the staff space: who, for which library, what (invariant 5)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    library = models.ForeignKey(Library, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=32)
    target = models.CharField(max_length=255, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("staff action")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.target}"


class ImportJob(models.Model):
    """A file uploaded in the staff space, waiting for (or done by) the background import."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished")
        FAILED = "failed", _("failed")

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(_("file name"), max_length=255, help_text=_("As sent, for display only."))
    stored_name = models.CharField(
        max_length=64, help_text=_("Name of the waiting copy (never the sent name).")
    )
    size = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    format = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    run = models.ForeignKey(
        "catalog.ImportRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import job")

    def __str__(self) -> str:
        return f"{self.library.code} {self.filename} ({self.status})"
