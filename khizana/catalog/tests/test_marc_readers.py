"""ISO 2709 and MARCXML readers against the real files of ../shared/data (no database)."""

from __future__ import annotations

import functools
import re
from collections import Counter
from pathlib import Path

import pytest

from khizana.catalog.formats import iso2709
from khizana.catalog.formats.iso2709 import read_iso2709
from khizana.catalog.formats.marcxml import read_marcxml
from khizana.catalog.records import (
    MaterialType,
    ParsedRecord,
    RecordFormat,
    RecordKind,
    RejectedRecord,
    Serialisation,
)
from khizana.testing import shared_data_dir

DATA = shared_data_dir()
needs_data = pytest.mark.skipif(
    DATA is None, reason="shared test data not found (set KHIZANA_SHARED_DATA or provide ../shared/data)"
)
FOLDERS = ("marc21", "marc21/bad", "marcxml", "marcxml/bad", "unimarc", "unimarc/bad")
# Record totals per folder, from the summary table of PROVENANCE.md.
FOLDER_TOTALS = {
    "marc21": 3362,
    "marc21/bad": 594,
    "marcxml": 605,
    "marcxml/bad": 21,
    "unimarc": 3364,
    "unimarc/bad": 3,
}


@functools.cache
def read_file(path: Path) -> list[ParsedRecord | RejectedRecord]:
    hint = (
        RecordFormat.UNIMARC
        if path.parent.name == "unimarc" or path.parent.parent.name == "unimarc"
        else None
    )
    reader = read_marcxml if path.suffix == ".xml" else read_iso2709
    return list(reader(path.read_bytes(), format_hint=hint))


def parsed(name: str) -> list[ParsedRecord]:
    records = read_file(DATA / name)
    return [r for r in records if isinstance(r, ParsedRecord)]


def provenance_counts() -> dict[str, int]:
    """File -> record count, from the per-file tables of PROVENANCE.md."""
    counts = {}
    for line in (DATA / "PROVENANCE.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.split("|")]
        match = re.match(r"[\d,]+", cells[6])
        if match:
            counts[cells[1].strip("`")] = int(match.group(0).replace(",", ""))
    return counts


@pytest.fixture(scope="module")
def every_file() -> dict[str, list[ParsedRecord | RejectedRecord]]:
    results = {}
    for folder in FOLDERS:
        for path in sorted((DATA / folder).iterdir()):
            if path.is_file():
                results[f"{folder}/{path.name}"] = read_file(path)
    return results


# --------------------------------------------------------------------------- every file


@needs_data
def test_every_file_is_read_and_counts_match_provenance(every_file):
    expected = provenance_counts()
    totals: Counter = Counter()
    print(f"\n{'file':<72} {'read':>5} {'rej':>4} {'warn':>5}")
    for name, records in every_file.items():
        read = [r for r in records if isinstance(r, ParsedRecord)]
        rejected = [r for r in records if isinstance(r, RejectedRecord)]
        warned = [r for r in read if r.warnings]
        print(f"{name:<72} {len(read):>5} {len(rejected):>4} {len(warned):>5}")
        folder = name.rsplit("/", 1)[0]
        totals[folder] += len(records)
        assert [r.number for r in records] == list(range(1, len(records) + 1)), name
        if name.endswith(".xml"):
            assert len(records) == expected[name], name
        else:
            assert len(records) == (DATA / name).read_bytes().count(b"\x1d"), name
            assert len(records) == expected[name], name
        for record in records:
            assert record.raw, name
            if isinstance(record, RejectedRecord):
                assert record.reason, name
            else:
                assert record.local_id, name
    assert dict(totals) == FOLDER_TOTALS


@needs_data
def test_good_folders_load_almost_everything(every_file):
    for name, records in every_file.items():
        if "/bad/" in name:
            continue
        rejected = [r for r in records if isinstance(r, RejectedRecord)]
        assert not rejected, (name, [r.reason for r in rejected])


@needs_data
def test_bad_folders_reject_only_hopeless_records(every_file):
    rejected = [r for name, records in every_file.items() for r in records if isinstance(r, RejectedRecord)]
    reasons = Counter(r.reason for r in rejected)
    print("\nrejection reasons:", dict(reasons))
    # Only pymarc's deliberately broken sample records cannot be recovered.
    assert len(rejected) <= 5
    assert all(r.reason for r in rejected)


@needs_data
def test_iso2709_offsets_and_raw_bytes(every_file):
    for name in (
        "marc21/evergreen_lul_fre_500.mrc",
        "unimarc/marcjs_bib.mrc",
        "marc21/bad/catmandu-marc_bu_bibs.mrc",
    ):
        data = (DATA / name).read_bytes()
        for record in every_file[name]:
            assert data[record.offset : record.offset + len(record.raw)] == record.raw
            assert record.raw.endswith(b"\x1d")
            assert record.raw[:5].isdigit()


def _fast_and_careful(data: bytes, hint: RecordFormat | None = None):
    fast = list(read_iso2709(data, format_hint=hint))
    careful = list(read_iso2709(data, format_hint=hint, fast=False))
    assert len(fast) == len(careful)
    return fast, careful


def _assert_same_reading(fast, careful, name: str) -> None:
    for quick, slow in zip(fast, careful, strict=True):
        where = (name, slow.number)
        assert type(quick) is type(slow), where
        assert quick.local_id == slow.local_id, where
        if isinstance(slow, ParsedRecord):
            assert quick.fields == slow.fields, where
            assert quick.holdings == slow.holdings, where
            assert quick.kind == slow.kind, where
            assert quick.warnings == slow.warnings, where
        assert quick == slow, where  # and everything else: format, deleted, raw, offset ...


@needs_data
def test_fast_path_reads_every_record_as_the_careful_path(monkeypatch):
    taken = Counter()

    def counting(function):
        def wrapper(*args, **kwargs):
            result = function(*args, **kwargs)
            taken[function.__name__, result is not None] += 1
            return result

        return wrapper

    for helper in ("_well_formed_fields", "_decode_clean"):
        monkeypatch.setattr(iso2709, helper, counting(getattr(iso2709, helper)))
    names = [
        f"{folder}/{path.name}"
        for folder in ("marc21", "unimarc")
        for path in sorted((DATA / folder).iterdir())
        if path.is_file() and path.suffix != ".xml"
    ]
    for name in names:
        hint = RecordFormat.UNIMARC if name.startswith("unimarc/") else None
        fast, careful = _fast_and_careful((DATA / name).read_bytes(), hint)
        _assert_same_reading(fast, careful, name)
    # The fast paths must really be taken for most records, or this test compares nothing.
    assert taken["_well_formed_fields", True] > 5000
    assert taken["_decode_clean", True] > 5000


def _iso2709(leader9: str, fields: list[tuple[str, bytes]]) -> bytes:
    directory = b""
    data = b""
    for tag, payload in fields:
        directory += tag.encode() + b"%04d%05d" % (len(payload) + 1, len(data))
        data += payload + b"\x1e"
    base = 24 + len(directory) + 1
    length = base + len(data) + 1
    leader = b"%05dnam %s22%05d   4500" % (length, leader9.encode(), base)
    return leader + directory + b"\x1e" + data + b"\x1d"


@pytest.mark.parametrize(
    ("leader9", "fields"),
    [
        ("a", [("001", b"id1"), ("245", b"10\x1faTitle :\x1fbsub /\x1fcby.")]),
        ("a", [("001", b"id1"), ("245", b"10\x1fa\x1f\x1faTitle\x1f")]),  # empty subfields
        ("a", [("001", b"id1"), ("245", b"#\\\x1faTitle"), ("650", b"_0\x1faX")]),  # blank indicators
        ("a", [("001", b"id1"), ("245", b"1\x1faTitle"), ("246", b"1234\x1faY")]),  # bad indicators
        ("a", [("001", b"id1"), ("245", b"10\x1fATitle\x1f$x")]),  # bad subfield codes
        ("a", [("001", b"id1"), ("245", b"10 Title without delimiter")]),
        ("a", [("001", b"id1"), ("24A", b"10\x1faTitle"), ("ABC", b"10\x1faX")]),  # non-numeric tags
        ("a", [("001", b"id1"), ("245", "10\x1faCaf\u00c3\u00a9 e\u0301".encode())]),  # double UTF-8, NFD
        ("a", [("001", b"id1"), ("245", b"10\x1faT\xc3"), ("246", b"\xa9\x1faX")]),  # char cut in two
        ("a", [("001", b"id1"), ("245", b"10\x1faInvalid \xff UTF-8")]),
        (" ", [("001", b"id1"), ("245", b"10\x1faMARC-8 &#x0627; NCR")]),
        (" ", [("001", b"id1"), ("245", b"10\x1faMARC-8 \xe2e accent")]),
        (" ", [("001", b"id1"), ("245", "10\x1faUTF-8 caf\u00e9".encode())]),
        (" ", [("001", b"id1"), ("245", b"10\x1fa\x1b(3Escape")]),
        ("a", [("001", b"id\x1fx"), ("245", b"10\x1faT")]),  # a delimiter in a control field
        ("a", [("245", b"10\x1faNo 001")]),
    ],
)
def test_fast_path_matches_the_careful_path_on_odd_records(leader9, fields):
    data = _iso2709(leader9, fields)
    for hint in (None, RecordFormat.UNIMARC):
        fast, careful = _fast_and_careful(data, hint)
        _assert_same_reading(fast, careful, repr(fields))
    # Unordered directory, wrong lengths, leader with a non-ASCII byte.
    first, second = data.index(b"001"), data.index(b"\x1e")
    unordered = data[:first] + data[first + 12 : second] + data[first : first + 12] + data[second:]
    for variant in (unordered, data[:20] + b"\xe9" + data[21:], data[:30] + b"9" + data[31:]):
        fast, careful = _fast_and_careful(variant)
        _assert_same_reading(fast, careful, repr(fields))


@needs_data
def test_xml_offsets_point_at_the_record_line(every_file):
    name = "marcxml/rero_sru_slsp_isbn_9782296076648.xml"
    data = (DATA / name).read_bytes()
    for record in every_file[name]:
        line = data[record.offset : data.index(b"\n", record.offset)]
        assert b"record" in line
        assert record.raw.lstrip().startswith(b"<")
        assert record.serialisation == Serialisation.XML


# --------------------------------------------------------------------------- scripts and encodings


@needs_data
def test_arabic_880_title_is_a_parallel_title():
    (record,) = parsed("marc21/openlibrary_880_arabic_french_many_linkages.mrc")
    assert record.fields.title.startswith("Intiqāl al-afkār")
    assert "انتقال الأفكار و التقنيات في المغارب و العالم المتوسطي" in record.fields.parallel_titles
    assert (
        "Transmission des idées et des techniques au Maghreb et en Méditerranée"
        in record.fields.parallel_titles
    )
    assert {"Arabic", "Latin"} <= set(record.fields.scripts)
    assert "مودن، عبد الرحمن" in record.fields.authors
    assert record.fields.languages == ["ara", "fre"]
    assert record.warnings == []


@needs_data
def test_marc8_french_accents_are_decoded():
    records = parsed("marc21/evergreen_lul_fre_500.mrc")
    assert len(records) == 500
    first = records[0]
    assert first.fields.title == "L'autre monde, mythes et légendes"
    assert first.fields.authors == ["Félice, Philippe de"]
    text = " ".join(r.fields.title + " " + r.fields.subtitle for r in records)
    assert "é" in text and "è" in text
    assert "\u0301" not in text  # combining accents were composed
    assert not any("MARC-8" in w for r in records for w in r.warnings)


@needs_data
def test_marc8_arabic_and_utf8_marcxml_of_the_same_record_agree():
    (iso,) = parsed("marc21/yaz_marc9.marc")
    (xml,) = parsed("marcxml/yaz_marc9.xml")
    assert "Arabic" in iso.fields.scripts
    assert iso.fields.title == xml.fields.title
    assert iso.fields.parallel_titles == xml.fields.parallel_titles


@needs_data
def test_tifinagh_record():
    (record,) = parsed("marcxml/marc4j_azdoud.xml")
    assert "Tifinagh" in record.fields.scripts
    assert any("ⵜⵉⵎⵙⵜⵉⵢⵉⵏ" in t for t in record.fields.parallel_titles)


@needs_data
def test_invalid_utf8_loads_with_a_warning():
    (record,) = parsed("marc21/bad/ruby-marc_utf8_with_bad_bytes.marc")
    assert any("invalid UTF-8" in w for w in record.warnings)
    assert record.fields.title


@needs_data
def test_utf8_with_blank_leader_09_is_read_as_utf8():
    records = parsed("marc21/evergreen_FSL.marc")
    assert len(records) == 52
    assert all(any("bytes are UTF-8" in w for w in r.warnings) for r in records)
    assert {"Cyrillic", "Armenian"} <= {s for r in records for s in r.fields.scripts}


@needs_data
def test_mislabelled_marc8_record():
    (record,) = parsed("marc21/bad/ruby-marc_marc8_accented_chars.marc")
    assert any("bytes are MARC-8" in w for w in record.warnings)
    assert "\ufffd" not in record.fields.title


@needs_data
def test_cp1251_record_with_marc8_leader():
    records = parsed("marc21/bad/pymarc_1251.dat")
    assert len(records) == 6
    assert records[0].fields.title == "Основы гидравлического расчета инженерных сетей"
    assert all(any("cp1251" in w for w in r.warnings) for r in records)


@needs_data
def test_cp866_unimarc_is_loaded_with_warnings():
    records = read_file(DATA / "unimarc/bad/ruby-marc_cp866_multirecord.marc")
    assert len(records) == 2
    for record in records:
        assert isinstance(record, ParsedRecord)
        assert any("cp866" in w for w in record.warnings)
        assert "Cyrillic" in " ".join(record.warnings) or record.local_id


@needs_data
def test_double_encoded_utf8_is_repaired():
    records = parsed("unimarc/medialab_cotes8.mrc")
    call_numbers = [h.call_number for r in records for h in r.holdings]
    assert "8°007.775(1892-1)" in call_numbers
    assert not any("Â" in c for c in call_numbers)


# --------------------------------------------------------------------------- structure


@needs_data
def test_broken_directory_is_read_leniently():
    records = read_file(DATA / "marc21/bad/marc4j_pride-and-prejudice-with-many-errors.mrc")
    clean = parsed("marc21/marc4j_pride-and-prejudice-fixed.mrc")
    assert len(records) == 383
    assert all(isinstance(r, ParsedRecord) for r in records)
    repaired = [r for r in records if any("directory is not a multiple of 12" in w for w in r.warnings)]
    assert len(repaired) == 16
    by_id = {r.local_id: r for r in clean}
    for record in repaired:
        assert record.fields.title == by_id[record.local_id].fields.title


@needs_data
def test_lengths_in_characters_are_read_by_field_terminators():
    records = parsed("marc21/bad/catmandu-marc_bu_bibs.mrc")
    assert len(records) == 100
    lenient = [r for r in records if any("field terminators" in w for w in r.warnings)]
    assert lenient
    assert all(r.fields.title for r in lenient)


@needs_data
def test_records_over_99999_bytes():
    records = read_file(DATA / "marc21/bad/marc4j_bad_hathi_records.mrc")
    big = [r for r in records if len(r.raw) > 99_999]
    assert big and all(isinstance(r, ParsedRecord) for r in big)
    assert any("longer than ISO 2709 allows" in w for r in big for w in r.warnings)
    (datos,) = parsed("marc21/bad/marc4j_datos-20161010-slice.mrc")
    assert len(datos.raw) > 200_000
    assert datos.fields.title


@needs_data
def test_unordered_directory_and_random_tag_order_are_not_warnings():
    for name in (
        "marc21/bad/marc4j_unordered-directory-entries.mrc",
        "marc21/bad/ruby-marc_random_tag_order.dat",
    ):
        (record,) = parsed(name)
        assert record.fields.title
        assert record.warnings == []


@needs_data
def test_non_numeric_tags_and_bad_codes_are_reported():
    (record,) = parsed("marc21/bad/ruby-marc_non-numeric.dat")
    assert any("non-numeric field tags" in w for w in record.warnings)
    (record,) = parsed("marc21/bad/traject_bad_subfield_code.marc")
    assert record.fields.title


@needs_data
def test_record_without_title_is_kept():
    (record,) = parsed("marc21/bad/openlibrary_talis_no_title.mrc")
    assert record.fields.title == ""
    assert "record has no title" in record.warnings


@needs_data
def test_hopeless_record_is_rejected_with_a_reason():
    records = read_file(DATA / "marc21/bad/pymarc_bad_records.mrc")
    rejected = [r for r in records if isinstance(r, RejectedRecord)]
    assert rejected
    assert all("directory" in r.reason or "fields" in r.reason or "leader" in r.reason for r in rejected)
    assert rejected[0].describe("x.mrc").startswith(f"x.mrc: record {rejected[0].number} at byte ")


def test_iso2709_tolerates_garbage():
    assert list(read_iso2709(b"")) == []
    assert list(read_iso2709(b"\r\n  ")) == []
    (short,) = read_iso2709(b"hello\x1d")
    assert isinstance(short, RejectedRecord) and "shorter than a leader" in short.reason
    (nodir,) = read_iso2709(b"00040nam a2200025 a 4500" + b"0" * 15 + b"\x1d")
    assert isinstance(nodir, RejectedRecord) and nodir.reason == "no field terminator after the directory"


def test_minimal_record_round_trip():
    field_245 = b"10\x1faLe titre /\x1fcpar moi.\x1e"
    field_001 = b"abc\x1e"
    directory = b"001" + b"%04d" % len(field_001) + b"00000" + b"245" + b"%04d" % len(field_245) + b"%05d" % 4
    base = 24 + len(directory) + 1
    body = directory + b"\x1e" + field_001 + field_245
    length = 24 + len(body) + 1
    leader = b"%05dnam a22%05d a 4500" % (length, base)
    (record,) = read_iso2709(b"\n" + leader + body + b"\x1d\n")
    assert isinstance(record, ParsedRecord)
    assert record.offset == 1 and record.number == 1
    assert record.local_id == "abc"
    assert record.fields.title == "Le titre"
    assert record.warnings == []


# --------------------------------------------------------------------------- kinds and XML


@needs_data
def test_authority_records():
    records = parsed("marc21/evergreen_auth-1066.mrc")
    assert len(records) == 1066
    assert {r.kind for r in records} == {RecordKind.AUTHORITY}


@needs_data
def test_mfhd_holdings_records():
    records = parsed("marcxml/evergreen_serials_mfhd.xml")
    assert len(records) == 7
    for record in records:
        assert record.kind == RecordKind.HOLDINGS
        assert record.linked_local_id.startswith("a")  # the bibliographic 001 (a814607 ...)
        assert record.local_id.isdigit()
        assert record.holdings and record.holdings[0].location
        assert record.fields.material_type == MaterialType.OTHER


@needs_data
def test_xml_namespaces_and_wrappers():
    assert len(parsed("marcxml/rero_sru_dnb_samuelson.xml")) == 10  # SRU, default namespace
    assert len(parsed("marcxml/evergreen_serials_marc21.xml")) == 7  # several roots, no namespace
    bnf = parsed("unimarc/rero_sru_bnf_ean_any_9782070541270.xml")  # marcxchange
    assert bnf[0].format == RecordFormat.UNIMARC
    assert bnf[0].fields.identifiers["isbn"] == ["9782070541270"]
    (rusmarc,) = parsed("unimarc/xbib_rusmarc.xml")
    assert rusmarc.format == RecordFormat.UNIMARC
    assert rusmarc.fields.title == "Сучасна соціальна філософія"
    assert "record has no leader: a default one was assumed" in rusmarc.warnings


@needs_data
def test_not_well_formed_xml_keeps_the_readable_records():
    records = parsed("marcxml/bad/ruby-marc_three-records-second-bad.xml")
    assert len(records) == 3
    assert [bool(r.warnings) for r in records] == [False, True, False]
    assert "not well-formed" in records[1].warnings[0]


@needs_data
def test_broken_marcxml_elements_are_repaired_with_warnings():
    (record,) = parsed("marcxml/bad/marc4j_chabon-missing-datafield-tag.xml")
    assert any("without a tag" in w for w in record.warnings)
    (record,) = parsed("marcxml/bad/ruby-marc_no-leading-zero.xml")
    assert any("'42' read as '042'" in w for w in record.warnings)
    (record,) = parsed("marcxml/bad/marc4j_cruel-cruel-indicatorless-summerland.xml")
    assert any("ind1 missing" in w for w in record.warnings)
    broken = parsed("marcxml/bad/catmandu-marc_broken.xml")
    assert sum(1 for r in broken if r.warnings) == 1


def test_marcxml_tolerates_garbage():
    assert list(read_marcxml(b"this is not xml")) == []
    assert list(read_marcxml(b"")) == []
    assert list(read_marcxml(b"<a><b>unclosed")) == []
    empty = b'<collection xmlns="http://www.loc.gov/MARC21/slim"><record/></collection>'
    (record,) = read_marcxml(empty)
    assert isinstance(record, RejectedRecord) and record.reason == "record has no fields"
