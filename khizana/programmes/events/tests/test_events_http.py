"""Events over HTTP, every role: writing events, the calendar and its iCalendar feed, registration with a
waiting list, tickets scanned at the door, certificates, reminders and the figures."""

import io
import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.utils import timezone
from icalendar import Calendar
from pypdf import PdfReader

from khizana.programmes.events import services, tasks
from khizana.programmes.events.models import Event, Registration
from khizana.testing import chart_on_page

from .conftest import client_for, make_event

STAFF = "/staff/network/events/"
PUBLIC = "/network/events/"
Status = Registration.Status


def event_form(library="", **extra):
    start = timezone.localtime(timezone.now() + timedelta(days=10))
    values = {
        "kind": "workshop",
        "title": "Internet pour toutes",
        "description": "Premiers pas sur Internet.",
        "provider": "BNRM",
        "topic": "Digital skills",
        "language": "ar",
        "audiences": "Women over 55, retirees",
        "digital_inclusion": "on",
        "library": library,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "place": "Salle 2, Rabat",
        "online_link": "",
        "capacity": "12",
        "published": "on",
    }
    return {**values, **extra}


# ---- writing events ------------------------------------------------------------------------------------


def test_library_staff_create_an_event_of_their_library(people):
    response = client_for(people["cataloguer"]).post(f"{STAFF}new/", event_form(people["rabat"].pk))
    event = Event.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{STAFF}{event.pk}/"
    assert event.library == people["rabat"] and event.audiences == ["women over 55", "retirees"]
    assert event.digital_inclusion and event.created_by == people["cataloguer"]


def test_network_admin_creates_a_network_event(people):
    client_for(people["admin"]).post(f"{STAFF}new/", event_form(""))
    assert Event.objects.get().library is None


def test_staff_cannot_create_for_another_library_nor_for_the_network(people):
    client = client_for(people["cataloguer"])
    response = client.post(f"{STAFF}new/", event_form(people["fes"].pk), follow=True)
    assert "Select a valid choice" in response.content.decode()
    client.post(f"{STAFF}new/", event_form(""))
    assert not Event.objects.exists()


def test_bad_input_is_named_and_nothing_is_saved(people):
    client = client_for(people["admin"])
    start = event_form()["starts_at"]
    page = client.post(f"{STAFF}new/", event_form(ends_at=start, place=""), follow=True).content.decode()
    assert "Give a place or an online link." in page
    page = client.post(f"{STAFF}new/", event_form(ends_at=start), follow=True).content.decode()
    assert "Ends at: The event must end after it starts." in page
    page = client.post(f"{STAFF}new/", event_form(capacity="-3"), follow=True).content.decode()
    assert "Capacity:" in page
    assert not Event.objects.exists()


def test_staff_pages_of_an_event_are_refused_to_others(people):
    event = make_event(people["rabat"])
    for user in ("other_staff", "reader"):
        for path in ("", "edit/", "scan/"):
            assert client_for(people[user]).get(f"{STAFF}{event.pk}/{path}").status_code == 403, (user, path)
    assert client_for().get(f"{STAFF}{event.pk}/").status_code == 302  # to the sign-in page
    before = event.title
    client_for(people["other_staff"]).post(f"{STAFF}{event.pk}/edit/", event_form(people["fes"].pk))
    event.refresh_from_db()
    assert event.title == before and event.library == people["rabat"]
    assert client_for(people["librarian"]).get(f"{STAFF}{event.pk}/").status_code == 200
    assert client_for(people["admin"]).get(f"{STAFF}999999/").status_code == 404


def test_network_events_are_managed_by_network_admins_only(people):
    event = make_event(None)
    assert client_for(people["librarian"]).get(f"{STAFF}{event.pk}/").status_code == 403
    assert client_for(people["admin"]).get(f"{STAFF}{event.pk}/").status_code == 200
    listing = client_for(people["librarian"]).get(STAFF).content.decode()
    assert event.title not in listing


# ---- the calendar and its feed -------------------------------------------------------------------------


def test_the_calendar_lists_published_events_and_filters_by_audience(people):
    coming = make_event(title="Webinaire Scopus")
    make_event(title="Brouillon", published=False)
    make_event(title="Atelier seniors", kind=Event.Kind.WORKSHOP, audiences=["women over 55"])
    make_event(title="Passé", days=-20)
    page = client_for().get(PUBLIC).content.decode()
    assert "Webinaire Scopus" in page and "Atelier seniors" in page
    assert "Brouillon" not in page and "Passé" not in page
    assert f'href="{PUBLIC}{coming.pk}/"' in page
    filtered = client_for().get(PUBLIC, {"audience": "women over 55"}).content.decode()
    assert "Atelier seniors" in filtered and "Webinaire Scopus" not in filtered
    assert "Passé" in client_for().get(PUBLIC, {"past": "1"}).content.decode()
    assert client_for().get(f"{PUBLIC}{Event.objects.get(title='Brouillon').pk}/").status_code == 404


def test_the_icalendar_feed_parses_back(people):
    event = make_event(title="Journée disciplinaire : histoire", place="Fès", online_link="")
    make_event(title="Brouillon", published=False)
    response = client_for().get(f"{PUBLIC}calendar.ics")
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Journée disciplinaire : histoire"]
    assert events[0].decoded("dtstart") == event.starts_at.replace(microsecond=0)
    assert str(events[0]["url"]).endswith(f"{PUBLIC}{event.pk}/")
    assert str(events[0]["location"]) == "Fès"


# ---- registration and the waiting list -----------------------------------------------------------------


def register(user, event, capture):
    with capture(execute=True):
        return client_for(user).post(f"{PUBLIC}{event.pk}/register/")


def test_members_register_then_wait_and_a_freed_seat_goes_to_the_first_in_line(
    people, django_capture_on_commit_callbacks
):
    event = make_event(people["rabat"], capacity=1)
    register(people["reader"], event, django_capture_on_commit_callbacks)
    register(people["second"], event, django_capture_on_commit_callbacks)
    register(people["third"], event, django_capture_on_commit_callbacks)
    first, second, third = Registration.objects.order_by("id")
    assert (first.status, second.status, third.status) == (Status.CONFIRMED, Status.WAITING, Status.WAITING)
    assert first.category == "" and first.name == "Salma Idrissi"
    assert [m.subject for m in mail.outbox] == [
        "Registered: Découvrir Scopus",
        "Waiting list: Découvrir Scopus",
        "Waiting list: Découvrir Scopus",
    ]
    assert "number 2 on the waiting list" in mail.outbox[2].body
    assert "https://khizana.example/network/events/ticket/" in mail.outbox[0].body
    page = client_for(people["third"]).get(f"{PUBLIC}{event.pk}/").content.decode()
    assert "You are number 2 on the waiting list." in page

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(people["reader"]).post(f"{PUBLIC}mine/{first.pk}/cancel/")
    assert response.status_code == 302
    second.refresh_from_db(), third.refresh_from_db()
    assert second.status == Status.CONFIRMED and third.status == Status.WAITING
    assert [m.to for m in mail.outbox] == [["second@example.org"]]
    assert mail.outbox[0].subject == "A seat is yours: Découvrir Scopus"


def test_a_larger_capacity_confirms_those_waiting(people, django_capture_on_commit_callbacks):
    event = make_event(None, capacity=1)
    register(people["reader"], event, django_capture_on_commit_callbacks)
    register(people["second"], event, django_capture_on_commit_callbacks)
    start = timezone.localtime(event.starts_at)
    form = event_form(
        "",
        title=event.title,
        capacity="2",
        starts_at=start.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        client_for(people["admin"]).post(f"{STAFF}{event.pk}/edit/", form)
    assert set(Registration.objects.values_list("status", flat=True)) == {Status.CONFIRMED}
    assert mail.outbox[-1].subject == "A seat is yours: Découvrir Scopus"


def test_who_may_not_register(people, django_capture_on_commit_callbacks):
    event = make_event()
    assert register(people["unverified"], event, django_capture_on_commit_callbacks).status_code == 403
    anonymous = client_for().post(f"{PUBLIC}{event.pk}/register/", {"name": "X", "email": "x@example.org"})
    assert anonymous.status_code == 403  # not open to the public
    register(people["reader"], event, django_capture_on_commit_callbacks)
    again = client_for(people["reader"]).post(f"{PUBLIC}{event.pk}/register/", follow=True)
    assert "You are already registered for this event." in again.content.decode()
    started = make_event(days=-1)
    late = client_for(people["second"]).post(f"{PUBLIC}{started.pk}/register/", follow=True)
    assert "registration is closed" in late.content.decode()
    assert client_for(people["reader"]).post(f"{PUBLIC}999999/register/").status_code == 404
    assert Registration.objects.count() == 1


def test_the_public_registers_by_email_when_the_event_says_so(people, django_capture_on_commit_callbacks):
    event = make_event(public_registration=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for().post(
            f"{PUBLIC}{event.pk}/register/", {"name": " Fatima  Zahra ", "email": "Fatima@Example.org"}
        )
    registration = Registration.objects.get()
    assert registration.user is None and registration.email == "fatima@example.org"
    assert registration.name == "Fatima Zahra"
    assert response["Location"].startswith(f"{PUBLIC}ticket/")
    assert mail.outbox[0].to == ["fatima@example.org"]
    bad = client_for().post(
        f"{PUBLIC}{event.pk}/register/", {"name": "A", "email": "not-an-address"}, follow=True
    )
    assert "Your e-mail address: Enter a valid email address." in bad.content.decode()
    twice = client_for().post(
        f"{PUBLIC}{event.pk}/register/", {"name": "F", "email": "fatima@example.org"}, follow=True
    )
    assert "You are already registered for this event." in twice.content.decode()
    assert Registration.objects.count() == 1
    # the ticket's holder cancels from the ticket page
    token = services.ticket_token(registration)
    client_for().post(f"{PUBLIC}ticket/{token}/cancel/")
    registration.refresh_from_db()
    assert registration.status == Status.CANCELLED


def test_nobody_cancels_someone_elses_registration(people, django_capture_on_commit_callbacks):
    event = make_event()
    register(people["reader"], event, django_capture_on_commit_callbacks)
    registration = Registration.objects.get()
    assert client_for(people["second"]).post(f"{PUBLIC}mine/{registration.pk}/cancel/").status_code == 404
    assert client_for().post(f"{PUBLIC}mine/{registration.pk}/cancel/").status_code == 302  # sign in
    forged = signing.Signer(salt=services.TICKET_SALT).sign_object([registration.pk, "0" * 16])
    assert client_for().post(f"{PUBLIC}ticket/{forged}/cancel/").status_code == 404
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED


# ---- tickets, attendance, certificates -----------------------------------------------------------------


def confirmed(people, event, user="reader"):
    return services.register_member(people[user], event)


def test_the_ticket_shows_a_qr_code_of_its_token(people):
    registration = confirmed(people, make_event())
    token = services.ticket_token(registration)
    page = client_for().get(f"{PUBLIC}ticket/{token}/").content.decode()
    assert f'src="{PUBLIC}ticket/{token}/qr.svg"' in page
    svg = client_for().get(f"{PUBLIC}ticket/{token}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert client_for().get(f"{PUBLIC}ticket/{token}x/").status_code == 404


def test_attendance_is_taken_once_per_ticket_and_forged_tickets_are_refused(people):
    event = make_event(people["rabat"])
    other_event = make_event(people["rabat"], title="Autre")
    registration = confirmed(people, event)
    elsewhere = confirmed(people, other_event, "second")
    token = services.ticket_token(registration)
    scan = f"{STAFF}{event.pk}/scan/"
    client = client_for(people["cataloguer"])

    page = client.post(scan, {"token": token}, follow=True).content.decode()
    assert "Welcome, Salma Idrissi: attendance recorded." in page
    registration.refresh_from_db()
    assert registration.attended_at is not None

    assert (
        "Ticket refused: already used at" in client.post(scan, {"token": token}, follow=True).content.decode()
    )
    forged = signing.Signer(salt="another-salt").sign_object([registration.pk, registration.ticket_nonce])
    assert "not a valid ticket" in client.post(scan, {"token": forged}, follow=True).content.decode()
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert "not a valid ticket" in client.post(scan, {"token": altered}, follow=True).content.decode()
    wrong = client.post(scan, {"token": services.ticket_token(elsewhere)}, follow=True).content.decode()
    assert "Ticket refused: it is for another event." in wrong
    elsewhere.refresh_from_db()
    assert elsewhere.attended_at is None

    # another library's staff and a reader may not scan
    fresh = confirmed(people, event, "second")
    for user in ("other_staff", "reader"):
        assert client_for(people[user]).post(scan, {"token": services.ticket_token(fresh)}).status_code == 403
    fresh.refresh_from_db()
    assert fresh.attended_at is None


def test_a_cancelled_ticket_is_refused_at_the_door(people):
    event = make_event(people["rabat"])
    registration = confirmed(people, event)
    token = services.ticket_token(registration)
    services.cancel_registration(registration)
    page = client_for(people["librarian"]).post(f"{STAFF}{event.pk}/scan/", {"token": token}, follow=True)
    assert "Ticket refused: the registration is cancelled." in page.content.decode()


def test_a_certificate_is_given_to_those_who_came(people):
    event = make_event(people["rabat"])
    registration = confirmed(people, event)
    token = services.ticket_token(registration)
    early = client_for().get(f"{PUBLIC}ticket/{token}/certificate.pdf", follow=True)
    assert "A certificate is given to those who attended the event." in early.content.decode()
    services.check_in(people["librarian"], event, token)
    response = client_for().get(f"{PUBLIC}ticket/{token}/certificate.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Salma Idrissi" in text and "Découvrir Scopus" in text and "Elsevier" in text
    mine = client_for(people["reader"]).get(f"{PUBLIC}mine/").content.decode()
    assert f"{PUBLIC}ticket/{token}/certificate.pdf" in mine


# ---- reminders -----------------------------------------------------------------------------------------


def test_reminders_go_the_day_before_once(people):
    now = timezone.localtime()
    tomorrow_noon = now.replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=1)
    tomorrow = make_event(starts_at=tomorrow_noon, ends_at=tomorrow_noon + timedelta(hours=1), title="Demain")
    later = make_event(days=5, title="Plus tard")
    confirmed(people, tomorrow)
    confirmed(people, later)
    waiting = make_event(
        starts_at=tomorrow_noon, ends_at=tomorrow_noon + timedelta(hours=1), capacity=1, title="Complet"
    )
    confirmed(people, waiting, "second")
    confirmed(people, waiting, "third")  # waiting: no reminder
    mail.outbox.clear()
    assert tasks.send_event_reminders.call_local() == 2
    assert sorted((m.subject, m.to[0]) for m in mail.outbox) == [
        ("Tomorrow: Complet", "second@example.org"),
        ("Tomorrow: Demain", "reader@example.org"),
    ]
    assert services.send_reminders() == 0


# ---- figures -------------------------------------------------------------------------------------------


def attended(event, count, registered=None):
    for index in range(registered or count):
        Registration.objects.create(
            event=event,
            name=f"P{index}",
            email=f"p{index}-{event.pk}@example.org",
            status=Status.CONFIRMED,
            ticket_nonce="n",
            attended_at=event.starts_at if index < count else None,
        )


def test_figures_per_provider_topic_month_and_inclusion_reach(people):
    march = timezone.now().replace(month=3, day=10, hour=10, minute=0, second=0, microsecond=0)
    if march > timezone.now():
        march = march.replace(year=march.year - 1)
    april = march + timedelta(days=30)
    one = make_event(people["rabat"], starts_at=march, ends_at=march + timedelta(hours=1), capacity=500)
    two = make_event(
        people["rabat"],
        starts_at=april,
        ends_at=april + timedelta(hours=1),
        capacity=500,
        provider="BNRM",
        topic="Digital skills",
        audiences=["women over 55"],
        digital_inclusion=True,
    )
    fes = make_event(people["fes"], starts_at=march, ends_at=march + timedelta(hours=1), capacity=500)
    attended(one, 120, 150)
    attended(two, 14, 15)
    attended(fes, 40)
    make_event(people["rabat"], days=3)  # to come: not counted

    page = client_for(people["admin"]).get(f"{STAFF}figures/").content.decode()
    participants = chart_on_page(page, "events-provider-participants")
    assert participants["data"]["labels"] == ["Elsevier", "BNRM"]
    assert participants["data"]["datasets"][0]["data"] == [160, 14]
    assert chart_on_page(page, "events-provider-sessions")["data"]["datasets"][0]["data"] == [2, 1]
    month = chart_on_page(page, "events-month-participants")
    assert month["data"]["labels"] == [march.strftime("%Y-%m"), april.strftime("%Y-%m")]
    assert month["data"]["datasets"][0]["data"] == [160, 14]
    assert chart_on_page(page, "events-month-sessions")["data"]["datasets"][0]["data"] == [2, 1]
    topic = chart_on_page(page, "events-topic-participants")
    assert topic["data"]["labels"] == ["Bibliometrics", "Digital skills"]
    inclusion = chart_on_page(page, "events-inclusion")
    assert inclusion["data"]["labels"] == ["women over 55"] and inclusion["data"]["datasets"][0]["data"] == [
        14
    ]
    assert "<caption>Reach of the digital-inclusion workshops, per audience</caption>" in page
    assert re.search(r"<bdi>women over 55</bdi></th><td>1</td><td>14</td><td>15</td>", page)

    rabat = client_for(people["librarian"]).get(f"{STAFF}figures/").content.decode()
    assert chart_on_page(rabat, "events-provider-participants")["data"]["datasets"][0]["data"] == [120, 14]
    assert client_for(people["reader"]).get(f"{STAFF}figures/").status_code == 403


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
def test_public_pages_answer_in_every_language(people, language):
    event = make_event(public_registration=True)
    client = client_for()
    client.cookies["django_language"] = language
    for path in (PUBLIC, f"{PUBLIC}{event.pk}/", f"{PUBLIC}rooms/"):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        assert f'lang="{language}"' in response.content.decode()


# ---- the command line and the staff menu ---------------------------------------------------------------


def test_the_demo_loads_once_and_reminders_run_from_the_command_line(people):
    from django.core.management import call_command

    from khizana.testing import make_library

    for code in ("BNRM", "IMIST"):
        make_library(code)
    call_command("events", "demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("events", "demo", stdout=out)
    assert out.getvalue().strip() == "0 events and 0 reading-room time slots loaded"
    assert Event.objects.count() == 8 and Event.objects.filter(library=None).count() == 1
    page = client_for(people["admin"]).get(f"{STAFF}figures/").content.decode()
    assert chart_on_page(page, "events-inclusion")["data"]["labels"] == ["women over 55", "retirees"]
    out = io.StringIO()
    call_command("events", "remind", stdout=out)
    assert out.getvalue().strip() == "0 reminders sent"


def test_the_staff_menu_links_to_the_events_pages(people):
    page = client_for(people["cataloguer"]).get(STAFF).content.decode()
    for path in (STAFF, f"{STAFF}figures/", f"{STAFF}rooms/"):
        assert f'href="{path}"' in page


def test_staff_mark_attendance_by_hand_and_send_the_certificates_once(people):
    event = make_event(people["rabat"])
    came = confirmed(people, event)
    absent = confirmed(people, event, "second")
    other = confirmed(people, make_event(people["rabat"], title="Autre"), "third")
    client = client_for(people["cataloguer"])
    page = client.post(
        f"{STAFF}{event.pk}/attended/", {"registration": came.pk}, follow=True
    ).content.decode()
    assert "Attendance recorded for Salma Idrissi." in page
    again = client.post(
        f"{STAFF}{event.pk}/attended/", {"registration": came.pk}, follow=True
    ).content.decode()
    assert "This attendance is already recorded." in again
    assert client.post(f"{STAFF}{event.pk}/attended/", {"registration": other.pk}).status_code == 404
    assert client.post(f"{STAFF}{event.pk}/attended/", {"registration": "x"}).status_code == 404
    refused = client_for(people["other_staff"]).post(
        f"{STAFF}{event.pk}/attended/", {"registration": absent.pk}
    )
    assert refused.status_code == 403
    early = client.post(f"{STAFF}{event.pk}/certificates/", follow=True).content.decode()
    assert "Certificates are sent once the event has ended." in early

    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    mail.outbox.clear()
    assert client_for(people["reader"]).post(f"{STAFF}{event.pk}/certificates/").status_code == 403
    page = client.post(f"{STAFF}{event.pk}/certificates/", follow=True).content.decode()
    assert "1 certificates sent by e-mail." in page
    assert [m.to for m in mail.outbox] == [["reader@example.org"]]
    link = re.search(r"https://khizana.example(\S+certificate\.pdf)", mail.outbox[0].body).group(1)
    assert client_for().get(link)["Content-Type"] == "application/pdf"
    client.post(f"{STAFF}{event.pk}/certificates/")
    assert len(mail.outbox) == 1
    absent.refresh_from_db()
    assert absent.attended_at is None and absent.certificate_sent_at is None


@pytest.mark.django_db(transaction=True)
def test_simultaneous_registrations_fill_the_seats_then_the_waiting_list(people):
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite has one writer at a time)")
    from khizana.testing import make_user

    event = make_event(capacity=2)
    members = [make_user(f"member{n}", "reader", people["fes"]) for n in range(8)]
    barrier = threading.Barrier(len(members))

    def attempt(user):
        barrier.wait()
        try:
            services.register_member(user, event)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(user,)) for user in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = list(Registration.objects.filter(event=event).values_list("status", flat=True))
    assert sorted(statuses) == [Status.CONFIRMED] * 2 + [Status.WAITING] * 6
