"""Document supply between libraries: agencies, requests (one row per side), the message log, the rota
policy. The statuses and actions are those of :mod:`khizana.ill.states`; nothing here sets them except
:mod:`khizana.ill.services`, which asks the state machine first."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from khizana.catalog.models import Work
from khizana.libraries.models import Library

from .states import Action, Condition, ConditionState, Service, Status


class Agency(models.Model):
    """An ISO 18626 agency: a member library (by its ISIL) or an external peer reached at ``peer_url``."""

    isil = models.CharField(
        _("ISIL"), max_length=32, unique=True, help_text=_("ISO 15511 identifier, e.g. MA-RBT-BN.")
    )
    library = models.OneToOneField(
        Library, null=True, blank=True, on_delete=models.CASCADE, related_name="ill_agency"
    )
    name = models.CharField(_("name"), max_length=255, blank=True)
    peer_url = models.URLField(_("ISO 18626 endpoint of an external peer"), blank=True)
    shared_secret = models.CharField(
        _("shared secret"),
        max_length=128,
        blank=True,
        help_text=_("Sent and required in the securityCode of every message exchanged with this peer."),
    )
    lends = models.BooleanField(_("lends to other libraries"), default=True)
    copy_limit_book_percent = models.PositiveSmallIntegerField(
        _("share of a book its readers may have copied (%)"), default=10
    )
    copy_limit_serial_percent = models.PositiveSmallIntegerField(
        _("share of a journal issue its readers may have copied (%)"), default=30
    )
    excluded = models.BooleanField(_("left out of every rota"), default=False)
    no_loan_material_types = models.JSONField(_("material types it does not lend"), default=list, blank=True)

    class Meta:
        verbose_name_plural = "agencies"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(library__isnull=False) | ~models.Q(peer_url=""),
                name="ill_agency_local_or_peer",
            )
        ]

    def __str__(self) -> str:
        return self.isil

    @property
    def is_local(self) -> bool:
        return self.library_id is not None and not self.peer_url


class RotaPolicy(models.Model):
    """The network's routing policy (one row, edited by network administrators)."""

    same_city_first = models.BooleanField(_("lenders of the same city first"), default=True)
    same_country_first = models.BooleanField(_("lenders of the same country first"), default=True)
    balance_load = models.BooleanField(_("least busy lenders first"), default=True)
    timeout_days = models.PositiveIntegerField(_("days without an answer before the next lender"), default=5)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"rota policy (time-out {self.timeout_days} days)"

    @classmethod
    def current(cls) -> RotaPolicy:
        return cls.objects.get_or_create(pk=1)[0]


class IllRequest(models.Model):
    """One side of an interlibrary request: the requester's copy (its reader, its rota) or the supplier's."""

    class Side(models.TextChoices):
        REQUESTER = "requester", _("requesting")
        SUPPLIER = "supplier", _("supplying")

    side = models.CharField(max_length=16, choices=Side.choices)
    requester_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    supplier_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requester_request_id = models.CharField(max_length=100, default="", blank=True)
    supplier_request_id = models.CharField(max_length=100, default="", blank=True)
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ill_requests",
    )
    patron_id = models.CharField(max_length=100, blank=True)
    pickup_library = models.ForeignKey(
        Library, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    work = models.ForeignKey(Work, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.TextField(_("title"))
    author = models.CharField(_("author"), max_length=500, blank=True)
    article_title = models.TextField(_("article or chapter"), blank=True)
    isbn = models.CharField(max_length=32, blank=True)
    issn = models.CharField(max_length=16, blank=True)
    date = models.CharField(_("date"), max_length=32, blank=True)
    volume = models.CharField(max_length=32, blank=True)
    issue = models.CharField(max_length=32, blank=True)
    pages = models.CharField(_("pages"), max_length=100, blank=True)
    total_pages = models.PositiveIntegerField(_("pages in the book or issue"), null=True, blank=True)
    service_type = models.CharField(max_length=8, choices=[(s.value, s.value) for s in Service])
    note = models.TextField(blank=True)
    status = models.CharField(max_length=32, blank=True, choices=[(s.value, s.value) for s in Status])
    last_action = models.CharField(max_length=32, blank=True, choices=[(a.value, a.value) for a in Action])
    reason_unfilled = models.CharField(max_length=64, blank=True)
    due_date = models.DateTimeField(null=True, blank=True)
    rota = models.JSONField(default=list, blank=True, help_text=_("Agency ids, in the order tried."))
    rota_position = models.IntegerField(default=0)
    exhausted = models.BooleanField(default=False, help_text=_("Every lender of the rota refused."))
    sent_at = models.DateTimeField(null=True, blank=True)
    filled_at = models.DateTimeField(null=True, blank=True, help_text=_("When a lender loaned or copied it."))
    overdue_noticed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the supplier last sent an Overdue notice.")
    )
    delivery_url = models.URLField(
        _("link to the copy"),
        max_length=1000,
        blank=True,
        help_text=_("Sent by a lender outside this network."),
    )
    condition = models.CharField(
        _("condition"), max_length=32, blank=True, choices=[(c.value, c.value) for c in Condition]
    )
    condition_note = models.TextField(_("condition details"), blank=True)
    condition_cost = models.DecimalField(_("fee"), max_digits=10, decimal_places=2, null=True, blank=True)
    condition_currency = models.CharField(_("currency"), max_length=3, blank=True)
    condition_state = models.CharField(
        max_length=16, blank=True, choices=[(c.value, c.value) for c in ConditionState]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["side", "requester_request_id"]),
            models.Index(fields=["side", "supplier_request_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.requester_request_id} {self.status}"

    @staticmethod
    def new_id() -> str:
        return str(uuid.uuid4())


class IllMessage(models.Model):
    """Every ISO 18626 message sent or received, as it went over the wire."""

    class Direction(models.TextChoices):
        IN = "in", _("received")
        OUT = "out", _("sent")

    request = models.ForeignKey(
        IllRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=64, blank=True)
    peer = models.CharField(max_length=255, blank=True)
    raw = models.TextField()
    answer = models.TextField(blank=True)
    ok = models.BooleanField(default=True)
    error = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.direction} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class CopyDelivery(models.Model):
    """A scanned copy (PDF): for the reader of a requesting library of this installation (on the
    requester's row), or for an external peer (on the supplier's row: the signed link goes in the
    message); downloaded through a signed link, a limited number of times, then deleted."""

    request = models.OneToOneField(IllRequest, on_delete=models.CASCADE, related_name="delivery")
    stored_name = models.CharField(max_length=80)
    size = models.BigIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    downloads = models.PositiveIntegerField(default=0)
    max_downloads = models.PositiveIntegerField()
    deleted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"copy for request {self.request_id} ({self.downloads}/{self.max_downloads})"
