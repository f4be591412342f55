"""Reading rooms booked by time slot over HTTP, every role; no overbooking, even under concurrency."""

import threading
from datetime import datetime, time, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from khizana.programmes.events import services
from khizana.programmes.events.models import Booking, Room, Slot
from khizana.testing import make_user

from .conftest import client_for

STAFF = "/staff/network/events/rooms/"
PUBLIC = "/network/events/rooms/"


def make_room(library, capacity=2) -> Room:
    return Room.objects.create(library=library, name="Salle de lecture patrimoniale", capacity=capacity)


def make_slot(room, days=1, hour=10, capacity=None) -> Slot:
    start = timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=days), time(hour)))
    return Slot.objects.create(
        room=room, starts_at=start, ends_at=start + timedelta(hours=2), capacity=capacity or room.capacity
    )


def test_staff_create_a_room_and_open_slots(people):
    client = client_for(people["librarian"])
    response = client.post(STAFF, {"library": people["rabat"].pk, "name": "Salle Averroès", "capacity": "3"})
    room = Room.objects.get()
    assert response["Location"] == f"{STAFF}{room.pk}/"
    monday = timezone.localdate() + timedelta(days=7 - timezone.localdate().weekday())
    form = {
        "first_day": monday.isoformat(),
        "last_day": (monday + timedelta(days=6)).isoformat(),
        "opens": "09:00",
        "closes": "13:00",
        "minutes": "120",
        "weekdays": ["0", "2"],
    }
    page = client.post(f"{STAFF}{room.pk}/", form, follow=True).content.decode()
    assert "4 time slots opened." in page
    starts = [timezone.localtime(s.starts_at) for s in Slot.objects.order_by("starts_at")]
    assert [(s.weekday(), s.hour) for s in starts] == [(0, 9), (0, 11), (2, 9), (2, 11)]
    assert {s.capacity for s in Slot.objects.all()} == {3}
    again = client.post(f"{STAFF}{room.pk}/", form, follow=True).content.decode()
    assert "0 time slots opened." in again and Slot.objects.count() == 4


def test_bad_slot_input_is_named(people):
    room = make_room(people["rabat"])
    client = client_for(people["cataloguer"])
    day = (timezone.localdate() + timedelta(days=1)).isoformat()
    base = {"first_day": day, "last_day": day, "opens": "14:00", "closes": "09:00", "minutes": "60"}
    page = client.post(f"{STAFF}{room.pk}/", base | {"weekdays": [str(d) for d in range(7)]}, follow=True)
    assert "Closes at: the room must close after it opens." in page.content.decode()
    page = client.post(f"{STAFF}{room.pk}/", base | {"minutes": "5", "weekdays": ["0"]}, follow=True)
    assert "Length of a slot (minutes):" in page.content.decode()
    far = (timezone.localdate() + timedelta(days=2000)).isoformat()
    page = client.post(
        f"{STAFF}{room.pk}/",
        base | {"closes": "20:00", "minutes": "15", "last_day": far, "weekdays": [str(d) for d in range(7)]},
        follow=True,
    )
    assert "Too many slots at once" in page.content.decode()
    assert not Slot.objects.exists()


def test_rooms_are_refused_to_other_libraries_readers_and_forged_ids(people):
    room = make_room(people["rabat"])
    day = (timezone.localdate() + timedelta(days=1)).isoformat()
    form = {"first_day": day, "last_day": day, "opens": "09:00", "closes": "11:00", "minutes": "60"}
    for user in ("other_staff", "reader"):
        client = client_for(people[user])
        assert (
            client.post(
                f"{STAFF}{room.pk}/", form | {"weekdays": ["0", "1", "2", "3", "4", "5", "6"]}
            ).status_code
            == 403
        )
        assert client.get(f"{STAFF}{room.pk}/day/").status_code == 403
    # a room for another library: the choice is refused, nothing is made
    page = client_for(people["other_staff"]).post(
        STAFF, {"library": people["rabat"].pk, "name": "X", "capacity": "2"}
    )
    assert "Select a valid choice" in page.content.decode()
    assert Room.objects.count() == 1 and not Slot.objects.exists()
    assert client_for(people["admin"]).get(f"{STAFF}999999/").status_code == 404


def test_members_book_a_seat_and_a_full_slot_refuses(people):
    slot = make_slot(make_room(people["rabat"], capacity=2))
    assert client_for(people["reader"]).post(f"{PUBLIC}slots/{slot.pk}/book/").status_code == 302
    page = client_for(people["reader"]).post(f"{PUBLIC}slots/{slot.pk}/book/", follow=True).content.decode()
    assert "You have already booked a seat in this time slot." in page
    client_for(people["second"]).post(f"{PUBLIC}slots/{slot.pk}/book/")
    full = client_for(people["third"]).post(f"{PUBLIC}slots/{slot.pk}/book/", follow=True).content.decode()
    assert "This time slot is full." in full
    assert sorted(Booking.objects.values_list("seat", flat=True)) == [1, 2]
    listing = client_for(people["third"]).get(PUBLIC).content.decode()
    assert "Salle de lecture patrimoniale" in listing and "Full" in listing


def test_who_may_not_book(people):
    slot = make_slot(make_room(people["rabat"]))
    assert client_for().post(f"{PUBLIC}slots/{slot.pk}/book/").status_code == 302  # to the sign-in page
    assert client_for(people["unverified"]).post(f"{PUBLIC}slots/{slot.pk}/book/").status_code == 403
    assert client_for(people["reader"]).post(f"{PUBLIC}slots/999999/book/").status_code == 404
    begun = make_slot(slot.room, days=-1)
    page = client_for(people["reader"]).post(f"{PUBLIC}slots/{begun.pk}/book/", follow=True).content.decode()
    assert "This time slot has already begun." in page
    assert not Booking.objects.exists()


def test_cancel_frees_the_seat_and_only_the_owner_may(people):
    slot = make_slot(make_room(people["rabat"], capacity=1))
    booking = services.book(people["reader"], slot.pk)
    assert client_for(people["second"]).post(f"{PUBLIC}bookings/{booking.pk}/cancel/").status_code == 404
    assert client_for(people["librarian"]).post(f"{PUBLIC}bookings/{booking.pk}/cancel/").status_code == 404
    client_for(people["reader"]).post(f"{PUBLIC}bookings/{booking.pk}/cancel/")
    booking.refresh_from_db()
    assert booking.cancelled_at is not None
    assert services.book(people["second"], slot.pk).seat == 1


def test_the_desk_list_of_the_day(people):
    room = make_room(people["rabat"])
    morning, afternoon = make_slot(room, hour=9), make_slot(room, hour=14)
    make_slot(room, days=2)
    people["reader"].membership.membership_number = "RBT-0042"
    people["reader"].membership.save()
    services.book(people["reader"], morning.pk)
    services.book(people["second"], morning.pk)
    cancelled = services.book(people["third"], afternoon.pk)
    services.cancel_booking(people["third"], cancelled.pk)
    day = timezone.localdate() + timedelta(days=1)
    page = (
        client_for(people["cataloguer"])
        .get(f"{STAFF}{room.pk}/day/", {"date": day.isoformat()})
        .content.decode()
    )
    assert "Salma Idrissi" in page and "Youssef Alami" in page and "RBT-0042" in page
    assert "third" not in page
    assert "2 of 2 seats" in page and "0 of 2 seats" in page
    assert 'href="/static/events/events.css"' in page
    bad = client_for(people["cataloguer"]).get(f"{STAFF}{room.pk}/day/", {"date": "31/02"}).content.decode()
    assert "Date: “31/02” is not a date (YYYY-MM-DD)." in bad


def test_the_database_refuses_a_second_booking_of_a_seat(people):
    slot = make_slot(make_room(people["rabat"], capacity=1))
    Booking.objects.create(slot=slot, user=people["reader"], seat=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(slot=slot, user=people["second"], seat=1)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_bookings_never_overbook(people):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite has one writer at a time)")
    slot = make_slot(make_room(people["rabat"], capacity=3))
    readers = [make_user(f"concurrent{n}", "reader", people["fes"]) for n in range(12)]
    barrier = threading.Barrier(len(readers))
    outcomes = []

    def attempt(user):
        barrier.wait()
        try:
            with translation.override("en"):
                outcomes.append(services.book(user, slot.pk).seat)
        except services.EventError as problem:
            outcomes.append(str(problem))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(user,)) for user in readers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o for o in outcomes if isinstance(o, int)) == [1, 2, 3]
    assert Booking.objects.filter(slot=slot, cancelled_at__isnull=True).count() == 3
    assert outcomes.count("This time slot is full.") == 9
