"""Deposit over HTTP: the school's staff deposit a thesis and its PDF; forged requests write nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from khizana.catalog.models import SourceRecord
from khizana.digital.models import DigitalItem
from khizana.heritage.theses.models import Thesis
from khizana.testing import make_user
from khizana.visibility.models import Institution

from .support import deposit, make_school, pdf_bytes

pytestmark = pytest.mark.django_db
DEPOSIT = "/staff/heritage/theses/deposit/"


@pytest.fixture
def schools():
    school_a, staff_a, reader_a = make_school("ECOLE-A")
    school_b, staff_b, _ = make_school("ECOLE-B")
    return school_a, staff_a, reader_a, school_b, staff_b


def form(library, pdf: bytes | None = None, name: str = "these.pdf", **extra) -> dict:
    values = {
        "library": str(library.pk),
        "title": "Les manuscrits scientifiques de la Qarawiyyine",
        "author": "Benali, Samira",
        "supervisors": "El Idrissi, Ahmed\nTazi, Leila",
        "committee": "Martin, Paul",
        "doctoral_school": "CEDoc Sciences humaines",
        "institution": "",
        "grantor": "Université Mohammed V de Rabat",
        "discipline": "Histoire des sciences",
        "degree_name": "Doctorat en histoire",
        "degree_level": "doctoral",
        "defence_date": "2025-06-20",
        "embargo_until": "",
        "language": "fre",
        "abstract": "Une étude des manuscrits.",
        "subjects": "Manuscrits arabes\nHistoire des sciences",
        "access": "open",
        "pdf": SimpleUploadedFile(name, pdf_bytes() if pdf is None else pdf, "application/pdf"),
    }
    return {**values, **extra}


def nothing_written() -> bool:
    return not (Thesis.objects.exists() or SourceRecord.objects.exists() or DigitalItem.objects.exists())


def test_the_school_staff_deposit_a_thesis(client, schools):
    school_a, staff_a, *_ = schools
    institution = Institution.objects.create(
        ror_id="https://ror.org/00r8w8f84",
        source="ror",
        detail="full",
        name="Université Mohammed V",
        sort_key="u",
    )
    client.force_login(staff_a)
    assert client.get(DEPOSIT).status_code == 200
    response = client.post(DEPOSIT, form(school_a, institution="00r8w8f84", embargo_until="2030-01-01"))
    thesis = Thesis.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("theses:thesis", args=[thesis.pk])
    assert thesis.library == school_a and thesis.institution == institution and thesis.created_by == staff_a
    assert thesis.supervisors == ["El Idrissi, Ahmed", "Tazi, Leila"]
    assert thesis.embargo_until == date(2030, 1, 1)
    record = thesis.record
    assert (record.library, record.local_id) == (school_a, f"thesis-{thesis.pk}")
    assert record.fields["material_type"] == "thesis" and record.work_id is not None
    assert record.fields["title"].startswith("Les manuscrits scientifiques")
    item = thesis.item
    assert (item.record, item.kind, item.library) == (record, "pdf", school_a)
    listing = client.get("/staff/heritage/theses/")
    assert listing.status_code == 200 and "Les manuscrits scientifiques" in listing.content.decode()


def test_another_school_cannot_deposit_for_a_school(client, schools):
    school_a, _, _, school_b, staff_b = schools
    client.force_login(staff_b)
    response = client.post(DEPOSIT, form(school_a))  # a forged library id
    assert response.status_code == 400 and nothing_written()
    page = client.get(DEPOSIT).content.decode()
    assert f'value="{school_b.pk}"' in page and f'value="{school_a.pk}"' not in page


def test_readers_and_anonymous_cannot_deposit(client, schools):
    school_a, _, reader_a, *_ = schools
    response = client.post(DEPOSIT, form(school_a))
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(reader_a)
    assert client.post(DEPOSIT, form(school_a)).status_code == 403
    assert nothing_written()


def test_a_file_that_is_not_a_pdf_is_refused_with_its_name(client, schools):
    school_a, staff_a, *_ = schools
    client.force_login(staff_a)
    response = client.post(DEPOSIT, form(school_a, pdf=b"juste du texte\n", name="these.pdf"))
    assert response.status_code == 400
    assert "these.pdf" in response.content.decode()
    assert nothing_written()


def test_a_damaged_pdf_is_refused(client, schools):
    school_a, staff_a, *_ = schools
    client.force_login(staff_a)
    response = client.post(DEPOSIT, form(school_a, pdf=pdf_bytes()[:400], name="coupee.pdf"))
    assert response.status_code == 400 and "coupee.pdf" in response.content.decode()
    assert nothing_written()


def test_missing_fields_and_bad_dates_are_named(client, schools):
    school_a, staff_a, *_ = schools
    client.force_login(staff_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(
        DEPOSIT, form(school_a, supervisors="", embargo_until="2020-01-01", institution="00zzzzz00")
    )
    page = response.content.decode()
    assert response.status_code == 400 and nothing_written()
    assert "Name at least one supervisor." in page
    assert "The embargo must end after the defence date." in page
    assert "No institution 00zzzzz00 in the registry" in page


def test_embargo_edit_is_for_the_school_staff_only(client, schools):
    school_a, staff_a, reader_a, _, staff_b = schools
    thesis = deposit(staff_a, school_a, embargo_until=date(2030, 1, 1))
    url = f"/staff/heritage/theses/{thesis.pk}/embargo/"
    client.force_login(staff_b)
    assert client.post(url, {"embargo_until": ""}).status_code == 403
    client.force_login(reader_a)
    assert client.post(url, {"embargo_until": ""}).status_code == 403
    client.logout()
    assert client.post(url, {"embargo_until": ""}).status_code == 302
    thesis.refresh_from_db()
    assert thesis.embargo_until == date(2030, 1, 1)
    client.force_login(staff_a)
    assert client.post("/staff/heritage/theses/999999/embargo/", {"embargo_until": ""}).status_code == 404
    assert client.post(url, {"embargo_until": "not a date"}).status_code == 400
    assert client.post(url, {"embargo_until": "2031-05-01"}).status_code == 302
    thesis.refresh_from_db()
    assert thesis.embargo_until == date(2031, 5, 1)
    assert "Embargoed until 2031-05-01" in bytes(thesis.record.raw).decode()  # the catalog record follows


def test_a_network_admin_may_deposit_for_any_school(client, schools):
    school_a, *_ = schools
    admin = make_user("admin", "network_admin")
    client.force_login(admin)
    assert client.post(DEPOSIT, form(school_a)).status_code == 302
    assert Thesis.objects.get().library == school_a
