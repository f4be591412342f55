"""Thin views of training and events and of reading rooms: the public calendar and its iCalendar feed,
registration, tickets and certificates, room bookings; the staff pages (events, attendance at the door,
figures, rooms and the desk's list of the day)."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import get_language, get_language_bidi
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from khizana.accounts import permissions
from khizana.accounts.decorators import int_or_404, staff_required
from khizana.core.charts import Bar, column_chart, horizontal_bar_chart

from . import documents, forms, services
from .models import Booking, Event, Registration, Room, Slot

Status = Registration.Status
ROOM_DAYS_SHOWN = 7


def _refused(request: HttpRequest, problem: services.EventError) -> None:
    if isinstance(problem, services.NotAllowed):
        raise PermissionDenied(str(problem))
    if isinstance(problem, services.NotFound):
        raise Http404(str(problem))
    messages.error(request, str(problem))


def _with_seats(events):
    return events.annotate(taken=Count("registrations", filter=Q(registrations__status=Status.CONFIRMED)))


# ---- public pages --------------------------------------------------------------------------------------


def calendar(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    events = _with_seats(services.visible_events())
    kind, audience = request.GET.get("kind", ""), request.GET.get("audience", "").strip().casefold()
    if kind in Event.Kind.values:
        events = events.filter(kind=kind)
    past = request.GET.get("past") == "1"
    events = (
        events.filter(starts_at__lt=now).order_by("-starts_at") if past else events.filter(ends_at__gte=now)
    )
    listed = [event for event in events[:500] if not audience or audience in (event.audiences or [])]
    for event in listed:
        event.left = max(event.capacity - event.taken, 0)
        event.month = timezone.localtime(event.starts_at).strftime("%Y-%m")
    tags = sorted(
        {tag for tags in services.visible_events().values_list("audiences", flat=True) for tag in tags or []}
    )
    return render(
        request,
        "events/calendar.html",
        {
            "events": listed,
            "kinds": Event.Kind.choices,
            "kind": kind,
            "audience": audience,
            "tags": tags,
            "past": past,
        },
    )


def feed(request: HttpRequest) -> HttpResponse:
    """The published events of the last 90 days and to come, as iCalendar."""
    since = timezone.now() - timedelta(days=90)
    entries = [
        documents.CalendarEntry(
            uid=f"event-{event.pk}@{request.get_host()}",
            title=event.title,
            description=event.description,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            location=event.place or event.online_link,
            url=request.build_absolute_uri(reverse("events:event", args=[event.pk])),
            categories=(event.get_kind_display(), event.topic, *(event.audiences or ())),
        )
        for event in services.visible_events().filter(ends_at__gte=since)
    ]
    body = documents.calendar_feed(entries, name=_("Training and events"), product="-//Khizana//events//EN")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="khizana-events.ics"'
    return response


def event_page(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(_with_seats(services.visible_events()), pk=pk)
    mine = None
    if request.user.is_authenticated:
        mine = event.registrations.filter(user=request.user).exclude(status=Status.CANCELLED).first()
    context = {
        "event": event,
        "seats_left": max(event.capacity - event.taken, 0),
        "open": event.starts_at > timezone.now(),
        "mine": mine,
        "position": services.waiting_position(mine) if mine else None,
        "ticket": services.ticket_token(mine) if mine else "",
        "may_register": services.is_verified_member(request.user) or event.public_registration,
        "public_form": forms.PublicRegistrationForm(),
    }
    return render(request, "events/event.html", context)


@require_POST
def register(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(services.visible_events(), pk=pk)
    try:
        if request.user.is_authenticated:
            registration = services.register_member(request.user, event)
        else:
            form = forms.PublicRegistrationForm(request.POST)
            if not form.is_valid():
                for error in forms.errors_of(form):
                    messages.error(request, error)
                return redirect("events:event", pk)
            registration = services.register_by_email(
                event, form.cleaned_data["name"], form.cleaned_data["email"]
            )
    except services.EventError as problem:
        _refused(request, problem)
        return redirect("events:event", pk)
    if registration.status == Status.CONFIRMED:
        messages.success(request, _("You are registered: your ticket was sent by e-mail."))
    else:
        messages.success(
            request, _("The event is full: you are on the waiting list; we write to you if a seat is freed.")
        )
    if registration.user_id:
        return redirect("events:event", pk)
    return redirect("events:ticket", services.ticket_token(registration))


def _ticket(token: str) -> Registration:
    try:
        return services.registration_for_ticket(token)
    except services.NotFound:
        raise Http404 from None


def ticket(request: HttpRequest, token: str) -> HttpResponse:
    registration = _ticket(token)
    context = {
        "registration": registration,
        "event": registration.event,
        "token": token,
        "position": services.waiting_position(registration),
        "open": registration.event.starts_at > timezone.now(),
    }
    return render(request, "events/ticket.html", context)


def ticket_qr(request: HttpRequest, token: str) -> HttpResponse:
    registration = _ticket(token)
    if registration.status != Status.CONFIRMED:
        raise Http404
    svg = documents.qr_svg(token, title=_("Ticket for %(title)s") % {"title": registration.event.title})
    return HttpResponse(svg, content_type="image/svg+xml")


@require_POST
def cancel_ticket(request: HttpRequest, token: str) -> HttpResponse:
    try:
        services.cancel_registration(_ticket(token))
    except services.EventError as problem:
        _refused(request, problem)
    else:
        messages.success(request, _("Your registration is cancelled."))
    return redirect("events:ticket", token)


def certificate(request: HttpRequest, token: str) -> HttpResponse:
    registration = _ticket(token)
    try:
        pdf = services.certificate(registration)
    except services.EventError as problem:
        messages.error(request, str(problem))
        return redirect("events:ticket", token)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{registration.event_id}.pdf"'
    return response


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    registrations = [
        (registration, services.ticket_token(registration), services.waiting_position(registration))
        for registration in Registration.objects.filter(user=request.user)
        .exclude(status=Status.CANCELLED)
        .select_related("event")
        .order_by("-event__starts_at")
    ]
    bookings = (
        Booking.objects.filter(
            user=request.user, cancelled_at__isnull=True, slot__ends_at__gte=timezone.now()
        )
        .select_related("slot__room__library")
        .order_by("slot__starts_at")
    )
    return render(request, "events/mine.html", {"registrations": registrations, "bookings": bookings})


@login_required
@require_POST
def cancel_mine(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.cancel_own(request.user, pk)
    except services.EventError as problem:
        _refused(request, problem)
    else:
        messages.success(request, _("Your registration is cancelled."))
    return redirect("events:mine")


def rooms(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    slots = (
        Slot.objects.filter(starts_at__gt=now, starts_at__lt=now + timedelta(days=ROOM_DAYS_SHOWN))
        .select_related("room__library")
        .annotate(taken=Count("bookings", filter=Q(bookings__cancelled_at__isnull=True)))
        .order_by("room__library__code", "room__name", "starts_at")
    )
    booked = set()
    if request.user.is_authenticated:
        booked = set(
            Booking.objects.filter(user=request.user, cancelled_at__isnull=True, slot__in=slots).values_list(
                "slot_id", flat=True
            )
        )
    by_room: dict[int, dict] = {}
    for slot in slots[:2000]:
        entry = by_room.setdefault(slot.room_id, {"room": slot.room, "slots": []})
        entry["slots"].append(
            {"slot": slot, "left": max(slot.capacity - slot.taken, 0), "mine": slot.pk in booked}
        )
    return render(
        request,
        "events/rooms.html",
        {
            "rooms": list(by_room.values()),
            "may_book": services.is_verified_member(request.user),
            "days": ROOM_DAYS_SHOWN,
        },
    )


@login_required
@require_POST
def book(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        booking = services.book(request.user, pk)
    except services.EventError as problem:
        _refused(request, problem)
        return redirect("events:rooms")
    messages.success(request, _("Your seat is booked (seat %(seat)s).") % {"seat": booking.seat})
    return redirect("events:mine")


@login_required
@require_POST
def cancel_booking(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.cancel_booking(request.user, pk)
    except services.EventError as problem:
        _refused(request, problem)
    else:
        messages.success(request, _("Your booking is cancelled."))
    return redirect("events:mine")


# ---- staff pages ---------------------------------------------------------------------------------------


def _managed_event(request: HttpRequest, pk: int) -> Event:
    event = get_object_or_404(Event, pk=pk)
    if not services.can_manage(request.user, event.library_id):
        raise PermissionDenied(_("You may not manage the events of this library."))
    return event


@staff_required
def staff_events(request: HttpRequest) -> HttpResponse:
    events = _with_seats(services.managed_events(request.user).select_related("library")).annotate(
        waiting=Count("registrations", filter=Q(registrations__status=Status.WAITING)),
        came=Count("registrations", filter=Q(registrations__attended_at__isnull=False)),
    )
    return render(request, "events/staff/events.html", {"events": events.order_by("-starts_at")})


@staff_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    event = _managed_event(request, pk) if pk else None
    network = permissions.is_network_admin(request.user)
    options = {"libraries": permissions.libraries_managed(request.user).order_by("code"), "network": network}
    form = forms.EventForm(request.POST or None, instance=event, **options)
    if request.method == "POST":
        if form.is_valid():
            values = {name: form.cleaned_data[name] for name in form.Meta.fields}
            try:
                saved = services.save_event(request.user, values, event)
            except services.EventError as problem:
                _refused(request, problem)
            else:
                messages.success(request, _("The event is saved."))
                return redirect("events-staff:event", saved.pk)
        else:
            for error in forms.errors_of(form):
                messages.error(request, error)
    return render(request, "events/staff/edit.html", {"form": form, "event": event})


@staff_required
def staff_event(request: HttpRequest, pk: int) -> HttpResponse:
    event = _managed_event(request, pk)
    registrations = event.registrations.exclude(status=Status.CANCELLED).order_by(
        "status", "created_at", "id"
    )
    context = {
        "event": event,
        "registrations": registrations,
        "taken": services.seats_taken(event),
        "came": event.registrations.filter(attended_at__isnull=False).count(),
        "ended": event.ends_at <= timezone.now(),
    }
    return render(request, "events/staff/event.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def staff_scan(request: HttpRequest, pk: int) -> HttpResponse:
    event = _managed_event(request, pk)
    if request.method == "POST":
        try:
            registration = services.check_in(request.user, event, request.POST.get("token", ""))
        except services.EventError as problem:
            _refused(request, problem)
        else:
            messages.success(
                request, _("Welcome, %(name)s: attendance recorded.") % {"name": registration.name}
            )
        return redirect("events-staff:scan", pk)
    came = event.registrations.filter(attended_at__isnull=False).count()
    return render(
        request,
        "events/staff/scan.html",
        {"event": event, "came": came, "taken": services.seats_taken(event)},
    )


@staff_required
@require_POST
def staff_mark_attended(request: HttpRequest, pk: int) -> HttpResponse:
    event = _managed_event(request, pk)
    try:
        registration = services.mark_attended(
            request.user, event, int_or_404(request.POST.get("registration"))
        )
    except services.EventError as problem:
        _refused(request, problem)
    else:
        messages.success(request, _("Attendance recorded for %(name)s.") % {"name": registration.name})
    return redirect("events-staff:event", pk)


@staff_required
@require_POST
def staff_send_certificates(request: HttpRequest, pk: int) -> HttpResponse:
    event = _managed_event(request, pk)
    try:
        count = services.send_certificate_links(request.user, event)
    except services.EventError as problem:
        _refused(request, problem)
    else:
        messages.success(request, _("%(count)s certificates sent by e-mail.") % {"count": count})
    return redirect("events-staff:event", pk)


def _figure_sections(data: services.Figures) -> list[dict]:
    """Per month, provider and topic: a chart of the participants and one of the sessions (their scales
    differ a thousandfold), the table beside them; the reach of the digital-inclusion workshops."""
    page = {"language": get_language(), "rtl": get_language_bidi(), "number": number_format}
    dimensions = [
        ("month", data.by_month, _("Sessions and participants per month"), _("Month")),
        ("provider", data.by_provider, _("Sessions and participants per provider"), _("Provider")),
        ("topic", data.by_topic, _("Sessions and participants per topic"), _("Topic")),
    ]
    titles = {
        "month": (_("Participants per month"), _("Sessions per month")),
        "provider": (_("Participants per provider"), _("Sessions per provider")),
        "topic": (_("Participants per topic"), _("Sessions per topic")),
    }
    sections = []
    for key, rows, heading, first in dimensions:
        if not rows:
            continue

        def bars(value, rows=rows, key=key):
            if key == "month":
                return [Bar(label=r.label, value=value(r), tick=r.label[5:], group=r.label[:4]) for r in rows]
            return [Bar(label=r.label, value=value(r)) for r in rows]

        participants, sessions = titles[key]
        charts = [
            column_chart(
                bars(lambda r: r.participants), title=participants, series_name=_("Participants"),
                chart_id=f"events-{key}-participants", **page,
            ),
            column_chart(
                bars(lambda r: r.sessions), title=sessions, series_name=_("Sessions"),
                chart_id=f"events-{key}-sessions", **page,
            ),
        ]  # fmt: skip
        sections.append({"charts": charts, "rows": rows, "heading": heading, "first": first})
    if data.inclusion:
        chart = horizontal_bar_chart(
            [Bar(label=r.label or _("no audience given"), value=r.participants) for r in data.inclusion],
            title=_("Participants in digital-inclusion workshops, per audience"),
            chart_id="events-inclusion", series_name=_("Participants"), **page,
        )  # fmt: skip
        heading = _("Reach of the digital-inclusion workshops, per audience")
        sections.append(
            {"charts": [chart], "rows": data.inclusion, "heading": heading, "first": _("Audience")}
        )
    return sections


@staff_required
def staff_figures(request: HttpRequest) -> HttpResponse:
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() and 1900 < int(year_text) < 3000 else None
    try:
        data = services.figures(request.user, year)
    except services.NotAllowed as problem:
        raise PermissionDenied(str(problem)) from None
    context = {"data": data, "sections": _figure_sections(data), "year": year or ""}
    return render(request, "events/staff/figures.html", context)


def _managed_room(request: HttpRequest, pk: int) -> Room:
    room = get_object_or_404(Room.objects.select_related("library"), pk=pk)
    if not permissions.can_write(request.user, room.library_id):
        raise PermissionDenied(_("You may not manage the reading rooms of this library."))
    return room


@staff_required
@require_http_methods(["GET", "POST"])
def staff_rooms(request: HttpRequest) -> HttpResponse:
    libraries = permissions.libraries_managed(request.user).order_by("code")
    form = forms.RoomForm(request.POST or None, libraries=libraries)
    if request.method == "POST":
        if form.is_valid():
            try:
                room = services.save_room(request.user, form.cleaned_data)
            except services.EventError as problem:
                _refused(request, problem)
            else:
                messages.success(request, _("The reading room is saved."))
                return redirect("events-staff:room", room.pk)
        else:
            for error in forms.errors_of(form):
                messages.error(request, error)
    return render(
        request, "events/staff/rooms.html", {"rooms": services.managed_rooms(request.user), "form": form}
    )


@staff_required
@require_http_methods(["GET", "POST"])
def staff_room(request: HttpRequest, pk: int) -> HttpResponse:
    room = _managed_room(request, pk)
    form = forms.SlotsForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                count = services.open_slots(
                    request.user, room, data["first_day"], data["last_day"], data["opens"], data["closes"],
                    data["minutes"], set(data["weekdays"]),
                )  # fmt: skip
            except services.EventError as problem:
                _refused(request, problem)
            else:
                messages.success(request, _("%(count)s time slots opened.") % {"count": count})
                return redirect("events-staff:room", pk)
        else:
            for error in forms.errors_of(form):
                messages.error(request, error)
    now = timezone.now()
    upcoming = (
        room.slots.filter(ends_at__gte=now)
        .annotate(taken=Count("bookings", filter=Q(bookings__cancelled_at__isnull=True)))
        .order_by("starts_at")[:200]
    )
    return render(request, "events/staff/room.html", {"room": room, "form": form, "slots": upcoming})


@staff_required
def staff_day(request: HttpRequest, pk: int) -> HttpResponse:
    room = _managed_room(request, pk)
    try:
        day = (
            date.fromisoformat(request.GET.get("date", ""))
            if request.GET.get("date")
            else timezone.localdate()
        )
    except ValueError:
        messages.error(
            request, _("Date: “%(date)s” is not a date (YYYY-MM-DD).") % {"date": request.GET["date"][:20]}
        )
        day = timezone.localdate()
    try:
        slots = services.day_list(request.user, room, day)
    except services.NotAllowed as problem:
        raise PermissionDenied(str(problem)) from None
    return render(request, "events/staff/day.html", {"room": room, "day": day, "slots": slots})
