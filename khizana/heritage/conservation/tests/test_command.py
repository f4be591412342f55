"""``khizana conservation import-holdings|read-583`` on the demo files, the real Sudoc records and the
catalog's own records."""

from __future__ import annotations

import io

import pymarc
import pytest
from django.core.management import CommandError, call_command

from khizana.catalog.models import SourceRecord
from khizana.catalog.services import import_bytes
from khizana.heritage.conservation import services
from khizana.heritage.conservation.models import Commitment, HoldingsStatement, PlanTitle
from khizana.testing import DEMO, make_library, shared_data_dir

FILES = DEMO / "heritage" / "conservation"


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("conservation", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def network(db):
    return {code: make_library(code) for code in ("BNRM", "UM5", "BNA", "BULAC", "IMIST")}


@pytest.fixture
def plan(network):
    return services.create_plan(
        None, name="Sciences humaines", programme="PCSHS", coordinator=network["BNRM"]
    )


def test_import_the_demo_unimarc_serials(plan, network):
    out, _err = run("import-holdings", "--plan", "PCSHS", str(FILES / "unimarc_serials.xml"))
    assert "2 records read, 2 titles added, 4 holdings statements, 3 commitments, 0 problems" in out
    romm = PlanTitle.objects.get(issn="0035-1474")
    assert (romm.first_year, romm.last_year) == (1966, 1988)  # from 207
    roles = dict(Commitment.objects.filter(title=romm).values_list("library__code", "role"))
    assert roles == {"BNA": "pole", "BULAC": "associated"}
    bna = HoldingsStatement.objects.get(title=romm, library__code="BNA")
    assert bna.text == "no. 1 (1966) - no. 30 (1980)" and bna.missing[0] == {"issues": "7", "year": 1970}
    coverage = services.title_coverage(romm, list(romm.statements.all()))
    assert coverage.gaps == [(1981, 1982)]
    annales = PlanTitle.objects.get(issn="0003-4010")
    statements = list(annales.statements.all())
    found = services.title_coverage(annales, statements)
    assert found.span[0] == 1891 and found.gaps[:2] == [(1891, 1950), (1992, 2000)]
    # Run again: the same statements and commitments, nothing doubled.
    run("import-holdings", "--plan", "PCSHS", str(FILES / "unimarc_serials.xml"))
    assert HoldingsStatement.objects.count() == 4 and Commitment.objects.count() == 3


def test_import_the_demo_marc21_holdings_with_their_583(plan, network):
    title = services.add_title(
        None, plan, title="Hespéris-Tamuda", issn="0018-1005", numbering="Vol. 1 (1960)-"
    )
    out, _err = run(
        "import-holdings", "--plan", "PCSHS", "--title", str(title.pk), str(FILES / "marc21_holdings.xml")
    )
    assert "2 records read, 0 titles added, 2 holdings statements, 1 commitments, 0 problems" in out
    commitment = Commitment.objects.get(title=title)
    assert commitment.library.code == "BNRM" and commitment.source == "583"
    assert str(commitment.committed_on) == "2024-01-15" and str(commitment.until) == "2049-12-31"
    um5 = HoldingsStatement.objects.get(title=title, library__code="UM5")
    assert um5.extents == [
        {"first_volume": 1, "first_year": 1960, "last_volume": 12, "last_year": 1971},
        {"first_volume": 18, "first_year": 1980, "last_volume": 22, "last_year": 1984},
    ]
    # BNRM: 1960-1982 and 1987-; UM5: 1960-1971 and 1980-1984: the network lacks 1985-1986.
    assert services.title_coverage(title, list(title.statements.all())).gaps == [(1985, 1986)]


def test_import_errors_are_clear(plan, network, tmp_path):
    with pytest.raises(CommandError, match="No conservation plan with the programme code 'NOPE'"):
        run("import-holdings", "--plan", "NOPE", str(FILES / "unimarc_serials.xml"))
    with pytest.raises(CommandError, match="No such file"):
        run("import-holdings", "--plan", "PCSHS", str(tmp_path / "absent.xml"))
    broken = tmp_path / "broken.mrc"
    broken.write_bytes(b"00012 this is not marc")
    out, err = run("import-holdings", "--plan", "PCSHS", str(broken))
    assert "0 records read" in out
    out, err = run("import-holdings", "--plan", "PCSHS", str(FILES / "marc21_holdings.xml"))
    assert "no title of the plan matches it (give --title)" in err
    assert not HoldingsStatement.objects.exists()


def test_read_583_from_the_catalogs_records(plan, network):
    record = pymarc.Record(force_utf8=True, leader="00000cas a2200000 a 4500")
    record.add_field(pymarc.Field(tag="001", data="SER-1"))
    record.add_field(
        pymarc.Field(tag="022", indicators=[" ", " "], subfields=[pymarc.Subfield("a", "0018-1005")])
    )
    record.add_field(
        pymarc.Field(tag="245", indicators=["0", "0"], subfields=[pymarc.Subfield("a", "Hespéris-Tamuda")])
    )
    subfields = [("a", "committed to retain"), ("c", "20250101"), ("f", "PCSHS"), ("5", "UM5")]
    record.add_field(
        pymarc.Field(
            tag="583", indicators=["1", " "], subfields=[pymarc.Subfield(*pair) for pair in subfields]
        )
    )
    bad = [("a", "committed to retain"), ("c", "someday"), ("f", "PCSHS"), ("5", "NOWHERE")]
    record.add_field(
        pymarc.Field(tag="583", indicators=["1", " "], subfields=[pymarc.Subfield(*p) for p in bad])
    )
    import_bytes(network["UM5"], record.as_marc(), "serial.mrc")
    source = SourceRecord.objects.get(library=network["UM5"], local_id="SER-1")
    title = services.add_title(None, plan, title="", issn="0018-1005")
    assert (
        title.work_id == source.work_id and title.record_id == source.pk and title.title == "Hespéris-Tamuda"
    )
    out, err = run("read-583", "--plan", "PCSHS")
    assert "1 commitments" in out
    assert '$c "someday" is not a date' in err and "583 $5 NOWHERE is not a member library" in err
    commitment = Commitment.objects.get(title=title)
    assert commitment.library.code == "UM5" and str(commitment.committed_on) == "2025-01-01"


SUDOC = (shared_data_dir() / "holdings" / "sudoc") if shared_data_dir() else None


@pytest.mark.skipif(SUDOC is None or not SUDOC.is_dir(), reason="../shared/data/holdings is absent")
def test_import_a_real_sudoc_serial_with_its_chemistry_plan(db):
    # Six of the 47 libraries holding Helvetica chimica acta are members here, four of them in PCChimie.
    coordinator = make_library("692662101")  # the plan's conservation pole
    for code in ("130552102", "130552105", "384212103", "250562103", "601592101"):
        make_library(code)
    chemistry = services.create_plan(None, name="Chimie", programme="PCChimie", coordinator=coordinator)
    path = str(SUDOC / "periscope_999999999.xml")
    out, err = run("import-holdings", "--plan", "PCChimie", "--errors", "0", path)
    assert "1 records read, 1 titles added, 6 holdings statements, 4 commitments, 43 problems" in out
    assert err.count("is not a member library") == 43
    title = PlanTitle.objects.get(plan=chemistry)
    assert title.issn == "0018-019X" and title.title == "Helvetica chimica acta"
    roles = dict(Commitment.objects.filter(title=title).values_list("library__code", "role"))
    assert roles == {
        "692662101": "pole",
        "130552102": "associated",
        "130552105": "associated",
        "384212103": "associated",
    }
    gaps_noted = HoldingsStatement.objects.get(title=title, library__code="601592101")
    assert gaps_noted.notes == ["lac(1978)"] and len(gaps_noted.extents) == 2
    found = services.title_coverage(title, list(title.statements.all()))
    assert found.span == (1918, 2016) and found.gaps == []


def test_the_demo_plan(network):
    out, _err = run("demo")
    assert "4 records read, 2 titles added, 6 holdings statements, 5 commitments, 0 problems" in out
    assert PlanTitle.objects.filter(plan__programme="PCSHS").count() == 3
    run("demo")  # again: nothing doubled
    assert PlanTitle.objects.count() == 3 and HoldingsStatement.objects.count() == 6


def test_the_demo_needs_the_demo_network(db):
    with pytest.raises(CommandError, match="no library BNRM"):
        run("demo")
