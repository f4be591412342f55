"""MARC 21 or UNIMARC is decided record by record: a record of the other flavour inside a file is read
in its own flavour (with a warning naming its position), not emptied by the file's flavour."""

from __future__ import annotations

import dataclasses
import re

import pymarc
import pytest

from khizana.catalog.formats import read_records, record_flavour
from khizana.catalog.formats.iso2709 import marc_record, read_iso2709
from khizana.catalog.formats.marcxml import read_marcxml
from khizana.catalog.formats.parallel import read_iso2709_parallel
from khizana.catalog.models import SourceRecord
from khizana.catalog.records import ParsedRecord, RecordFormat
from khizana.catalog.services import import_bytes
from khizana.testing import shared_data_dir

DATA = shared_data_dir()
pytestmark = [
    pytest.mark.skipif(DATA is None, reason="../shared/data is not here"),
    pytest.mark.shared_data,
]

MARC21_FILE = "marc21/yaz_marccol5.u8.marc"  # 11 MARC 21 records
UNIMARC_FILE = "unimarc/marcjs_bib.mrc"  # 6 UNIMARC records (BnF)
MARC21_ONE = "marc21/yaz_marc9.marc"  # 1 MARC 21 record
MIXED_REAL = "marc21/marc4j_pride-and-prejudice-fixed.mrc"  # MARC 21, with some UNIMARC (CMARC) records


def _bytes(name: str) -> bytes:
    return (DATA / name).read_bytes()


def _records(data: bytes) -> list[bytes]:
    """The records of an ISO 2709 file, each with its terminator."""
    return [chunk + b"\x1d" for chunk in data.split(b"\x1d") if chunk.strip()]


def _alone(raw: bytes) -> ParsedRecord:
    """A record read on its own, in the flavour of its own file."""
    _, records = read_records(raw)
    [record] = list(records)
    return record


def _warnings_about_flavour(record) -> list[str]:
    return [w for w in record.warnings if "read as " in w and "(the flavour declared" in w]


# ------------------------------------------------------------------- end to end, through the import


@pytest.mark.django_db
@pytest.mark.parametrize("format_hint", [None, RecordFormat.MARC21], ids=["detected", "declared"])
def test_a_unimarc_record_inside_a_marc21_file_keeps_its_title(library_a, format_hint):
    marc21 = _bytes(MARC21_FILE)
    unimarc = _records(_bytes(UNIMARC_FILE))[0]
    expected = _alone(unimarc)
    assert expected.format == RecordFormat.UNIMARC and expected.fields.title == "Greek printing types"
    count = len(_records(marc21))

    run = import_bytes(library_a, marc21 + unimarc, "mixed.mrc", format_hint=format_hint)

    assert run.format == RecordFormat.MARC21 and run.records_added == count + 1
    stored = SourceRecord.objects.get(library=library_a, local_id=expected.local_id)
    assert stored.format == RecordFormat.UNIMARC
    assert stored.title == "Greek printing types"
    assert stored.fields["languages"] == expected.fields.languages and stored.fields["year"] == 1927
    assert stored.work is not None and stored.work.title == "Greek printing types"
    assert (stored.source_number, stored.source_offset) == (count + 1, len(marc21))
    [warning] = _warnings_about_flavour(stored)
    assert warning.startswith(f"record {count + 1} at byte {len(marc21)}: read as UNIMARC, not as MARC 21")
    assert "record has no title" not in stored.warnings
    # The file's own records are untouched: MARC 21, titled, without a flavour warning.
    others = SourceRecord.objects.filter(library=library_a).exclude(pk=stored.pk)
    assert {r.format for r in others} == {RecordFormat.MARC21}
    assert all(r.title for r in others) and not any(_warnings_about_flavour(r) for r in others)


@pytest.mark.django_db
def test_a_marc21_record_inside_a_unimarc_file_is_read_as_marc21(library_a):
    unimarc = _bytes(UNIMARC_FILE)
    marc21 = _records(_bytes(MARC21_ONE))[0]
    expected = _alone(marc21)
    assert expected.fields.title == "Qaḍāʼ al-usrah"

    run = import_bytes(library_a, unimarc + marc21, "mixed.mrc")

    assert run.format == RecordFormat.UNIMARC
    stored = SourceRecord.objects.get(library=library_a, local_id=expected.local_id)
    assert (stored.format, stored.title) == (RecordFormat.MARC21, "Qaḍāʼ al-usrah")
    assert (
        stored.fields["authors"] == expected.fields.authors and stored.fields["year"] == expected.fields.year
    )
    [warning] = _warnings_about_flavour(stored)
    assert warning.startswith(f"record 7 at byte {len(unimarc)}: read as MARC 21, not as UNIMARC")
    assert set(SourceRecord.objects.exclude(pk=stored.pk).values_list("format", flat=True)) == {"unimarc"}


@pytest.mark.django_db
def test_the_stored_flavour_is_the_one_exports_decode_with(library_a):
    """A stored record's format is its own flavour, so an export re-reads its bytes the same way."""
    marc21 = _bytes(MARC21_FILE)
    unimarc = _records(_bytes(UNIMARC_FILE))[0]
    import_bytes(library_a, marc21 + unimarc, "mixed.mrc")
    stored = SourceRecord.objects.get(library=library_a, format=RecordFormat.UNIMARC)
    record = marc_record(bytes(stored.raw), RecordFormat(stored.format))
    assert record["200"]["a"] == "Greek printing types"


@pytest.mark.django_db
def test_a_record_that_still_has_no_title_says_so(library_a):
    """A MARC 21 record without 245 (and with nothing of UNIMARC) stays MARC 21 and is flagged."""
    [first, *_] = _records(_bytes(MARC21_FILE))
    record = pymarc.Record(data=first, to_unicode=True, force_utf8=True)
    record.remove_fields("245")
    untitled = record.as_marc()
    run = import_bytes(library_a, _bytes(MARC21_ONE) + untitled, "untitled.mrc")
    assert run.records_added == 2
    stored = SourceRecord.objects.get(library=library_a, local_id=record["001"].data.strip())
    assert stored.format == RecordFormat.MARC21 and stored.title == ""
    assert "record has no title" in stored.warnings
    assert not _warnings_about_flavour(stored)


# ------------------------------------------------------------------- readers


def test_the_unimarc_records_of_a_real_marc21_file_are_read_as_unimarc():
    """marc4j's Pride and Prejudice file mixes MARC 21 records with Taiwanese UNIMARC ones."""
    data = _bytes(MIXED_REAL)
    detected, records = read_records(data, MIXED_REAL)
    records = [r for r in records if isinstance(r, ParsedRecord)]
    assert detected.format == RecordFormat.MARC21
    by_number = {r.number: r for r in records}
    assert (by_number[133].format, by_number[133].fields.title) == (
        RecordFormat.UNIMARC,
        "Pride and prejudice",
    )
    assert (by_number[312].format, by_number[312].fields.title) == (RecordFormat.UNIMARC, "傲慢與偏見")
    unimarc = [r for r in records if r.format == RecordFormat.UNIMARC]
    assert len(unimarc) >= 15
    for record in unimarc:
        assert record.fields.title, record.number
        [warning] = _warnings_about_flavour(record)
        assert warning.startswith(f"record {record.number} at byte {record.offset}: read as UNIMARC")
    # Every record of the file has a title now.
    assert not [r.number for r in records if "record has no title" in r.warnings]


def test_fast_careful_and_parallel_readings_agree_on_a_mixed_file():
    data = _bytes(MARC21_FILE) + _records(_bytes(UNIMARC_FILE))[0] + _bytes(MARC21_ONE)
    fast = [dataclasses.asdict(r) for r in read_iso2709(data, format_hint=RecordFormat.MARC21)]
    careful = [dataclasses.asdict(r) for r in read_iso2709(data, format_hint=RecordFormat.MARC21, fast=False)]
    parallel = [
        dataclasses.asdict(r)
        for r in read_iso2709_parallel(data, format_hint=RecordFormat.MARC21, workers=2, records_per_slice=3)
    ]
    assert fast == careful == parallel
    assert [r["format"] for r in fast].count(RecordFormat.UNIMARC) == 1


def test_marcxml_record_of_the_other_flavour_is_read_in_its_own():
    marc21 = (DATA / "marcxml" / "traject_test_data.utf8.marc.xml").read_text(encoding="utf-8")
    unimarc = (DATA / UNIMARC_FILE.replace(".mrc", ".xml")).read_text(encoding="utf-8")
    first_unimarc = re.search(r"<record>.*?</record>", unimarc, re.DOTALL).group(0)
    mixed = marc21.replace("</collection>", first_unimarc + "\n</collection>").encode("utf-8")
    detected, records = read_records(mixed, "mixed.xml")
    records = list(records)
    assert detected.format == RecordFormat.MARC21
    last = records[-1]
    assert (last.format, last.fields.title, last.local_id) == (
        RecordFormat.UNIMARC,
        "Greek printing types",
        "FRBNF323046990000009",
    )
    [warning] = _warnings_about_flavour(last)
    assert warning.startswith(f"record {len(records)} at byte {last.offset}: read as UNIMARC")
    assert mixed[last.offset :].lstrip().startswith(b"<record>")
    assert {r.format for r in records[:-1]} == {RecordFormat.MARC21}
    # The same when the caller declares the document MARC 21.
    declared = list(read_marcxml(mixed, format_hint=RecordFormat.MARC21))
    assert declared[-1].format == RecordFormat.UNIMARC and declared[-1].fields.title == "Greek printing types"


@pytest.mark.parametrize(
    ("declared", "tags", "evidence", "expected"),
    [
        # The usual record: settled by its tags, the evidence is never looked at.
        (RecordFormat.MARC21, {"001", "008", "245"}, None, RecordFormat.MARC21),
        (RecordFormat.UNIMARC, {"001", "100", "200"}, None, RecordFormat.UNIMARC),
        # 200 and a UNIMARC 100 $a date, no 245: UNIMARC whatever the file says.
        (RecordFormat.MARC21, {"001", "100", "101", "200"}, ("19970701d1927", ""), RecordFormat.UNIMARC),
        # 245 and a MARC 21 008, no 200, in a UNIMARC file.
        (RecordFormat.UNIMARC, {"001", "008", "245", "260"}, ("", "x" * 40), RecordFormat.MARC21),
        # Little evidence either way: the file's flavour.
        (RecordFormat.MARC21, {"001", "801"}, ("", ""), RecordFormat.MARC21),
        (RecordFormat.UNIMARC, {"001", "300"}, ("", ""), RecordFormat.UNIMARC),
        # Nothing declared: the record alone decides, a tie is MARC 21.
        (None, {"001", "200", "101"}, ("", ""), RecordFormat.UNIMARC),
        (None, {"001"}, ("", ""), RecordFormat.MARC21),
    ],
)
def test_record_flavour(declared, tags, evidence, expected):
    def ask():
        if evidence is None:
            raise AssertionError("the tags alone should have settled it")
        return evidence

    assert record_flavour(declared, tags, ask) == expected
