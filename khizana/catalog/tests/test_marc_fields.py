"""describe_marc / detect_marc_flavour: MARC 21 and UNIMARC to the same normalised fields."""

from __future__ import annotations

import pymarc
import pytest

from khizana.catalog.formats.iso2709 import read_iso2709
from khizana.catalog.formats.marc_fields import describe_marc, detect_marc_flavour, repair_double_utf8
from khizana.catalog.records import HoldingStatus, MaterialType, ParsedRecord, RecordFormat, RecordKind
from khizana.testing import shared_data_dir

DATA = shared_data_dir()
needs_data = pytest.mark.skipif(
    DATA is None, reason="shared test data not found (set KHIZANA_SHARED_DATA or provide ../shared/data)"
)


def field(tag: str, *pairs: str, ind: str = "  ") -> pymarc.Field:
    subfields = [pymarc.Subfield(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)]
    return pymarc.Field(tag=tag, indicators=pymarc.Indicators(*ind), subfields=subfields)


def record(leader: str, *fields: pymarc.Field, **control: str) -> pymarc.Record:
    rec = pymarc.Record()
    rec.leader = pymarc.Leader(leader)
    for tag, data in control.items():
        rec.add_field(pymarc.Field(tag=tag.lstrip("_"), data=data))
    rec.add_field(*fields)
    return rec


MARC21_BOOK = record(
    "00000cam a2200000 a 4500",
    field("020", "a", "2-07-036002-4 (br.)", "z", "9999999999"),
    field("035", "a", "(OCoLC)ocm00012345"),
    field("041", "a", "arafre", ind="0 "),
    field("100", "a", "Tazi, Ahmed,", "d", "1950-", ind="1 "),
    field("245", "6", "880-01", "a", "Kitab al-tajrib :", "b", "essai /", "c", "Ahmed Tazi.", ind="10"),
    field("264", "a", "Rabat :", "b", "Dar al-Aman,", "c", "[2015]", ind=" 1"),
    field("250", "a", "2e éd."),
    field("082", "a", "306/.0964", ind="04"),
    field("650", "a", "Sociology", "z", "Morocco", "v", "Congresses.", ind=" 0"),
    field("500", "a", "Texte en arabe et en français."),
    field("880", "6", "245-01/(3/r", "a", "كتاب التجريب :", "b", "مقالة /", ind="10"),
    field("880", "6", "100-00/(3/r", "a", "التازي، أحمد", ind="1 "),
    field("952", "a", "MAIN", "b", "BR1", "c", "STACKS", "o", "306 TAZ", "p", "B0001", "q", "2024-01-01"),
    field("952", "b", "BR1", "o", "306 TAZ", "p", "B0002", "7", "1"),
    field("952", "b", "BR1", "p", "B0003", "1", "2"),
    _001=" loc-1 ",
    _008="150101s2015    mr            000 0 ara d",
)


def test_marc21_book_fields():
    d = describe_marc(MARC21_BOOK, RecordFormat.MARC21)
    f = d.fields
    assert d.kind == RecordKind.BIBLIOGRAPHIC and d.local_id == "loc-1" and not d.deleted
    assert f.title == "Kitab al-tajrib"
    assert f.subtitle == "essai"
    assert f.parallel_titles == ["كتاب التجريب : مقالة"]
    assert f.authors == ["Tazi, Ahmed", "التازي، أحمد"]
    assert f.identifiers["isbn"] == ["9782070360024"]
    assert f.identifiers["isbn_cancelled"] == ["9999999999"]
    assert f.identifiers["oclc"] == ["12345"]
    assert (f.publisher, f.place, f.year) == ("Dar al-Aman", "Rabat", 2015)
    assert f.edition == "2e éd."
    assert f.languages == ["ara", "fre"]
    assert f.material_type == MaterialType.BOOK
    assert f.subjects == ["Sociology -- Morocco -- Congresses"]
    assert f.classification == ["ddc:306.0964"]
    assert f.notes == ["Texte en arabe et en français."]
    assert f.scripts == ["Arabic", "Latin"]
    assert d.warnings == []


def test_koha_952_holdings():
    holdings = describe_marc(MARC21_BOOK, RecordFormat.MARC21).holdings
    assert [h.status for h in holdings] == [
        HoldingStatus.ON_LOAN,
        HoldingStatus.NOT_FOR_LOAN,
        HoldingStatus.LOST,
    ]
    assert holdings[0].location == "BR1 STACKS"
    assert holdings[0].call_number == "306 TAZ" and holdings[0].barcode == "B0001"
    assert {h.source_tag for h in holdings} == {"952"}


def test_unimarc_fields_are_normalised_the_same_way():
    rec = record(
        "00000nam  2200000   450 ",
        field("010", "a", "978-2-07-054127-0", "d", "12 EUR"),
        field("100", "a", "20200101d2019    m  y0frey50      ba"),
        field("101", "a", "fre", ind="0 "),
        field("105", "a", "y   m   000yy"),
        field("200", "a", "Le titre", "e", "sous-titre", "d", "The title", "f", "X", ind="1 "),
        field("210", "a", "Paris", "c", "Gallimard", "d", "DL 2019"),
        field("606", "a", "Romans", "y", "France", "z", "20e siècle"),
        field("676", "a", "843"),
        field("700", "a", "Hugo", "b", "Victor", ind=" 1"),
        field("995", "b", "BIB01", "e", "Magasin", "k", "8Â°001", "f", "0001", "o", "0"),
        field("995", "b", "BIB01", "k", "8°002", "f", "0002", "n", "2024-05-01"),
        _001="u1",
    )
    assert detect_marc_flavour(rec) == RecordFormat.UNIMARC
    d = describe_marc(rec, RecordFormat.UNIMARC)
    f = d.fields
    assert (f.title, f.subtitle, f.parallel_titles) == ("Le titre", "sous-titre", ["The title"])
    assert f.authors == ["Hugo, Victor"]
    assert f.identifiers == {"isbn": ["9782070541270"]}
    assert (f.publisher, f.place, f.year) == ("Gallimard", "Paris", 2019)
    assert f.material_type == MaterialType.THESIS  # 105 $a/4-7 'm'
    assert f.subjects == ["Romans -- France -- 20e siècle"]
    assert f.classification == ["ddc:843"]
    assert [(h.call_number, h.barcode, h.location, h.status) for h in d.holdings] == [
        ("8°001", "0001", "BIB01 Magasin", HoldingStatus.AVAILABLE),
        ("8°002", "0002", "BIB01", HoldingStatus.ON_LOAN),
    ]


@pytest.mark.parametrize(
    ("leader", "expected"),
    [
        ("00000nas a2200000 a 4500", MaterialType.SERIAL),
        ("00000nab a2200000 a 4500", MaterialType.ARTICLE),
        ("00000ncm a2200000 a 4500", MaterialType.SCORE),
        ("00000njm a2200000 a 4500", MaterialType.SOUND),
        ("00000ngm a2200000 a 4500", MaterialType.VIDEO),
        ("00000nem a2200000 a 4500", MaterialType.MAP),
        ("00000nkm a2200000 a 4500", MaterialType.IMAGE),
        ("00000ntm a2200000 a 4500", MaterialType.MANUSCRIPT),
        ("00000nmm a2200000 a 4500", MaterialType.ELECTRONIC),
        ("00000nom a2200000 a 4500", MaterialType.KIT),
        ("00000nrm a2200000 a 4500", MaterialType.OBJECT),
    ],
)
def test_marc21_material_types(leader, expected):
    rec = record(leader, field("245", "a", "T"), _001="1")
    assert describe_marc(rec, RecordFormat.MARC21).fields.material_type == expected


def test_marc21_thesis_kinds_and_fallbacks():
    thesis = record("00000nam a2200000 a 4500", field("245", "a", "T."), field("502", "a", "Thèse"), _001="1")
    assert describe_marc(thesis, RecordFormat.MARC21).fields.material_type == MaterialType.THESIS
    auth = record("00000nz  a2200000n  4500", field("100", "a", "Tazi, Ahmed"), _001="a1")
    d = describe_marc(auth, RecordFormat.MARC21)
    assert d.kind == RecordKind.AUTHORITY and d.fields.title == "Tazi, Ahmed" and d.warnings == []
    mfhd = record(
        "00000cy  a22000003  4500",
        field("852", "b", "MAIN", "h", "QA76", "i", ".T3", "p", "123"),
        _001="h1",
        _004="b1",
    )
    d = describe_marc(mfhd, RecordFormat.MARC21)
    assert (d.kind, d.linked_local_id) == (RecordKind.HOLDINGS, "b1")
    assert d.holdings[0].call_number == "QA76 .T3" and d.holdings[0].barcode == "123"
    deleted = record(
        "00000dam a2200000 a 4500", field("260", "c", "s.d."), _008="990101s1987    fr            000 0 fre  "
    )
    d = describe_marc(deleted, RecordFormat.MARC21, raw=b"x")
    assert d.deleted and d.fields.year == 1987
    assert d.local_id.startswith("sha1:") and "record has no title" in d.warnings


def test_detect_marc_flavour():
    assert detect_marc_flavour(MARC21_BOOK) == RecordFormat.MARC21
    nepali_like = record("00000nam a2200000 a 4500", field("100", "a", "Sharma"), field("245", "a", "T"))
    assert detect_marc_flavour(nepali_like) == RecordFormat.MARC21


def test_repair_double_utf8():
    assert repair_double_utf8("Ã©tÃ©") == "été"
    assert repair_double_utf8("8Â°007") == "8°007"
    assert repair_double_utf8("Ã  la") == "Ã  la"  # not UTF-8 once re-encoded: kept
    assert repair_double_utf8("Âme déjà") == "Âme déjà"


@needs_data
def test_unimarc_995_holdings_from_real_file():
    records = [
        r
        for r in read_iso2709(
            (DATA / "unimarc/medialab_cotes8.mrc").read_bytes(), format_hint=RecordFormat.UNIMARC
        )
    ]
    assert len(records) == 35 and all(isinstance(r, ParsedRecord) for r in records)
    first = records[0]
    assert first.format == RecordFormat.UNIMARC
    assert first.fields.title == "Traité de la science des finances"
    assert first.fields.authors == ["Leroy-Beaulieu, Paul"]
    assert first.fields.year == 1892
    assert [h.source_tag for h in first.holdings] == ["995", "995"]
    assert first.holdings[0].call_number == "8°007.775(1892-1)"
    assert first.holdings[0].barcode == "00000001158900"


@needs_data
def test_unimarc_is_detected_without_a_hint():
    records = list(read_iso2709((DATA / "unimarc/medialab_cotesX.mrc").read_bytes()))
    assert {r.format for r in records} == {RecordFormat.UNIMARC}
    records = list(read_iso2709((DATA / "marc21/marc4j_not_unimarc_errors_3.mrc").read_bytes()))
    assert {r.format for r in records} == {RecordFormat.MARC21}


@needs_data
def test_isbns_are_isbn13():
    records = list(read_iso2709((DATA / "marc21/traject_batch.dat").read_bytes()))
    isbns = [i for r in records for i in r.fields.identifiers.get("isbn", [])]
    assert isbns and all(len(i) == 13 and i.startswith(("978", "979")) for i in isbns)
