"""What may be done with events and reading rooms, one transaction and one permission check per call.

Events: network administrators run the network's events (no library), the staff of a member library
those of their library; verified members register (anyone with an e-mail address when the event is open
to the public). A full event puts new registrations on a waiting list; a freed seat goes to the first in
line, who is told by e-mail. Each confirmed registration has a ticket: a signed token (its QR code) that
the door scans once. Those who came get a certificate as PDF.

Reading rooms: their library's staff open time slots; verified members book a seat in a slot. Each live
booking holds a seat number unique in its slot (a database constraint), chosen under a row lock of the
slot: no slot is ever overbooked, even by simultaneous requests.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from khizana.accounts import permissions
from khizana.libraries.models import Library

from . import audiences, documents
from .models import Booking, Event, Registration, Room, Slot

Status = Registration.Status
TICKET_SALT = "khizana.events.ticket"
MAX_SLOTS_PER_REQUEST = 1000


class EventError(Exception):
    """Refused: the message says which input and what is wrong, in the reader's language."""


class NotAllowed(EventError):
    """The user may not do this (views answer 403)."""


class NotFound(EventError):
    """No such object for this user (views answer 404)."""


# ---- who may do what -----------------------------------------------------------------------------------


def can_manage(user, library: Library | int | None) -> bool:
    """Manage the events organised by ``library`` (None: the network's, for network administrators)."""
    if library is None:
        return permissions.is_network_admin(user)
    return permissions.can_write(user, library)


def managed_events(user) -> QuerySet[Event]:
    if permissions.is_network_admin(user):
        return Event.objects.all()
    if permissions.is_staff(user):
        return Event.objects.filter(library_id=permissions.membership(user).library_id)
    return Event.objects.none()


def is_verified_member(user) -> bool:
    found = permissions.membership(user)
    return bool(found and found.is_verified)


def _link(name: str, *args) -> str:
    return settings.KHIZANA_EVENTS_LINK_BASE.rstrip("/") + reverse(name, args=args)


# ---- events --------------------------------------------------------------------------------------------


def visible_events() -> QuerySet[Event]:
    """The published events, for the calendar and its feed."""
    return Event.objects.filter(published=True).select_related("library")


def save_event(user, values: dict, event: Event | None = None) -> Event:
    """Create or change an event from a form's cleaned ``values``: the user must manage both the library
    it had and the one it gets. A larger capacity confirms the first in line."""
    library = values.get("library")
    if not can_manage(user, library) or (event is not None and not can_manage(user, event.library_id)):
        raise NotAllowed(_("You may not manage the events of this library."))
    if values["ends_at"] <= values["starts_at"]:
        raise EventError(_("Ends at: the event must end after it starts."))
    with transaction.atomic():
        if event is None:
            event = Event(created_by=user)
        else:
            event = Event.objects.select_for_update().get(pk=event.pk)
        for name, value in values.items():
            setattr(event, name, value)
        event.save()
        _fill_freed_seats(event)
    return event


def seats_taken(event: Event) -> int:
    return event.registrations.filter(status=Status.CONFIRMED).count()


def _new_registration(event: Event, *, user, name: str, email: str, category: str = "") -> Registration:
    now = timezone.now()
    if not event.published:
        raise NotFound(_("No such event."))
    if event.starts_at <= now:
        raise EventError(_("This event has already started: registration is closed."))
    locked = Event.objects.select_for_update().get(pk=event.pk)  # one registration at a time per event
    live = locked.registrations.exclude(status=Status.CANCELLED)
    if live.filter(email__iexact=email).exists() or (user is not None and live.filter(user=user).exists()):
        raise EventError(_("You are already registered for this event."))
    confirmed = seats_taken(locked) < locked.capacity
    registration = Registration.objects.create(
        event=locked,
        user=user,
        name=name,
        email=email,
        category=category,
        status=Status.CONFIRMED if confirmed else Status.WAITING,
        confirmed_at=now if confirmed else None,
        ticket_nonce=secrets.token_hex(8),
    )
    transaction.on_commit(lambda: _mail_registered(registration))
    return registration


def register_member(user, event: Event) -> Registration:
    """Register a signed-in user: a verified member, or anyone with an account when the event is public."""
    found = permissions.membership(user)
    if not is_verified_member(user) and not (event.public_registration and user.is_authenticated):
        raise NotAllowed(_("Only members whose library confirmed their membership may register."))
    if not user.email:
        raise EventError(_("E-mail address: your account has none; add one to receive your ticket."))
    name = user.get_full_name() or user.get_username()
    with transaction.atomic():
        return _new_registration(
            event, user=user, name=name, email=user.email.lower(), category=found.category if found else ""
        )


def register_by_email(event: Event, name: str, email: str) -> Registration:
    """Register someone without an account, when the event is open to the public."""
    if not event.public_registration:
        raise NotAllowed(_("This event is for members of the network: sign in to register."))
    name, email = " ".join((name or "").split()), (email or "").strip().lower()
    if not name or len(name) > 200:
        raise EventError(_("Name: give your name (200 characters at most)."))
    try:
        validate_email(email)
    except ValidationError:
        raise EventError(
            _("E-mail address: “%(email)s” is not an e-mail address.") % {"email": email}
        ) from None
    with transaction.atomic():
        return _new_registration(event, user=None, name=name, email=email)


def _fill_freed_seats(event: Event) -> list[Registration]:
    """Confirm the first in line while there are seats (inside the caller's transaction, event locked)."""
    promoted = []
    free = event.capacity - seats_taken(event)
    if free <= 0:
        return promoted
    now = timezone.now()
    for registration in event.registrations.filter(status=Status.WAITING).order_by("created_at", "id")[:free]:
        registration.status, registration.confirmed_at = Status.CONFIRMED, now
        registration.save(update_fields=["status", "confirmed_at"])
        promoted.append(registration)
        transaction.on_commit(lambda r=registration: _mail_seat_offered(r))
    return promoted


def cancel_registration(registration: Registration) -> Registration:
    """Cancel (the caller checked it is the user's own, or holds its ticket); a freed seat goes to the
    first in line."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=registration.event_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == Status.CANCELLED:
            raise EventError(_("This registration is already cancelled."))
        if event.starts_at <= timezone.now():
            raise EventError(
                _("This event has already started: the registration can no longer be cancelled.")
            )
        registration.status = Status.CANCELLED
        registration.save(update_fields=["status"])
        _fill_freed_seats(event)
    return registration


def cancel_own(user, registration_id: int) -> Registration:
    registration = Registration.objects.filter(pk=registration_id, user_id=user.pk).first()
    if registration is None or not user.is_authenticated:
        raise NotFound(_("No such registration."))
    return cancel_registration(registration)


def waiting_position(registration: Registration) -> int | None:
    if registration.status != Status.WAITING:
        return None
    ahead = Registration.objects.filter(event_id=registration.event_id, status=Status.WAITING).filter(
        Q(created_at__lt=registration.created_at)
        | Q(created_at=registration.created_at, id__lt=registration.id)
    )
    return ahead.count() + 1


# ---- tickets, attendance, certificates -----------------------------------------------------------------


def ticket_token(registration: Registration) -> str:
    """The ticket's signed token (no timestamp: the same ticket every time it is shown)."""
    return signing.Signer(salt=TICKET_SALT).sign_object([registration.pk, registration.ticket_nonce])


def registration_for_ticket(token: str) -> Registration:
    """The registration a ticket is for; a forged, altered or outdated token is refused."""
    try:
        registration_id, nonce = signing.Signer(salt=TICKET_SALT).unsign_object((token or "").strip())
        registration = Registration.objects.select_related("event").get(pk=int(registration_id))
    except (signing.BadSignature, ValueError, TypeError, Registration.DoesNotExist):
        raise NotFound(_("This ticket is not valid.")) from None
    if not secrets.compare_digest(str(nonce), registration.ticket_nonce):
        raise NotFound(_("This ticket is not valid."))
    return registration


def check_in(user, event: Event, token: str) -> Registration:
    """Record that the holder of ``token`` came to ``event``: a ticket is accepted once, for its event, if
    its registration is confirmed."""
    if not can_manage(user, event.library_id):
        raise NotAllowed(_("You may not take the attendance of this event."))
    try:
        found = registration_for_ticket(token)
    except NotFound:
        raise EventError(_("Ticket refused: it is not a valid ticket.")) from None
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=found.pk)
        if registration.event_id != event.pk:
            raise EventError(_("Ticket refused: it is for another event."))
        if registration.status != Status.CONFIRMED:
            raise EventError(
                _("Ticket refused: the registration is %(status)s.")
                % {"status": registration.get_status_display()}
            )
        if registration.attended_at is not None:
            raise EventError(
                _("Ticket refused: already used at %(time)s.")
                % {"time": date_format(timezone.localtime(registration.attended_at), "H:i")}
            )
        registration.attended_at = timezone.now()
        registration.save(update_fields=["attended_at"])
    return registration


def mark_attended(user, event: Event, registration_id: int) -> Registration:
    """Record by hand that a registrant came (an online session, a ticket left at home)."""
    if not can_manage(user, event.library_id):
        raise NotAllowed(_("You may not take the attendance of this event."))
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update().filter(pk=registration_id, event=event).first()
        )
        if registration is None:
            raise NotFound(_("No such registration."))
        if registration.status != Status.CONFIRMED:
            raise EventError(_("Only a confirmed registration can be marked as attended."))
        if registration.attended_at is not None:
            raise EventError(_("This attendance is already recorded."))
        registration.attended_at = timezone.now()
        registration.save(update_fields=["attended_at"])
    return registration


def send_certificate_links(user, event: Event) -> int:
    """E-mail everyone who came the link to their certificate, once each, after the event has ended."""
    if not can_manage(user, event.library_id):
        raise NotAllowed(_("You may not manage the events of this library."))
    now = timezone.now()
    if event.ends_at > now:
        raise EventError(_("Certificates are sent once the event has ended."))
    sent = 0
    for registration in event.registrations.filter(
        attended_at__isnull=False, certificate_sent_at__isnull=True
    ):
        with transaction.atomic():
            claimed = Registration.objects.filter(
                pk=registration.pk, certificate_sent_at__isnull=True
            ).update(certificate_sent_at=now)
            if not claimed:
                continue
            _mail(
                registration,
                _("Your certificate: %(title)s") % {"title": event.title[:80]},
                [
                    _("Thank you for attending “%(title)s”.") % {"title": event.title},
                    _("Your certificate of attendance (PDF): %(link)s")
                    % {"link": _link("events:certificate", ticket_token(registration))},
                ],
            )
            sent += 1
    return sent


def certificate(registration: Registration) -> bytes:
    """The certificate of attendance as PDF, for who came."""
    if registration.attended_at is None:
        raise EventError(_("A certificate is given to those who attended the event."))
    event = registration.event
    when = date_format(timezone.localtime(event.starts_at), "DATE_FORMAT")
    text = documents.CertificateText(
        heading=_("Certificate of attendance"),
        statement=_("This is to certify that"),
        name=registration.name,
        event_title=_("attended “%(title)s”") % {"title": event.title},
        details=_("%(kind)s on %(date)s, given by %(provider)s")
        % {"kind": event.get_kind_display(), "date": when, "provider": event.provider},
        issued=_("Issued on %(date)s by the Khizana library network")
        % {"date": date_format(timezone.localdate(), "DATE_FORMAT")},
        reference=_("Reference: %(reference)s") % {"reference": f"EV{event.pk}-R{registration.pk}"},
    )
    return documents.certificate_pdf(text)


# ---- e-mails -------------------------------------------------------------------------------------------


def _when_where(event: Event) -> str:
    when = date_format(timezone.localtime(event.starts_at), "DATETIME_FORMAT")
    where = event.place or event.online_link
    return f"{when} — {where}" if where else when


def _mail(registration: Registration, subject: str, lines: list[str]) -> None:
    send_mail(subject, "\n\n".join(lines), None, [registration.email])


def _mail_registered(registration: Registration) -> None:
    event = registration.event
    ticket = _link("events:ticket", ticket_token(registration))
    if registration.status == Status.CONFIRMED:
        _mail(
            registration,
            _("Registered: %(title)s") % {"title": event.title[:80]},
            [
                _("Your seat is booked for “%(title)s”.") % {"title": event.title},
                _when_where(event),
                _("Your ticket (show its QR code at the door): %(link)s") % {"link": ticket},
            ],
        )
    else:
        _mail(
            registration,
            _("Waiting list: %(title)s") % {"title": event.title[:80]},
            [
                _("“%(title)s” is full: you are number %(position)s on the waiting list.")
                % {"title": event.title, "position": waiting_position(registration)},
                _("If a seat is freed, it is yours and we write to you. Your registration: %(link)s")
                % {"link": ticket},
            ],
        )


def _mail_seat_offered(registration: Registration) -> None:
    event = registration.event
    _mail(
        registration,
        _("A seat is yours: %(title)s") % {"title": event.title[:80]},
        [
            _("A seat was freed for “%(title)s” and it is now yours.") % {"title": event.title},
            _when_where(event),
            _("Your ticket (show its QR code at the door): %(link)s")
            % {"link": _link("events:ticket", ticket_token(registration))},
            _("If you cannot come, cancel from the ticket page so that the next in line gets the seat."),
        ],
    )


def send_reminders(now: datetime | None = None) -> int:
    """E-mail every confirmed registrant of the events that start tomorrow (local date), once each."""
    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    start = timezone.make_aware(datetime.combine(tomorrow, time.min))
    due = Registration.objects.filter(
        status=Status.CONFIRMED,
        reminded_at__isnull=True,
        event__published=True,
        event__starts_at__gte=start,
        event__starts_at__lt=start + timedelta(days=1),
    ).select_related("event")
    sent = 0
    for registration in due:
        with transaction.atomic():
            # claimed first: two workers never remind the same person twice
            claimed = Registration.objects.filter(pk=registration.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if not claimed:
                continue
            event = registration.event
            _mail(
                registration,
                _("Tomorrow: %(title)s") % {"title": event.title[:80]},
                [
                    _("A reminder: “%(title)s” is tomorrow.") % {"title": event.title},
                    _when_where(event),
                    _("Your ticket: %(link)s") % {"link": _link("events:ticket", ticket_token(registration))},
                ],
            )
            sent += 1
    return sent


# ---- figures -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    sessions: int
    participants: int
    by_provider: list[audiences.Row]
    by_topic: list[audiences.Row]
    by_month: list[audiences.Row]
    inclusion: list[audiences.Row]


def figures(user, year: int | None = None) -> Figures:
    """Sessions and participants (who came) of the events the user manages that have started, per
    provider, topic and month, and the reach of the digital-inclusion workshops by audience."""
    if not permissions.is_staff(user):
        raise NotAllowed(_("This page is for the staff of member libraries."))
    events = managed_events(user).filter(starts_at__lte=timezone.now())
    if year:
        events = events.filter(starts_at__year=year)
    events = events.annotate(
        came=Count("registrations", filter=Q(registrations__attended_at__isnull=False)),
        booked=Count("registrations", filter=Q(registrations__status=Status.CONFIRMED)),
    )
    sessions = [
        audiences.Session(
            provider=event.provider,
            topic=event.topic,
            month=timezone.localtime(event.starts_at).strftime("%Y-%m"),
            participants=event.came,
            registered=event.booked,
            audiences=tuple(event.audiences or ()),
            digital_inclusion=event.digital_inclusion,
        )
        for event in events
    ]
    return Figures(
        sessions=len(sessions),
        participants=sum(session.participants for session in sessions),
        by_provider=audiences.tally(sessions, "provider"),
        by_topic=audiences.tally(sessions, "topic"),
        by_month=audiences.tally(sessions, "month"),
        inclusion=audiences.inclusion_reach(sessions),
    )


# ---- reading rooms -------------------------------------------------------------------------------------


def managed_rooms(user) -> QuerySet[Room]:
    return Room.objects.filter(library__in=permissions.libraries_managed(user)).select_related("library")


def save_room(user, values: dict, room: Room | None = None) -> Room:
    library = values.get("library")
    if not permissions.can_write(user, library) or (
        room is not None and not permissions.can_write(user, room.library_id)
    ):
        raise NotAllowed(_("You may not manage the reading rooms of this library."))
    with transaction.atomic():
        room = room or Room()
        for name, value in values.items():
            setattr(room, name, value)
        room.save()
    return room


def open_slots(
    user,
    room: Room,
    first_day: date,
    last_day: date,
    opens: time,
    closes: time,
    minutes: int,
    weekdays: set[int],
) -> int:
    """Open slots of ``minutes`` from ``opens`` to ``closes`` on the ``weekdays`` (0 = Monday) of the days
    from ``first_day`` to ``last_day``, each with the room's capacity; slots already open are kept. The
    number of slots opened."""
    if not permissions.can_write(user, room.library_id):
        raise NotAllowed(_("You may not manage the reading rooms of this library."))
    if last_day < first_day:
        raise EventError(_("Last day: it comes before the first day."))
    if closes <= opens:
        raise EventError(_("Closes at: the room must close after it opens."))
    if not 15 <= minutes <= 24 * 60:
        raise EventError(_("Length of a slot: between 15 and 1440 minutes."))
    starts = []
    day = first_day
    while day <= last_day:
        if day.weekday() in weekdays:
            start = timezone.make_aware(datetime.combine(day, opens))
            end_of_day = timezone.make_aware(datetime.combine(day, closes))
            while start + timedelta(minutes=minutes) <= end_of_day:
                starts.append(start)
                start += timedelta(minutes=minutes)
        day += timedelta(days=1)
        if len(starts) > MAX_SLOTS_PER_REQUEST:
            raise EventError(
                _("Too many slots at once: at most %(count)s; choose fewer days.")
                % {"count": MAX_SLOTS_PER_REQUEST}
            )
    with transaction.atomic():
        existing = set(
            Slot.objects.filter(room=room, starts_at__in=starts).values_list("starts_at", flat=True)
        )
        new = [
            Slot(
                room=room, starts_at=start, ends_at=start + timedelta(minutes=minutes), capacity=room.capacity
            )
            for start in starts
            if start not in existing
        ]
        Slot.objects.bulk_create(new)
    return len(new)


def seats_left(slot: Slot) -> int:
    return slot.capacity - slot.bookings.filter(cancelled_at__isnull=True).count()


def book(user, slot_id: int) -> Booking:
    """Book a seat of a slot for a verified member: the first free seat number, under a lock of the slot
    (the unique seat per slot refuses whatever gets past it)."""
    if not is_verified_member(user):
        raise NotAllowed(_("Only members whose library confirmed their membership may book a seat."))
    try:
        with transaction.atomic():
            slot = Slot.objects.select_for_update().filter(pk=slot_id).first()
            if slot is None:
                raise NotFound(_("No such time slot."))
            if slot.starts_at <= timezone.now():
                raise EventError(_("This time slot has already begun."))
            live = slot.bookings.filter(cancelled_at__isnull=True)
            if live.filter(user=user).exists():
                raise EventError(_("You have already booked a seat in this time slot."))
            taken = set(live.values_list("seat", flat=True))
            free = next((seat for seat in range(1, slot.capacity + 1) if seat not in taken), None)
            if free is None:
                raise EventError(_("This time slot is full."))
            return Booking.objects.create(slot=slot, user=user, seat=free)
    except IntegrityError:
        raise EventError(_("Someone booked at the same moment: please try again.")) from None


def cancel_booking(user, booking_id: int) -> Booking:
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update()
            .filter(pk=booking_id, user_id=user.pk)
            .select_related("slot")
            .first()
        )
        if booking is None or not user.is_authenticated:
            raise NotFound(_("No such booking."))
        if booking.cancelled_at is not None:
            raise EventError(_("This booking is already cancelled."))
        if booking.slot.starts_at <= timezone.now():
            raise EventError(_("This time slot has already begun: the booking can no longer be cancelled."))
        booking.cancelled_at = timezone.now()
        booking.save(update_fields=["cancelled_at"])
    return booking


def day_list(user, room: Room, day: date) -> list[tuple[Slot, list[Booking]]]:
    """The desk's list: each slot of ``day`` with its live bookings."""
    if not permissions.can_write(user, room.library_id):
        raise NotAllowed(_("You may not see the bookings of this library."))
    start = timezone.make_aware(datetime.combine(day, time.min))
    slots = Slot.objects.filter(room=room, starts_at__gte=start, starts_at__lt=start + timedelta(days=1))
    bookings = (
        Booking.objects.filter(slot__in=slots, cancelled_at__isnull=True)
        .select_related("user", "user__membership")
        .order_by("slot__starts_at", "seat")
    )
    by_slot: dict[int, list[Booking]] = {}
    for booking in bookings:
        by_slot.setdefault(booking.slot_id, []).append(booking)
    return [(slot, by_slot.get(slot.pk, [])) for slot in slots]
