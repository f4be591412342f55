from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from khizana.programmes.events.models import Event
from khizana.testing import make_library, make_user


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.KHIZANA_EVENTS_LINK_BASE = "https://khizana.example"
    with translation.override("en"):
        yield


def client_for(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def people(db):
    rabat, fes = make_library("RBT"), make_library("FES", city="Fès")
    return {
        "rabat": rabat,
        "fes": fes,
        "admin": make_user("admin", "network_admin"),
        "librarian": make_user("librarian", "library_admin", rabat),
        "cataloguer": make_user("cataloguer", "cataloguer", rabat),
        "other_staff": make_user("other_staff", "cataloguer", fes),
        "reader": make_user("reader", "reader", rabat, first_name="Salma", last_name="Idrissi"),
        "second": make_user("second", "reader", fes, first_name="Youssef", last_name="Alami"),
        "third": make_user("third", "reader", fes),
        "unverified": make_user("unverified", "reader", fes, verified=False),
    }


def make_event(library=None, *, days=5, capacity=2, **extra) -> Event:
    start = timezone.now() + timedelta(days=days)
    values = {
        "kind": Event.Kind.WEBINAR,
        "title": "Découvrir Scopus",
        "provider": "Elsevier",
        "topic": "Bibliometrics",
        "language": "fr",
        "audiences": ["doctoral students"],
        "library": library,
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "online_link": "https://webinar.example/scopus",
        "capacity": capacity,
    }
    return Event.objects.create(**{**values, **extra})
