"""Training and events (webinars, workshops, seminars, disciplinary days) with their registrations, and
reading rooms booked by time slot."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from khizana.libraries.models import Library


class Event(models.Model):
    class Kind(models.TextChoices):
        WEBINAR = "webinar", _("webinar")
        WORKSHOP = "workshop", _("workshop")
        SEMINAR = "seminar", _("seminar")
        DISCIPLINARY_DAY = "disciplinary_day", _("disciplinary day")

    class Language(models.TextChoices):
        FRENCH = "fr", _("French")
        ARABIC = "ar", _("Arabic")
        ENGLISH = "en", _("English")
        AMAZIGH = "zgh", _("Amazigh")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    provider = models.CharField(
        _("provider"), max_length=200, help_text=_("Who gives it: a publisher, a library, the network.")
    )
    topic = models.CharField(_("topic"), max_length=200)
    language = models.CharField(
        _("language"), max_length=3, choices=Language.choices, default=Language.FRENCH
    )
    # Tags naming who it is for ("doctoral students", "women over 55"…), normalised to lower case.
    audiences = models.JSONField(_("audiences"), default=list, blank=True)
    digital_inclusion = models.BooleanField(
        _("digital-inclusion workshop"),
        default=False,
        help_text=_("Counted in the reach of digital-inclusion workshops, by audience."),
    )
    # The library that organises it (its staff manage it); none: the network (its administrators).
    library = models.ForeignKey(
        Library, verbose_name=_("organised by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_link = models.URLField(_("online link"), blank=True)
    capacity = models.PositiveIntegerField(_("capacity"))
    public_registration = models.BooleanField(
        _("open to the public"), default=False, help_text=_("Anyone may register with an e-mail address.")
    )
    published = models.BooleanField(_("published"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("event")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="event_ends_after_start",
                violation_error_message=_("An event must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="event_capacity_positive",
                violation_error_message=_("The capacity must be at least one seat."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        WAITING = "waiting", _("on the waiting list")
        CANCELLED = "cancelled", _("cancelled")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail address"))
    # Copied from the membership when a member registers: the figures by profile.
    category = models.CharField(_("category"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    # Part of the signed ticket: a cancelled-and-renewed registration gets a new one.
    ticket_nonce = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    attended_at = models.DateTimeField(_("attended"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    certificate_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("registration")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "email"],
                condition=~Q(status="cancelled"),
                name="one_live_registration_per_email",
            ),
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=~Q(status="cancelled"),
                name="one_live_registration_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.email} ({self.status})"


class Room(models.Model):
    """A reading room whose seats (or visits) are booked by time slot."""

    library = models.ForeignKey(
        Library, verbose_name=_("library"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    capacity = models.PositiveIntegerField(_("seats per time slot"))
    notes = models.TextField(_("notes for readers"), blank=True)

    class Meta:
        ordering = ["library__code", "name"]
        verbose_name = _("reading room")
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="room_capacity_positive",
                violation_error_message=_("The capacity must be at least one seat."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.library.code} — {self.name}"


class Slot(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("seats"))

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("time slot")
        constraints = [
            models.UniqueConstraint(fields=["room", "starts_at"], name="one_slot_per_room_and_start"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="slot_capacity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.room} {self.starts_at:%Y-%m-%d %H:%M}"


class Booking(models.Model):
    """A seat of a slot. Each live booking holds a seat number from 1 to the slot's capacity, unique in
    its slot: the database itself refuses a second booking of the same seat, so two readers booking the
    last seat at once cannot both get it."""

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="bookings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seat = models.PositiveIntegerField(_("seat"))
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slot__starts_at", "seat"]
        verbose_name = _("booking")
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "seat"], condition=Q(cancelled_at__isnull=True), name="one_booking_per_seat"
            ),
            models.UniqueConstraint(
                fields=["slot", "user"], condition=Q(cancelled_at__isnull=True), name="one_booking_per_reader"
            ),
            models.CheckConstraint(condition=Q(seat__gte=1), name="booking_seat_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.slot} seat {self.seat}"
