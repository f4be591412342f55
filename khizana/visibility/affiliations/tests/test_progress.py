"""Progress over time: the figures an analysis keeps (publications with a correct, complete
affiliation per institution and year), the grouped chart that draws them, and the progress pages."""

from __future__ import annotations

import re

import pytest

from khizana.testing import chart_on_page
from khizana.visibility.affiliations.figures import address_rows, institution_figures
from khizana.visibility.anomalies import (
    AffiliationFinding,
    Analysis,
    Anomaly,
    InstitutionInfo,
    MatchedInstitution,
)
from khizana.visibility.models import AffiliationReport

from .conftest import CADI_AYYAD, HOME, client_for, upload
from .test_corrections import KEY

UNI, LAB = "https://ror.org/0uni00000", "local:ma-lab"


def _info(identifier: str, ancestors: tuple[str, ...] = ()) -> InstitutionInfo:
    return InstitutionInfo(identifier, identifier, (identifier,), ancestors, ancestors, UNI, "Uni", "MA")


def _finding(
    publication: str, year: int | None, raw: str, matched: str | None, *codes: str
) -> AffiliationFinding:
    finding = AffiliationFinding(publication, "f.csv", 1, "t", year, [], raw, "MA")
    if matched:
        finding.matches = [MatchedInstitution(matched, matched, 1.0, "exact", matched, UNI, "Uni", "MA")]
    finding.anomalies = [Anomaly(code, "", "") for code in codes]
    return finding


def test_a_publication_counts_once_per_institution_and_is_correct_when_every_affiliation_is():
    hierarchy = {UNI: _info(UNI), LAB: _info(LAB, (UNI,))}.get
    analysis = Analysis(
        4,
        [
            _finding("p1", 2021, "Uni, Rabat, Morocco", UNI),
            _finding("p1", 2021, "Lab, Uni, Rabat, Morocco", LAB),  # the same publication: counted once
            _finding("p2", 2021, "Lab, Rabat, Morocco", LAB, "missing_parent"),
            _finding("p3", None, "Uni, Rabat", UNI, "no_country"),
            _finding("p4", 2022, "Nowhere, Morocco", None, "not_found"),
        ],
        [],
    )
    assert institution_figures(analysis, hierarchy) == {
        (UNI, 2021): (2, 1),  # p1 correct; p2 names the lab (under the university) without its parent
        (LAB, 2021): (2, 1),
        (UNI, 0): (1, 0),  # year unknown
    }
    rows = address_rows(analysis)
    assert rows[0]["raw"] == "Nowhere, Morocco"  # the unrecognised first
    assert rows[0]["anomalies"] == ["not_found"] and rows[0]["matches"] == []
    assert {row["raw"]: row["count"] for row in rows}["Uni, Rabat, Morocco"] == 1


@pytest.mark.django_db
def test_the_progress_of_an_institution_per_report_and_per_year(report_a, people, office_registry):
    client = client_for(people["officer_a"])
    client.post(
        f"{HOME}{report_a.pk}/addresses/{KEY}/link/",
        {"institution": CADI_AYYAD, "written": "Ecole Zeta des Mines"},
    )
    client.post(f"{HOME}{report_a.pk}/again/")
    upload(client, name="later.csv")
    later = AffiliationReport.objects.latest("pk")
    cadi = office_registry["cadi"]
    response = client.get(f"{HOME}progress/")  # an office goes straight to its institution
    assert response.status_code == 302 and response["Location"] == f"{HOME}progress/{cadi.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert page.count('class="chart-figure"') == 2 and page.count('class="chart-data"') == 2
    per_report, per_year = chart_on_page(page, "per-report"), chart_on_page(page, "per-year")
    assert [d["label"] for d in per_report["data"]["datasets"]] == ["before corrections", "after corrections"]
    assert (
        per_report["data"]["datasets"][0]["data"][0] == 50
        and per_report["options"]["scales"]["y"]["max"] == 100
    )
    assert per_report["options"]["plugins"]["khizana"]["ticks"][0] == f"#{report_a.pk}"
    assert "before corrections 50.0 %, after corrections 25.0 %" in per_report["aria-label"]
    assert per_year["type"] == "bar"
    first_row = page[page.index(f'href="{HOME}{report_a.pk}/">#{report_a.pk}</a>') :]
    cells = re.findall(r"<td>([^<]*)</td>", first_row)[:6]
    assert cells == ["2", "1", "50.0 %", "4", "1", "25.0 %"]
    later_row = page[page.index(f'href="{HOME}{later.pk}/">#{later.pk}</a>') :]
    assert re.findall(r"<td>([^<]*)</td>", later_row)[:6] == ["4", "1", "25.0 %", "4", "1", "25.0 %"]
    assert f"Per publication year, report #{later.pk}" in page  # the latest report by default
    chosen = client.get(f"{HOME}progress/{cadi.pk}/?report={report_a.pk}").content.decode()
    year_table = chosen[chosen.rindex('class="chart-data"') :]
    assert re.findall(r"<td>([^<]*)</td>", year_table[year_table.index(">2022<") :])[:6] == [
        "1", "0", "0.0 %", "2", "0", "0.0 %"
    ]  # fmt: skip
    # staff: an index of the institutions with reports, and any institution by its id
    admin = client_for(people["network_admin"])
    index = admin.get(f"{HOME}progress/").content.decode()
    assert f'href="{HOME}progress/{cadi.pk}/"' in index
    assert admin.get(f"{HOME}progress/?institution=04xf6nm78")["Location"] == f"{HOME}progress/{cadi.pk}/"
    assert (
        "is not in the registry" in admin.get(f"{HOME}progress/?institution=local:nowhere").content.decode()
    )
    empty = admin.get(f"{HOME}progress/{office_registry['um5'].pk}/").content.decode()
    assert "Report" in empty and re.search(r"#\d+</a>", empty)  # Mohammed V is named by these reports too
    french = client_for(people["officer_a"])
    french.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"
    assert "avant corrections" in french.get(f"{HOME}progress/{cadi.pk}/").content.decode()
