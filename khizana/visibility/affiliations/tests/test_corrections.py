"""The correction loop over HTTP: a research officer links an address the registry did not recognise to
its institution (or creates it), the next analysis recognises it, the decision is kept and can be
undone. The export is data/office_scopus.csv; the registry the small ROR copy of the visibility tests."""

from __future__ import annotations

import pytest

from khizana.accounts.models import AuditEntry
from khizana.visibility.affiliations import services as analysis_services
from khizana.visibility.affiliations.figures import address_key
from khizana.visibility.models import (
    AffiliationReport,
    Correction,
    Institution,
    InstitutionName,
    ReportFigure,
)

from .conftest import CADI_AYYAD, HOME, UNKNOWN, client_for, upload

pytestmark = pytest.mark.django_db
KEY = address_key(UNKNOWN)


def address_of(report: AffiliationReport, raw: str) -> dict:
    return next(row for row in analysis_services.report_addresses(report.folder) if row["raw"] == raw)


def figures(
    report: AffiliationReport, stage: str, institution: str = CADI_AYYAD
) -> dict[int, tuple[int, int]]:
    rows = ReportFigure.objects.filter(report=report, stage=stage, institution=institution)
    return {row.year: (row.publications, row.correct) for row in rows}


def test_the_addresses_page_lists_what_was_not_recognised(report_a, people):
    client = client_for(people["officer_a"])
    page = client.get(f"{HOME}{report_a.pk}/addresses/").content.decode()
    assert UNKNOWN in page and f"{HOME}{report_a.pk}/addresses/{KEY}/" in page
    assert "Not recognised (1)" in page and "Every address (4)" in page
    assert "Cadi Ayyad University, Marrakesh, Morocco" not in page  # recognised: not in the first view
    every = client.get(f"{HOME}{report_a.pk}/addresses/?show=all&q=marrakesh").content.decode()
    assert "Cadi Ayyad University, Marrakesh, Morocco" in every and "Mohammed V University" not in every
    found = client.get(f"{HOME}{report_a.pk}/addresses/{KEY}/?q=Cadi+Ayyad").content.decode()
    cadi = Institution.objects.get(ror_id=CADI_AYYAD)
    assert f'href="?institution={cadi.pk}#link-title"' in found
    chosen = client.get(f"{HOME}{report_a.pk}/addresses/{KEY}/?institution={cadi.pk}").content.decode()
    assert f'value="{CADI_AYYAD}"' in chosen and 'value="Ecole Zeta des Mines"' in chosen
    assert '<option value="Marrakesh">' in chosen and '<option value="Morocco">' not in chosen
    assert client.get(f"{HOME}{report_a.pk}/addresses/{'0' * 16}/").status_code == 404


def test_a_link_teaches_the_matcher_and_the_next_analysis_uses_it(
    report_a, people, django_capture_on_commit_callbacks
):
    assert report_a.summary["counts"]["not_found"] == 2 and report_a.analyses == 1
    assert analysis_services._db_registry is not None  # the matcher built for the first analysis
    client = client_for(people["officer_a"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{HOME}{report_a.pk}/addresses/{KEY}/link/",
            {"institution": "04xf6nm78", "written": " Ecole  Zeta des Mines ", "note": "Its mining school"},
        )
    assert response.status_code == 302 and response["Location"] == f"{HOME}{report_a.pk}/addresses/"
    assert analysis_services._db_registry is None  # forgotten: the next analysis builds it again
    correction = Correction.objects.get()
    cadi = Institution.objects.get(ror_id=CADI_AYYAD)
    assert (correction.institution, correction.institution_identifier) == (cadi, CADI_AYYAD)
    assert correction.written == "Ecole Zeta des Mines" and correction.affiliation == UNKNOWN
    assert correction.previous == [] and correction.previous_anomalies == ["not_found"]
    assert correction.created_by == people["officer_a"] and correction.note == "Its mining school"
    assert correction.created_name and not correction.created_institution and correction.in_force
    variant = correction.name
    assert (variant.institution, variant.kind, variant.source, variant.value) == (
        cadi, "variant", "local", "Ecole Zeta des Mines"
    )  # fmt: skip
    entry = AuditEntry.objects.get(action="affiliation-correction")
    assert entry.user == people["officer_a"] and entry.details["institution"] == CADI_AYYAD
    report_page = client.get(f"{HOME}{report_a.pk}/").content.decode()
    assert (
        "Ecole Zeta des Mines" in report_page and "bureau_cadi" in report_page and "in force" in report_page
    )
    assert f'action="{HOME}corrections/{correction.pk}/undo/"' in report_page

    # the same report, analysed again: the address is Cadi Ayyad's, written as a variant
    response = client.post(f"{HOME}{report_a.pk}/again/")
    assert response.status_code == 302
    report_a.refresh_from_db()
    assert report_a.analyses == 2 and report_a.summary["counts"]["not_found"] == 0
    assert report_a.summary["counts"]["variant_name"] == 2
    assert address_of(report_a, UNKNOWN)["matches"][0]["id"] == CADI_AYYAD
    assert figures(report_a, "first") == {2021: (1, 1), 2022: (1, 0)}  # kept: before the corrections
    assert figures(report_a, "latest") == {2021: (2, 1), 2022: (2, 0)}
    page = client.get(f"{HOME}{report_a.pk}/").content.decode()
    assert "<td>2</td><td>1</td><td>50.0 %</td>" in page and "<td>4</td><td>1</td><td>25.0 %</td>" in page

    # a new export: recognised from the start
    upload(client, name="again.csv")
    newer = AffiliationReport.objects.latest("pk")
    assert newer.summary["counts"]["not_found"] == 0
    assert address_of(newer, UNKNOWN)["matches"][0]["name"] == "Cadi Ayyad University"


def test_undo_removes_the_variant_and_keeps_the_decision(report_a, people):
    client = client_for(people["officer_a"])
    client.post(
        f"{HOME}{report_a.pk}/addresses/{KEY}/link/",
        {"institution": CADI_AYYAD, "written": "Ecole Zeta des Mines"},
    )
    correction = Correction.objects.get()
    response = client.post(f"{HOME}corrections/{correction.pk}/undo/")
    assert response.status_code == 302 and response["Location"] == f"{HOME}{report_a.pk}/#decisions"
    correction.refresh_from_db()
    assert not correction.in_force and correction.undone_by == people["officer_a"] and correction.name is None
    assert not InstitutionName.objects.filter(value="Ecole Zeta des Mines").exists()
    assert AuditEntry.objects.filter(action="affiliation-correction-undo").count() == 1
    page = client.get(f"{HOME}{report_a.pk}/").content.decode()
    assert "undone on" in page and f"{HOME}corrections/{correction.pk}/undo/" not in page
    client.post(f"{HOME}{report_a.pk}/again/")
    report_a.refresh_from_db()
    assert report_a.summary["counts"]["not_found"] == 2  # not recognised any more
    assert client.post(f"{HOME}corrections/{correction.pk}/undo/").status_code == 302  # twice: a message
    assert AuditEntry.objects.filter(action="affiliation-correction-undo").count() == 1
    listing = client.get(f"{HOME}corrections/").content.decode()
    assert UNKNOWN in listing and "1 decision" in listing


def test_a_variant_two_decisions_share_stays_until_both_are_undone(report_a, people):
    client = client_for(people["officer_a"])
    link = {"institution": CADI_AYYAD, "written": "Ecole Zeta des Mines"}
    client.post(f"{HOME}{report_a.pk}/addresses/{KEY}/link/", link)
    client.post(f"{HOME}{report_a.pk}/addresses/{KEY}/link/", link)
    first, second = Correction.objects.order_by("pk")
    assert first.name == second.name and first.created_name and not second.created_name
    client.post(f"{HOME}corrections/{first.pk}/undo/")
    assert InstitutionName.objects.filter(value="Ecole Zeta des Mines").exists()
    client.post(f"{HOME}corrections/{second.pk}/undo/")
    assert not InstitutionName.objects.filter(value="Ecole Zeta des Mines").exists()


def test_creating_the_local_institution_from_the_report(report_a, people):
    client = client_for(people["officer_a"])
    form = {
        "new-name": "École Zeta des Mines",
        "new-kind": "school",
        "new-parent": CADI_AYYAD,
        "new-name_fr": "École Zeta des Mines",
        "new-name_ar": "مدرسة زيتا للمعادن",
        "new-name_en": "Zeta School of Mines",
        "new-written": "Ecole Zeta des Mines",
        "new-note": "Created from the report",
    }
    response = client.post(f"{HOME}{report_a.pk}/addresses/{KEY}/new/", form)
    assert response.status_code == 302
    school = Institution.objects.get(source="local", name="École Zeta des Mines")
    assert school.parent.ror_id == CADI_AYYAD and school.city == "Marrakesh" and school.country_code == "MA"
    assert school.created_by == people["officer_a"] and school.kind == "school"
    labels = dict(school.names.filter(kind="label").values_list("language", "value"))
    assert labels["ar"] == "مدرسة زيتا للمعادن" and labels["en"] == "Zeta School of Mines"
    correction = Correction.objects.get()
    assert correction.created_institution and correction.institution == school
    client.post(f"{HOME}{report_a.pk}/again/")
    report_a.refresh_from_db()
    row = address_of(report_a, UNKNOWN)
    assert row["matches"][0]["id"] == school.identifier and row["matches"][0]["top_id"] == CADI_AYYAD
    assert row["anomalies"] == ["missing_parent"]  # the school is written without its university
    assert figures(report_a, "latest")[2021] == (2, 1)  # the school's publications are Cadi Ayyad's
    # undone: the school it created goes with it, nothing else refers to it
    client.post(f"{HOME}corrections/{correction.pk}/undo/")
    assert not Institution.objects.filter(pk=school.pk).exists()
    correction.refresh_from_db()
    assert correction.institution is None and correction.institution_name == "École Zeta des Mines"
    assert correction.institution_identifier == school.local_key


def test_refused_corrections_say_why(report_a, people):
    client = client_for(people["officer_a"])
    response = client.post(
        f"{HOME}{report_a.pk}/addresses/{KEY}/link/", {"institution": "local:nowhere", "written": "Zeta"}
    )
    assert (
        response.status_code == 400 and "“local:nowhere” is not in the registry" in response.content.decode()
    )
    response = client.post(
        f"{HOME}{report_a.pk}/addresses/{KEY}/link/", {"institution": CADI_AYYAD, "written": "=HYPERLINK(1)"}
    )
    assert response.status_code == 400 and "which spreadsheets read as a formula" in response.content.decode()
    response = client.post(
        f"{HOME}{report_a.pk}/addresses/{KEY}/new/",
        {
            "new-name": "École Zeta",
            "new-kind": "school",
            "new-parent": "local:nowhere",
            "new-written": "Zeta",
        },
    )
    assert response.status_code == 400 and "is not in the registry" in response.content.decode()
    assert not Correction.objects.exists() and not Institution.objects.filter(name="École Zeta").exists()


def test_another_institution_bearing_the_name_is_pointed_out(report_a, people):
    client = client_for(people["officer_a"])
    response = client.post(
        f"{HOME}{report_a.pk}/addresses/{KEY}/link/",
        {"institution": CADI_AYYAD, "written": "Mohammed V University"},
        follow=True,
    )
    assert "The same name is also a name of Mohammed V University" in response.content.decode()
