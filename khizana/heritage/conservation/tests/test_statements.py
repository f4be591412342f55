"""The holdings statement parser: textual (866, 955 $r, typed), MARC 21 pairs (853/863), UNIMARC 955/959,
on hand-written cases, the demo files and the real holdings of ../shared/data/holdings."""

from __future__ import annotations

import pytest

from khizana.heritage.conservation.formats.records import read_file, serial_holdings
from khizana.heritage.conservation.formats.statements import (
    Extent,
    Missing,
    StatementError,
    parse_955,
    parse_959,
    parse_paired,
    parse_textual,
)
from khizana.testing import DEMO, shared_data_dir


def labels(text: str) -> list[str]:
    return [extent.label() for extent in parse_textual(text).extents]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v.1(1950)-v.20(1969)", ["v.1 (1950) - v.20 (1969)"]),
        ("1990-", ["(1990) -"]),
        ("1982-1984.", ["(1982) - (1984)"]),
        ("v.1-v.5, v.7", ["v.1 - v.5", "v.7"]),
        ("v.1 (1950)-v.5 (1954); v.7 (1956)-", ["v.1 (1950) - v.5 (1954)", "v.7 (1956) -"]),
        ("1943:Sept. 30, 1944:Jan.-1944:Dec. 31,", ["(1943)", "(1944)"]),
        ("vol. 96 no.11-12 (2013)", ["v.96 no.11 (2013)"]),
        ("no. 2646 (2000)-....", ["no.2646 (2000) -"]),
        ("Vol. 12, no. 1 (2009)-", ["v.12 no.1 (2009) -"]),
        ("no. 2986 (jan-2010) - no. 3133 (2016) [Lac. N° 3048]", ["no.2986 (2010) - no.3133 (2016)"]),
        ("v.1:no. 1(1943:July 3)-v.1:no.52(1944:June 24)", ["v.1 no.1 (1943) - v.1 no.52 (1944)"]),
        ("مج.١ (١٩٩٠)-مج.٥ (١٩٩٤)", ["v.1 (1990) - v.5 (1994)"]),
        ("1re année, n° 1 (1891)-", ["no.1 (1891) -"]),
    ],
)
def test_textual_statements(text, expected):
    assert labels(text) == expected


def test_textual_extents_are_numbers_and_notes_are_kept():
    statement = parse_textual("(1968) - (1978) ; (1981) - (1982) [lac(1978)]")
    assert statement.extents == [
        Extent(first_year=1968, last_year=1978),
        Extent(first_year=1981, last_year=1982),
    ]
    assert statement.notes == ["lac(1978)"]
    assert parse_textual("COPY 2:").notes == ["COPY 2:"]


@pytest.mark.parametrize(
    ("text", "part", "problem"),
    [
        ("Some statement without note", "Some statement without note", "names no volume, issue or year"),
        ("v.1 (1950)-v.5 (1954); hsn", "hsn", "names no volume, issue or year"),
        ("v.20(1969)-v.1(1950)", "v.20(1969)-v.1(1950)", "ends before it starts (years)"),
        ("v.9-v.3", "v.9-v.3", "ends before it starts (volumes)"),
        ("  ", "  ", "is empty"),
    ],
)
def test_textual_errors_name_the_statement_and_the_part(text, part, problem):
    with pytest.raises(StatementError) as raised:
        parse_textual(text)
    assert raised.value.part == part
    assert raised.value.problem == problem
    assert text.strip() in str(raised.value) or not text.strip()


def test_paired_fields_with_their_captions():
    captions = {"1": [("8", "1"), ("a", "v."), ("b", "no."), ("i", "(year)"), ("j", "(month)")]}
    statement = parse_paired(
        captions,
        [
            [("8", "1.1"), ("a", "1"), ("b", "6-8"), ("i", "1990"), ("j", "06-08")],
            [("8", "1.2"), ("a", "1-"), ("b", "11-"), ("i", "1990-"), ("j", "11-")],
        ],
    )
    assert statement.extents == [
        Extent(first_volume=1, first_issue=6, first_year=1990, last_volume=1, last_issue=8, last_year=1990),
        Extent(first_volume=1, first_issue=11, first_year=1990, open_end=True),
    ]
    chronology_only = parse_paired({"8": [("a", "(year)")]}, [[("8", "8.1"), ("a", "2009-")]])
    assert chronology_only.extents == [Extent(first_year=2009, open_end=True)]


def test_paired_fields_errors():
    with pytest.raises(StatementError, match=r"has no caption field with link number 4"):
        parse_paired({"1": [("a", "v.")]}, [[("8", "4.1"), ("a", "3")]])
    with pytest.raises(StatementError, match=r'"\$av\. 3" is not a number'):
        parse_paired({"1": [("a", "v.")]}, [[("8", "1.1"), ("a", "v. 3")]])


def test_955_points_runs_and_open_ends():
    start = [("5", "X:1"), ("a", "23"), ("b", "38"), ("k", "28"), ("j", "jan"), ("i", "2000")]
    rest = [("a", "46"), ("b", "42"), ("i", "2017"), ("g", ""), ("a", "31"), ("i", "1997"), ("a", "47")]
    runs = parse_955([*start, *rest, ("i", "1999")])
    assert runs.extents == [
        Extent(
            first_volume=23, first_issue=38, first_year=2000, last_volume=46, last_issue=42, last_year=2017
        ),
        Extent(first_volume=31, first_year=1997, last_volume=47, last_year=1999),
    ]
    open_run = parse_955(
        [("b", "2646"), ("i", "2000"), ("i", ""), ("j", ""), ("a", ""), ("b", ""), ("r", "x")]
    )
    assert open_run.extents == [Extent(first_issue=2646, first_year=2000, open_end=True)]
    retention_only = parse_955([("5", "X:1"), ("r", "Conservé pendant 3 année(s)")])
    assert retention_only.extents == [] and retention_only.notes == ["Conservé pendant 3 année(s)"]


def test_955_errors():
    with pytest.raises(StatementError, match=r'"\$i1946/1947" is not a year'):
        parse_955([("5", "X:1"), ("i", "1946/1947")])
    with pytest.raises(StatementError, match=r'"\$i2111" is not a year'):
        parse_955([("i", "2111"), ("j", "fev"), ("i", "1989"), ("b", "2250"), ("i", "1991")])
    with pytest.raises(StatementError, match="has more than a start and an end"):
        parse_955([("a", "1"), ("a", "2"), ("a", "3")])


def test_959_gaps():
    gaps = parse_959([("e", "101"), ("a", "1949"), ("0", ""), ("d", "96"), ("e", "11,12"), ("a", "1953/54")])
    assert gaps == [Missing(issues="101", year=1949), Missing(volume=96, issues="11,12", year=1953)]
    with pytest.raises(StatementError, match=r'"\$dXII" is not a number'):
        parse_959([("d", "XII")])


def test_the_demo_files():
    unimarc = [
        serial_holdings(record) for record in read_file(DEMO / "heritage/conservation/unimarc_serials.xml")
    ]
    assert [serial.issn for serial in unimarc] == ["0035-1474", "0003-4010"]
    bna = unimarc[0].holdings[0]
    assert bna.institution == "BNA" and bna.programmes == {"PCSHS": "Pôle de conservation"}
    assert bna.extents == [Extent(first_issue=1, first_year=1966, last_issue=30, last_year=1980)]
    assert [gap.year for gap in bna.missing] == [1970, 1972]
    assert unimarc[1].holdings[0].extents[-1] == Extent(first_volume=110, first_year=2001, open_end=True)
    marc21 = [
        serial_holdings(record) for record in read_file(DEMO / "heritage/conservation/marc21_holdings.xml")
    ]
    assert [serial.linked_id for serial in marc21] == ["BNRM-HT", "UM5-HT"]
    assert [extent.label() for extent in marc21[1].holdings[0].extents] == [
        "v.1 (1960) - v.12 (1971)",
        "v.18 (1980) - v.22 (1984)",
    ]


HOLDINGS = (shared_data_dir() / "holdings") if shared_data_dir() else None
needs_shared = pytest.mark.skipif(
    HOLDINGS is None or not HOLDINGS.is_dir(), reason="../shared/data/holdings is absent"
)


@needs_shared
def test_real_sudoc_serial_with_its_shared_print_plan():
    serial = serial_holdings(read_file(HOLDINGS / "sudoc/periscope_999999999.xml")[0])
    assert serial.issn == "0018-019X" and serial.title == "Helvetica chimica acta"
    in_plan = [holdings for holdings in serial.holdings if "PCChimie" in holdings.programmes]
    assert len(in_plan) == 13
    first = next(holdings for holdings in serial.holdings if holdings.copy_id == "130552106:121134423")
    # vol. 40 (1957) - vol. 42 (1959) ; vol. 44 (1962) ; vol. 48 (1965) - vol. 94 no. 1 (2011) ; ...
    assert [extent.label() for extent in first.extents] == [
        "v.40 (1957) - v.42 (1959)",
        "v.44 (1962)",
        "v.48 (1965) - v.94 no.1 (2011)",
        "v.95 (2012) - v.97 (2014)",
    ]
    assert not any(holdings.errors for holdings in serial.holdings)


@needs_shared
def test_real_sudoc_serial_with_486_copies_names_what_it_cannot_read():
    serial = serial_holdings(read_file(HOLDINGS / "sudoc/periscope_039226859.xml")[0])
    assert serial.issn == "0032-9304" and len(serial.holdings) == 486
    errors = [error for holdings in serial.holdings for error in holdings.errors]
    # Three copies put an issue number in the year subfield ("$i2111 $jfev $i1989"): named, not guessed.
    assert len(errors) == 3 and all('"$i2' in error and "is not a year" in error for error in errors)
    open_runs = sum(extent.open_end for holdings in serial.holdings for extent in holdings.extents)
    assert open_runs > 50
    retained = [
        holdings for holdings in serial.holdings if any("Conservé pendant" in n for n in holdings.notes)
    ]
    assert len(retained) >= 60


@needs_shared
def test_real_fragments_gaps_and_the_malformed_955():
    gaps = serial_holdings(read_file(HOLDINGS / "sudoc/periscope_lacunes.xml")[0])
    assert gaps.holdings == []  # a 959 alone: no statement to keep
    from khizana.heritage.conservation.formats.records import _subfields

    record = read_file(HOLDINGS / "sudoc/periscope_lacunes.xml")[0]
    assert len(parse_959(_subfields(record.get_fields("959")[0]))) == 12
    bad = serial_holdings(read_file(HOLDINGS / "sudoc/bad/periscope_erreurEtatColl2.xml")[0])
    assert bad.holdings[0].errors == ['holdings statement "955 $i1946/1947": "$i1946/1947" is not a year']


@needs_shared
def test_real_marc21_holdings_records():
    sierra = serial_holdings(read_file(HOLDINGS / "marc21/fmt_mfhd_with_dupe_866s.mrc")[0])
    holdings = sierra.holdings[0]
    assert holdings.errors == [] and "COPY 2:" in holdings.notes
    years = {year for extent in holdings.extents for year in (extent.first_year, extent.last_year)}
    assert years == {1943, 1944, 1945, 1946, 1947}
    libris = serial_holdings(read_file(HOLDINGS / "marc21/fmt_test_mfhd_holdings_statements.xml")[0])
    holdings = libris.holdings[0]
    assert Extent(first_volume=1, first_year=1948, last_volume=27, last_year=2007) in holdings.extents
    assert Extent(first_volume=29, first_year=2011, open_end=True) in holdings.extents
    assert Extent(first_year=2009, open_end=True) in holdings.extents
    assert holdings.errors == [
        'holdings statement "Some statement without note": "Some statement without note" names no volume, '
        "issue or year"
    ]
    aleph = serial_holdings(read_file(HOLDINGS / "marc21/fmt_mfhd_test1.xml")[0])
    assert aleph.linked_id == "017372388"
    assert aleph.holdings[0].errors == ['holdings statement "hsn": "hsn" names no volume, issue or year']


def _mnemonic_cases(path):
    """Evergreen's test cases: blank-line separated, one ``TAG IND $a..$b..`` field a line."""
    cases, current = [], []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("#"):
            continue
        if not line.strip():
            if current:
                cases.append(current)
            current = []
            continue
        tag, _indicators, rest = line.split(" ", 2)
        subfields = [(chunk[0], chunk[1:]) for chunk in rest.split("$")[1:] if chunk]
        current.append((tag, subfields))
    return cases


@needs_shared
@pytest.mark.parametrize("name", ["evergreen_mfhddata.txt", "evergreen_mfhddata2.txt"])
def test_real_caption_and_pattern_cases_are_all_read(name):
    read = 0
    for case in _mnemonic_cases(HOLDINGS / "patterns" / name):
        for caption_tag, value_tag in (("853", "863"), ("854", "864"), ("855", "865")):
            captions = {
                next(value for code, value in subfields if code == "8"): subfields
                for tag, subfields in case
                if tag == caption_tag
            }
            values = [subfields for tag, subfields in case if tag == value_tag]
            extents = parse_paired(captions, values, value_tag).extents
            read += len(extents)
            for extent, subfields in zip(extents, values, strict=True):
                sent = dict(subfields)
                assert extent.open_end == sent.get("i", sent.get("a", "")).endswith("-")
                if "i" in sent and not extent.open_end:
                    assert str(extent.first_year) == sent["i"].split("-")[0][:4]
    assert read == {"evergreen_mfhddata.txt": 86, "evergreen_mfhddata2.txt": 56}[name]
