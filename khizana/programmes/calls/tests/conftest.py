from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone, translation

from khizana.programmes.calls import services
from khizana.programmes.calls.models import Call
from khizana.testing import DEMO, make_library, make_user

PDF = DEMO / "digital" / "ocrmypdf_c02-22.pdf"
GRID = "3 ; 5 ; Relevance to research\n2 ; 10 ; Feasibility\n1 ; 5 ; Partnerships"


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    settings.KHIZANA_CALLS_FILES_DIR = tmp_path / "calls"
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
    rabat, fes = make_library("RBT"), make_library("FES", city="Fès")
    return {
        "rabat": rabat,
        "fes": fes,
        "admin": make_user("admin", "network_admin"),
        "librarian": make_user("librarian", "library_admin", rabat),
        "colleague": make_user("colleague", "cataloguer", rabat),
        "other_staff": make_user("other_staff", "cataloguer", fes),
        "researcher": make_user("researcher", "reader", fes),
        "unverified": make_user("unverified", "reader", fes, verified=False),
        "reviewer": make_user("reviewer", "reader", fes),
        "conflicted": make_user("conflicted", "reader", rabat),
    }


def make_call(
    admin, *, opens=-1, closes=10, budget="100000", eligibility="both", themes="Heritage\nOpen science"
):
    now = timezone.now()
    values = services.CallText(
        title_fr="Appel à projets 2027",
        title_ar="دعوة لتقديم المشاريع 2027",
        title_en="Call for projects 2027",
        text_fr="Le réseau finance des projets.",
        text_ar="تمول الشبكة المشاريع.",
        text_en="The network funds projects.",
        budget=Decimal(budget),
        opens_at=now + timedelta(days=opens),
        closes_at=now + timedelta(days=closes),
        eligibility=eligibility,
        themes=themes,
        grid=GRID,
    )
    return services.save_call(admin, values)


@pytest.fixture
def call(people) -> Call:
    return make_call(people["admin"])
