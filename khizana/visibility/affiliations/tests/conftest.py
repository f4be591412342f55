"""Fixtures of the correction loop, progress and research office tests: the small ROR registry of the
visibility tests in the database, staff and research office accounts, and their export
(``data/office_scopus.csv``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from khizana.testing import make_library, make_user
from khizana.visibility.models import AffiliationReport, Institution, ResearchOffice
from khizana.visibility.registry import services
from khizana.visibility.tests.support import DATA

OFFICE_EXPORT = Path(__file__).resolve().parent / "data" / "office_scopus.csv"
HOME = "/research/affiliations/"
CADI_AYYAD = "https://ror.org/04xf6nm78"
MOHAMMED_V = "https://ror.org/00r8w8f84"
UNKNOWN = "Ecole Zeta des Mines, Marrakesh, Morocco"


@pytest.fixture
def office_registry(db):
    services.load_registry([DATA / "ror" / "ror_MA_DZ_TN.jsonl", DATA / "ror" / "ror_names_index_all.tsv"])
    return {
        "cadi": Institution.objects.get(ror_id=CADI_AYYAD),
        "um5": Institution.objects.get(ror_id=MOHAMMED_V),
    }


@pytest.fixture
def people(office_registry):
    library = make_library("LIBA")
    found = {
        "reader": make_user("lecteur", "reader", library),
        "cataloguer": make_user("catalogueur", "cataloguer", library),
        "library_admin": make_user("admin_a", "library_admin", library),
        "network_admin": make_user("reseau", "network_admin", None),
        "officer_a": make_user("bureau_cadi"),
        "reader_a": make_user("lecture_cadi"),
        "officer_b": make_user("bureau_um5"),
    }
    ResearchOffice.objects.create(user=found["officer_a"], institution=office_registry["cadi"])
    ResearchOffice.objects.create(
        user=found["reader_a"], institution=office_registry["cadi"], role=ResearchOffice.Role.READER
    )
    ResearchOffice.objects.create(user=found["officer_b"], institution=office_registry["um5"])
    return found


def client_for(user=None, *, csrf: bool = False) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=csrf)
    if user is not None:
        client.force_login(user)
    return client


def upload(client: Client, data: bytes | None = None, name: str = "scopus.csv", institution: str = ""):
    data = OFFICE_EXPORT.read_bytes() if data is None else data
    return client.post(HOME, {"file": SimpleUploadedFile(name, data), "institution": institution})


@pytest.fixture
def report_a(people) -> AffiliationReport:
    """The export analysed by Cadi Ayyad University's research office: its report."""
    response = upload(client_for(people["officer_a"]))
    assert response.status_code == 302
    return AffiliationReport.objects.get()
