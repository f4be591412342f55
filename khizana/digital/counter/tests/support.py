"""Usage for the COUNTER tests: two member libraries, their readers, three items, events in past months;
and the validator of the COUNTER_SUSHI API's JSON schemas (../shared/data, skipped when absent)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from khizana.digital.models import DigitalItem, SushiCredential, UsageEvent
from khizana.digital.tests.reader_items import add_item, make_record
from khizana.testing import make_library, shared_data_dir

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def month_start(months_ago: int) -> datetime:
    """The first day of the month ``months_ago`` months before this one (local time), 10:00."""
    now = timezone.localtime()
    year, month = now.year, now.month - months_ago
    while month < 1:
        year, month = year - 1, month + 12
    return timezone.make_aware(datetime(year, month, 3, 10, 0, 0))


def event(item, at, user=None, action="read", user_library=None, agent=BROWSER, session=""):
    return UsageEvent.objects.create(
        occurred_at=at,
        user=user,
        session_key=session,
        item=item,
        work_id=item.record.work_id,
        library_id=item.library_id,
        user_library=user_library,
        action=action,
        is_request=action in ("read", "download"),
        access_type="Open" if item.access == DigitalItem.Access.OPEN else "Controlled",
        user_agent=agent,
    )


def member(username: str, role: str, library):
    """A user with a role, without a password (hashing one takes a second; tests sign in with
    ``force_login``)."""
    from django.contrib.auth import get_user_model

    from khizana.accounts.models import Membership

    user = get_user_model().objects.create(username=username, email=f"{username}@example.org")
    user.set_unusable_password()
    user.save()
    Membership.objects.create(user=user, role=role, library=library, verified_at=timezone.now())
    return user


class Network:
    """Libraries RABAT and ORAN, a reader of each, items and usage two months ago and last month."""

    def __init__(self):
        self.rabat = make_library("RABAT", name_fr="Bibliothèque universitaire de Rabat")
        self.oran = make_library(
            "ORAN", name_fr="Bibliothèque de l'université d'Oran", country="DZ", city="Oran"
        )
        self.reader = member("amina", "reader", self.rabat)
        self.oran_reader = member("karim", "reader", self.oran)
        self.ibar1 = add_item(
            make_record(self.rabat, "ibar", "Kitab al-Ibar", year=1858, publisher="Bulaq"),
            b"%PDF-1.4 one",
            "pdf",
            "ibar1.pdf",
            access=DigitalItem.Access.MEMBERS,
            language="ara",
        )
        self.ibar2 = DigitalItem.objects.create(
            record=self.ibar1.record,
            library=self.rabat,
            kind="pdf",
            label="vol. 2",
            media_type="application/pdf",
            sha256="0" * 64,
            access=DigitalItem.Access.MEMBERS,
            language="ara",
        )
        self.miserables = add_item(
            make_record(self.oran, "mis", "Les Misérables", year=1862),
            b"%PDF-1.4 two",
            "pdf",
            "mis.pdf",
            access=DigitalItem.Access.OPEN,
            language="fre",
        )
        t = month_start(2)
        self.two_months_ago, self.last_month = t, month_start(1)
        # Rabat's reader: vol. 1 read twice within 10 s (one), vol. 2 read; views
        event(self.ibar1, t, self.reader, user_library=self.rabat)
        event(self.ibar1, t + timedelta(seconds=10), self.reader, user_library=self.rabat)
        event(self.ibar2, t + timedelta(minutes=2), self.reader, user_library=self.rabat)
        event(self.ibar1, t + timedelta(minutes=3), self.reader, action="view", user_library=self.rabat)
        # Oran's reader: Les Misérables downloaded; a robot; an anonymous reader
        event(self.miserables, t, self.oran_reader, action="download", user_library=self.oran)
        event(self.miserables, t, None, session="s-bot", agent="Mozilla/5.0 (compatible; Googlebot/2.1)")
        event(self.miserables, t + timedelta(hours=1), None, session="s-anon")
        # last month: Rabat's reader reads Les Misérables
        event(self.miserables, self.last_month, self.reader, user_library=self.rabat)
        # this month (not reported yet)
        event(self.miserables, timezone.now() - timedelta(minutes=5), self.reader, user_library=self.rabat)


def make_credential(customer_id: str, library=None, api_key="secret-key-of-the-harvester"):
    from khizana.digital.counter.services import _hash

    return SushiCredential.objects.create(
        library=library,
        customer_id=customer_id,
        requestor_id=f"req-{customer_id}",
        api_key_hash=_hash(api_key),
    )


def month_id(at: datetime) -> str:
    return f"{at.year:04d}-{at.month:02d}"


_DOCUMENT: dict = {}


class SchemaValidator:
    """Validates a response body against a response schema of cop5_COUNTER_SUSHI_API.json (OpenAPI 3.1)."""

    def __init__(self):
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        base = shared_data_dir()
        path = base / "digital" / "standards" / "cop5_COUNTER_SUSHI_API.json" if base else None
        if path is None or not path.is_file():
            pytest.skip("cop5_COUNTER_SUSHI_API.json not found in ../shared/data (needs the shared data)")
        if not _DOCUMENT:
            _DOCUMENT.update(json.loads(path.read_text(encoding="utf-8")))
        document = _DOCUMENT
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry = Registry().with_resource("urn:counter-sushi", resource)
        self.validator_class = Draft202012Validator

    def validate(self, body, path: str, status: int) -> None:
        """The schema the API gives for ``path`` (e.g. /r51/reports/tr) and this status code."""
        responses = self.document["paths"][path]["get"]["responses"]
        reference = responses[str(status)]["$ref"].split("/")[-1]
        pointer = f"urn:counter-sushi#/components/responses/{reference}/content/application~1json/schema"
        validator = self.validator_class({"$ref": pointer}, registry=self.registry)
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
        assert not errors, "; ".join(f"{list(e.path)}: {e.message}"[:500] for e in errors[:5])
