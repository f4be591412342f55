"""Per-institution reports, corrections (CSV, XLSX read back), the SVG chart and ``khizana affiliations``.

``data/analysis_scopus.csv`` is hand-made (invented names and ids): one record per anomaly type and a
clean one; the registry is the small ROR copy of ``data/ror``. The last tests run the command on the
real Moroccan Scopus sample of ../shared/data (marked shared_data)."""

from __future__ import annotations

import csv
import io
import subprocess

import pytest
from django.contrib.staticfiles import finders
from django.core.management import CommandError, call_command
from lxml import html as lxml_html
from openpyxl import load_workbook

from khizana.core.charts import CHART_JS
from khizana.testing import shared_data_dir
from khizana.visibility.affiliations import reports
from khizana.visibility.anomalies import (
    COUNTRY_MISMATCH,
    MISSING_PARENT,
    NO_COUNTRY,
    NOT_FOUND,
    VARIANT_NAME,
    analyse,
    registry_hierarchy,
)
from khizana.visibility.formats.reader import read_path
from khizana.visibility.matching import Matcher
from khizana.visibility.registry.data import load_registry
from khizana.visibility.tests.support import DATA

SAMPLE = DATA / "analysis_scopus.csv"
ROR = "https://ror.org/"
RABAT, SFAX, UGA = ROR + "00r8w8f84", ROR + "04d4sd432", ROR + "02rx3b187"
SHARED = shared_data_dir()


@pytest.fixture(scope="module")
def setup():
    registry = load_registry(DATA / "ror")
    hierarchy = registry_hierarchy(registry)
    analysis = analyse(read_path(SAMPLE).publications, Matcher(registry.values()), hierarchy)
    return analysis, hierarchy


def test_rows_roll_up_to_the_top_institution(setup):
    analysis, hierarchy = setup
    rows = {row.institution_id: row for row in reports.institution_rows(analysis, hierarchy)}
    assert set(rows) == {RABAT, SFAX, UGA, ROR + "02feahw73", ROR + "04xf6nm78", ""}
    rabat = rows[RABAT]
    assert (rabat.publications, rabat.affiliations, rabat.with_anomaly) == (3, 3, 3)
    assert rabat.counts[VARIANT_NAME] == rabat.counts[NO_COUNTRY] == rabat.counts[COUNTRY_MISMATCH] == 1
    assert rabat.share(VARIANT_NAME) == pytest.approx(1 / 3)
    sfax = rows[SFAX]  # the Faculty of Medicine of Sfax rolls up to the University of Sfax
    assert sfax.name == "University of Sfax" and sfax.counts[MISSING_PARENT] == 1
    assert rows[""].name == reports.NO_INSTITUTION and rows[""].counts[NOT_FOUND] == 1
    assert list(rows)[-1] == ""  # the affiliations naming no institution come last


def test_summary_shares(setup):
    analysis, _ = setup
    total = reports.summary(analysis)
    assert (total.affiliations, total.with_anomaly) == (7, 5)
    assert total.share(NOT_FOUND) == pytest.approx(1 / 7)
    assert reports.author_counts(analysis) == {"author_name_forms": 1, "author_several_ids": 1}
    text = reports.chart_text(total)
    assert "institution not found" in text and "14.3%" in text


def test_for_institution_by_id_or_name(setup):
    analysis, hierarchy = setup
    for wanted in (SFAX, "04d4sd432", "University of Sfax", "université de sfax".replace("é", "e")):
        selected = reports.for_institution(analysis, wanted, hierarchy)
        if wanted == "universite de sfax":
            assert selected.affiliation_findings == []  # a name is the registered one, not a translation
            continue
        assert [f.publication_id for f in selected.affiliation_findings] == ["2-s2.0-85100000002"], wanted
    rabat = reports.for_institution(analysis, "Mohammed V University", hierarchy)
    assert rabat.publications == 3
    assert [a.code for a in rabat.author_findings] == ["author_name_forms"]


def test_corrections_csv(setup):
    analysis, _ = setup
    rows = reports.correction_rows(analysis)
    out = io.StringIO()
    reports.write_corrections_csv(rows, out)
    read = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["kind"] for r in read] == ["affiliation"] * 5 + ["author"] * 2
    variant = read[0]
    assert variant["anomalies"] == VARIANT_NAME and variant["institution"] == "Mohammed V University"
    assert variant["affiliation"] == "Univ Mohammed 5, Rabat, Morocco" and variant["authors"] == "Benali M."
    assert variant["country"] == "Morocco" and variant["record"] == "1"
    assert variant["matched"].startswith("Mohammed V University [https://ror.org/00r8w8f84] 1.00: exact name")
    parent = next(r for r in read if r["anomalies"] == MISSING_PARENT)
    assert parent["parent"] == "University of Sfax"
    author = next(r for r in read if r["anomalies"] == "author_several_ids")
    assert author["institution_id"] == "scopus_id: 57300000003, 57300000004"


def test_corrections_xlsx_read_back(setup, tmp_path):
    analysis, hierarchy = setup
    rows = reports.correction_rows(analysis)
    rows[0] = {**rows[0], "title": '=HYPERLINK("http://evil")'}
    path = tmp_path / "corrections.xlsx"
    reports.write_corrections_xlsx(rows, reports.institution_rows(analysis, hierarchy), path)
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Affiliations", "Authors", "Institutions"]
    affiliations = list(workbook["Affiliations"].iter_rows(values_only=True))
    assert affiliations[0] == reports.CORRECTION_COLUMNS and len(affiliations) == 6
    assert affiliations[1][7] == "Univ Mohammed 5, Rabat, Morocco"
    assert affiliations[1][5].startswith("'=")  # never a formula
    assert len(list(workbook["Authors"].iter_rows())) == 3
    institutions = list(workbook["Institutions"].iter_rows(values_only=True))
    assert institutions[0][:3] == ("institution_id", "institution", "country") and institutions[1][0] == RABAT


def test_report_csv_shares_in_percent(setup):
    analysis, hierarchy = setup
    out = io.StringIO()
    reports.write_report_csv(reports.institution_rows(analysis, hierarchy), out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    rabat = rows[0]
    assert rabat["institution_id"] == RABAT and rabat["variant_name_share"] == "33.3"
    assert rabat["publications"] == "3"


def test_the_anomaly_chart_lists_every_share(setup):
    analysis, _ = setup
    chart = reports.anomaly_chart(reports.summary(analysis), title="Anomalies <&>", rtl=True)
    assert (
        chart.config["options"]["indexAxis"] == "y" and chart.config["options"]["scales"]["x"]["max"] == 100
    )
    assert chart.config["data"]["labels"][0] == "institution not found"
    shares = chart.config["data"]["datasets"][0]["data"]
    assert len(shares) == 5 and shares[0] == 14.3 and max(shares) <= 100
    assert chart.label.startswith("Anomalies <&>. 7 affiliations: institution not found: 14.3%; ")
    assert "&lt;&amp;&gt;" in str(chart) and "<&>" not in str(chart)


# --- the command --------------------------------------------------------------------------------------


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("affiliations", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_writes_the_report_files(tmp_path):
    out, err = run("report", str(SAMPLE), str(DATA / "not_an_export.txt"), "--registry", str(DATA / "ror"),
                   "--out", str(tmp_path / "report"), "--no-progress")  # fmt: skip
    assert "not_an_export.txt: not a Scopus" in err  # the file named, the rest read
    assert "6 publications, 7 affiliations, 5 with an anomaly" in out
    assert "Mohammed V University [https://ror.org/00r8w8f84]: 3, 3, 3" in out
    names = sorted(p.name for p in (tmp_path / "report").iterdir())
    assert names == ["anomalies.html", "corrections.csv", "corrections.xlsx", "report.csv"]
    corrections = list(csv.DictReader((tmp_path / "report" / "corrections.csv").open(encoding="utf-8")))
    assert len(corrections) == 7
    load_workbook(tmp_path / "report" / "corrections.xlsx")
    page = (tmp_path / "report" / "anomalies.html").read_text(encoding="utf-8")
    tree = lxml_html.document_fromstring(page)
    assert tree.xpath("//canvas[@role='img']/@aria-label")[0].startswith("Share of affiliations with each")
    assert tree.xpath("//table[@class='chart-data']//th[@scope='row']/text()")[0] == "institution not found"
    scripts = [script.text for script in tree.xpath("//script[not(@type)]")]
    if finders.find(CHART_JS):  # Chart.js and the drawer written into the page: it opens offline
        assert "Chart.js v4" in scripts[0] and "data-chart-config" in scripts[1] and "src=" not in page


def test_command_for_one_institution(tmp_path):
    out, _ = run("report", str(SAMPLE), "--registry", str(DATA / "ror"), "--institution", "04d4sd432",
                 "--out", str(tmp_path), "--no-progress")  # fmt: skip
    assert out.startswith("1 publications, 1 affiliations, 1 with an anomaly")
    with pytest.raises(CommandError, match="--institution Nowhere U: no affiliation names it"):
        run("report", str(SAMPLE), "--registry", str(DATA / "ror"), "--institution", "Nowhere U",
            "--out", str(tmp_path), "--no-progress")  # fmt: skip


def test_command_errors_name_the_input(tmp_path):
    with pytest.raises(CommandError, match=r"missing\.csv: no such file"):
        run("report", str(tmp_path / "missing.csv"), "--out", str(tmp_path))
    not_export = str(DATA / "not_an_export.txt")
    with pytest.raises(CommandError, match=r"no publication could be read from .*not_an_export\.txt"):
        run("report", not_export, "--registry", str(DATA / "ror"), "--out", str(tmp_path))
    with pytest.raises(CommandError, match="nowhere: not a directory of ROR extract files"):
        run("report", str(SAMPLE), "--registry", str(tmp_path / "nowhere"), "--out", str(tmp_path))
    (tmp_path / "file").write_text("x")
    with pytest.raises(CommandError, match="file: exists and is not a directory"):
        run("report", str(SAMPLE), "--registry", str(DATA / "ror"), "--out", str(tmp_path / "file"))


@pytest.mark.shared_data
@pytest.mark.skipif(SHARED is None, reason="../shared/data is not here")
def test_command_on_the_real_moroccan_sample(tmp_path):
    sample = SHARED / "bibliometrics" / "scopus" / "moroccan-univ-scopus_test.csv"
    out, err = run("report", str(sample), "--registry", str(DATA / "ror"), "--out", str(tmp_path),
                   "--no-progress")  # fmt: skip
    assert err == ""
    assert out.startswith("100 publications, 233 affiliations")
    assert "Mohammed V University [https://ror.org/00r8w8f84]" in out
    rows = list(csv.DictReader((tmp_path / "report.csv").open(encoding="utf-8")))
    assert sum(int(r["affiliations"]) for r in rows) >= 233  # an address naming two universities counts twice
    workbook = load_workbook(tmp_path / "corrections.xlsx")
    affiliations = list(workbook["Affiliations"].iter_rows(values_only=True))[1:]
    assert any(row[7].startswith("Laboratoire de Chimie du Solide Minéral") for row in affiliations)


@pytest.mark.slow  # about 10 s: the registry loaded in another process
def test_the_khizana_command_line_with_the_database_registry(tmp_path):
    """As an operator runs it: its own data directory, the registry loaded, then the report."""
    from tests.support import migrated_installation

    installation = migrated_installation(tmp_path / "data")
    try:
        installation.khizana("registry", "load", str(DATA / "ror" / "ror_MA_DZ_TN.jsonl"),
                             str(DATA / "ror" / "ror_names_index_all.tsv"), "--no-progress")  # fmt: skip
        done = installation.khizana("affiliations", "report", str(SAMPLE), "--out", str(tmp_path / "out"))
        assert "6 publications, 7 affiliations, 5 with an anomaly" in done.stdout
        assert "database registry (26 institutions)" in done.stdout
        assert (tmp_path / "out" / "corrections.xlsx").is_file()
        with pytest.raises(subprocess.CalledProcessError) as failed:
            installation.khizana("affiliations", "report", str(tmp_path / "none.csv"), "--out", str(tmp_path))
        assert "none.csv: no such file" in failed.value.stderr
        assert "Traceback" not in failed.value.stderr
    finally:
        installation.close()
