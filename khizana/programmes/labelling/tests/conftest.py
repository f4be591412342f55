from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from khizana.catalog.services import import_file
from khizana.programmes.labelling import services
from khizana.search import services as search_services
from khizana.testing import make_library, make_user
from khizana.visibility.models import Institution

# Three works of a small catalog: two manuscripts found by the saved search, one listed by number.
CSV = (
    "id;title;authors;year;language;type;call_number;barcode;location;status\n"
    "M-1;Manuscrits andalous de Tétouan;Benali, Omar;1890;ara;book;;;;\n"
    "M-2;Manuscrits soufis du Souss;Idrissi, Laila;1901;ara;book;;;;\n"
    "P-3;Histoire du Maghreb;Laroui, Abdallah;1970;fre;book;;;;\n"
)


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with translation.override("en"):
        yield


def client_for(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def people(db):
    rabat = make_library(
        "RBT",
        latitude=34.02,
        longitude=-6.83,
        contact_email="contact@rbt.example.org",
        name_ar="مكتبة الرباط",
    )
    fes = make_library("FES", city="Fès", latitude=34.03, longitude=-5.0)
    return {
        "rabat": rabat,
        "fes": fes,
        "admin": make_user("admin", "network_admin"),
        "librarian": make_user("librarian", "library_admin", rabat),
        "colleague": make_user("colleague", "cataloguer", rabat),
        "other_staff": make_user("other_staff", "cataloguer", fes),
        "reader": make_user("reader", "reader", fes),
        "expert": make_user("expert", "reader", fes),
        "conflicted": make_user("conflicted", "reader", rabat),
    }


@pytest.fixture
def campaign(people):
    today = timezone.localdate()
    values = services.CampaignValues(
        name="Campagne de labellisation 2027-1",
        text_fr="Le réseau labellise des collections d'excellence.",
        text_en="The network labels collections of excellence.",
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=30),
    )
    return services.save_campaign(people["admin"], values)


@pytest.fixture
def works(people, tmp_path):
    csv = tmp_path / "catalog.csv"
    csv.write_text(CSV, encoding="utf-8")
    import_file(people["rabat"], csv)
    search_services.rebuild_index()
    from khizana.catalog.models import Work

    return {work.title: work for work in Work.objects.all()}


@pytest.fixture
def laboratory(db):
    return Institution.objects.create(
        ror_id="https://ror.org/00r8w8f84",
        source="ror",
        detail="full",
        name="Laboratoire d'histoire du Maroc",
        sort_key="laboratoire",
        kind="laboratory",
    )


def description(library, works=None, **extra) -> dict:
    """The form of a collection's description as a browser posts it."""
    data = {
        "library": library.pk,
        "kind": "collection",
        "name_fr": "Manuscrits du Maroc",
        "name_ar": "مخطوطات المغرب",
        "name_en": "Manuscripts of Morocco",
        "description_fr": "Manuscrits arabes et amazighes, XVIe-XIXe siècles.",
        "description_en": "Arabic and Amazigh manuscripts, 16th-19th centuries.",
        "subjects": ["200", "900"],
        "languages": "ara ber",
        "periods": "XVIe-XIXe siècles",
        "size": "1200",
        "access_conditions": "Sur rendez-vous, en salle de lecture.",
        "query": "manuscrits",
        "works": " ".join(f"/work/{w.pk}/" for w in (works or [])),
        "laboratories": "00r8w8f84",
    }
    return data | extra
