"""A small real catalog for the API tests: two libraries (APIA, APIB) sharing a work, copies with call
numbers, a MARC file, staff of each library with API tokens, built once per module."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from khizana.accounts.models import AuditEntry, Membership
from khizana.api import services as api_services
from khizana.catalog.models import ImportJob, ImportRun, SourceRecord, Work
from khizana.catalog.services import import_file
from khizana.libraries.models import Library
from khizana.search import services as search_services
from khizana.search.models import IndexQueue
from khizana.testing import DEMO, make_library

AUSTEN = DEMO / "records" / "UM5" / "marc4j_pride-and-prejudice-subset.mrc"
CSV_A = (
    "id;title;authors;isbn;year;language;type;call_number;barcode;location;status\n"
    "A-1;Histoire du Maghreb;Laroui, Abdallah;9782707110046;1970;fre;book;961 LAR;A0001;Magasin;disponible\n"
    "A-2;Muqaddima;Ibn Khaldun;;1377;ara;book;900 IBN;A0002;Salle;disponible\n"
)
CSV_B = (
    "id;title;authors;isbn;year;language;type;call_number;barcode;location;status\n"
    "B-1;Histoire du Maghreb;Laroui, Abdallah;9782707110046;1970;fre;book;LAR 961;B0001;Rez;disponible\n"
)
ROLES = {
    "reader": ("reader", "APIA"),
    "cataloguer_a": ("cataloguer", "APIA"),
    "library_admin_a": ("library_admin", "APIA"),
    "cataloguer_b": ("cataloguer", "APIB"),
    "network_admin": ("network_admin", None),
}


def make_staff(username: str, role: str, library: Library | None):
    user = get_user_model().objects.create_user(username, f"{username}@example.org")
    Membership.objects.create(user=user, role=role, library=library)
    return user


@pytest.fixture(scope="module")
def catalog(django_db_setup, django_db_blocker, tmp_path_factory):
    folder = tmp_path_factory.mktemp("api-csv")
    (folder / "a.csv").write_text(CSV_A, encoding="utf-8")
    (folder / "b.csv").write_text(CSV_B, encoding="utf-8")
    with django_db_blocker.unblock():
        libraries = {
            "APIA": make_library("APIA", name_ar="مكتبة أ", name_en="Library A"),
            "APIB": make_library("APIB", kind="public", country="DZ", city="Oran"),
        }
        import_file(libraries["APIA"], folder / "a.csv")
        import_file(libraries["APIA"], AUSTEN)
        import_file(libraries["APIB"], folder / "b.csv")
        search_services.rebuild_index()
        users, keys = {}, {}
        for name, (role, code) in ROLES.items():
            users[name] = make_staff(f"api_{name}", role, libraries.get(code))
            keys[name] = api_services.create_token(users[name], f"{name} tests")[1]
        yield {"libraries": libraries, "users": users, "keys": keys}
        AuditEntry.objects.all().delete()
        ImportJob.objects.filter(library__in=libraries.values()).delete()
        get_user_model().objects.filter(pk__in=[u.pk for u in users.values()]).delete()
        Work.objects.all().delete()
        SourceRecord.objects.filter(library__in=libraries.values()).delete()
        ImportRun.objects.filter(library__in=libraries.values()).delete()
        IndexQueue.objects.all().delete()
        Library.objects.filter(code__in=list(libraries)).delete()


@pytest.fixture
def api(catalog, db, client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # messages follow Accept-Language (French otherwise)
    return client


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}
