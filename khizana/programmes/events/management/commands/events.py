"""``khizana events remind|demo``: the events' reminders and demo from the command line."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from khizana.libraries.models import Library
from khizana.programmes.events import services
from khizana.programmes.events.models import Event, Registration, Room, Slot

DEMO = settings.BASE_DIR / "demo" / "events" / "events.json"


class Command(BaseCommand):
    help = (
        "Training and events. 'remind' e-mails the registrants of tomorrow's events now (what the huey "
        "consumer does every day; each is reminded once); 'demo' loads the demo events and reading room of "
        "demo/events/events.json (dates counted from today; skipped when already there)."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="remind|demo")
        actions.add_parser("remind", help="E-mail the registrants of tomorrow's events.")
        actions.add_parser("demo", help="Load the demo events and reading room.")

    def handle(self, *args, **options):
        if options["action"] == "remind":
            self.stdout.write(f"{services.send_reminders()} reminders sent")
        else:
            self._demo()

    def _library(self, code: str | None) -> Library | None:
        if code is None:
            return None
        library = Library.objects.filter(code=code).first()
        if library is None:
            raise CommandError(
                f"No library with the code {code!r}: load the demo network first (khizana demo)."
            )
        return library

    @transaction.atomic
    def _demo(self) -> None:
        data = json.loads(DEMO.read_text(encoding="utf-8"))
        today = timezone.localdate()
        made = 0
        for entry in data["events"]:
            if Event.objects.filter(title=entry["title"]).exists():
                continue
            day = today + timedelta(days=entry["day"])
            start = timezone.make_aware(datetime.combine(day, time(entry["hour"])))
            event = Event.objects.create(
                kind=entry["kind"],
                title=entry["title"],
                provider=entry["provider"],
                topic=entry["topic"],
                language=entry["language"],
                audiences=entry.get("audiences", []),
                digital_inclusion=entry.get("digital_inclusion", False),
                library=self._library(entry.get("library")),
                starts_at=start,
                ends_at=start + timedelta(hours=entry["hours"]),
                place=entry.get("place", ""),
                online_link=entry.get("online_link", ""),
                capacity=entry["capacity"],
                public_registration=entry.get("public_registration", False),
            )
            Registration.objects.bulk_create(
                Registration(
                    event=event,
                    name=f"Participant {number}",
                    email=f"participant-{event.pk}-{number}@demo.invalid",
                    status=Registration.Status.CONFIRMED,
                    confirmed_at=start,
                    attended_at=start if number <= entry.get("attended", 0) else None,
                    ticket_nonce=f"demo{number}",
                )
                for number in range(1, entry.get("registered", 0) + 1)
            )
            made += 1
        slots = 0
        for entry in data["rooms"]:
            library = self._library(entry["library"])
            room, _created = Room.objects.get_or_create(
                library=library,
                name=entry["name"],
                defaults={"capacity": entry["capacity"], "notes": entry["notes"]},
            )
            opens, closes = time.fromisoformat(entry["opens"]), time.fromisoformat(entry["closes"])
            for offset in range(1, entry["days"] + 1):
                day = today + timedelta(days=offset)
                start = timezone.make_aware(datetime.combine(day, opens))
                while start + timedelta(minutes=entry["minutes"]) <= timezone.make_aware(
                    datetime.combine(day, closes)
                ):
                    _slot, created = Slot.objects.get_or_create(
                        room=room,
                        starts_at=start,
                        defaults={
                            "ends_at": start + timedelta(minutes=entry["minutes"]),
                            "capacity": room.capacity,
                        },
                    )
                    slots += created
                    start += timedelta(minutes=entry["minutes"])
        self.stdout.write(f"{made} events and {slots} reading-room time slots loaded")
