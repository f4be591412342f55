"""MARC 21 880 fields by role, Gregorian years of Hijri imprints, Arabic punctuation (issue 14)."""

import pymarc
import pytest

from khizana.catalog.formats.marc_fields import _imprint_year, describe_marc
from khizana.catalog.records import RecordFormat
from khizana.testing import shared_data_dir


def _record(*fields: pymarc.Field, f008: str = "970909s1907    ua            000 0 ara d") -> pymarc.Record:
    record = pymarc.Record(force_utf8=True)
    record.leader = pymarc.Leader("00000nam a2200000 a 4500")
    record.add_field(pymarc.Field(tag="001", data="b1"), pymarc.Field(tag="008", data=f008), *fields)
    return record


def sub(*pairs: str) -> list[pymarc.Subfield]:
    return [pymarc.Subfield(code=pairs[i], value=pairs[i + 1]) for i in range(0, len(pairs), 2)]


def test_880_forms_are_kept_by_role():
    record = _record(
        pymarc.Field("100", ["1", " "], sub("6", "880-01", "a", "Abū al-Fidāʼ Ismāʻīl ibn ʻAlī,")),
        pymarc.Field(
            "245", ["1", "0"], sub("6", "880-02", "a", "al-Mukhtaṣar fī akhbār al-bashar /", "c", "...")
        ),
        pymarc.Field("250", [" ", " "], sub("6", "880-03", "a", "al-Ṭabʻah al-ūlá.")),
        pymarc.Field(
            "264", [" ", "1"], sub("6", "880-04", "a", "al-Qāhirah :", "b", "al-Maṭbaʻah al-Ḥusaynīyah,")
        ),
        pymarc.Field("880", ["1", " "], sub("6", "100-01/(3/r", "a", "ابو الفداء اسماعيل بن علي،")),
        pymarc.Field(
            "880",
            ["1", "0"],
            sub("6", "245-02/(3/r", "a", "المختصر في أخبار البشر /", "c", "تأليف أبي الفداء"),
        ),
        pymarc.Field("880", [" ", " "], sub("6", "250-03/(3/r", "a", "الطبعة الأولى.")),
        pymarc.Field("880", [" ", "1"], sub("6", "264-04/(3/r", "a", "القاهرة :", "b", "المطبعة الحسينية،")),
        pymarc.Field("880", [" ", " "], sub("6", "300-05/(3/r", "a", "2 جزء ؛")),
        pymarc.Field("880", [" ", " "], sub("a", "an 880 without $6")),
    )
    fields = describe_marc(record, RecordFormat.MARC21).fields
    assert fields.original_script == {
        "author": ["ابو الفداء اسماعيل بن علي"],
        "responsibility": ["تأليف أبي الفداء"],
        "edition": ["الطبعة الأولى."],
        "place": ["القاهرة"],
        "publisher": ["المطبعة الحسينية"],
        "other": ["2 جزء", "an 880 without $6"],
    }
    assert fields.parallel_titles == ["المختصر في أخبار البشر"]


@pytest.mark.parametrize(
    ("imprint", "coded", "year"),
    [
        ("1325 H., [1907? M.]", "1907", 1907),
        ("1324 هـ.[1906م].", "1906", 1906),
        ("1325[1907]", "1907", 1907),
        ("1348-1350 H. [1929-1931]", "1929", 1929),
        ("1348 هـ", "    ", 1348),  # nothing better known
        ("c1985, 1990 printing", "1985", 1985),
        ("1990", "uuuu", 1990),
        ("", "1977", 1977),
    ],
)
def test_the_gregorian_year_of_a_hijri_imprint(imprint, coded, year):
    assert _imprint_year(imprint, coded) == year


def test_real_romanised_880_record_of_aub():
    data = shared_data_dir()
    path = data / "arabic" / "marc21" / "aco_LeBAU_20170605_0_orig_recs.mrc" if data else None
    if path is None or not path.exists():
        pytest.skip("../shared/data/arabic is not here")
    with path.open("rb") as handle:
        for record in pymarc.MARCReader(handle, to_unicode=True):
            if record["001"].data.strip() == "b12640566":
                break
    fields = describe_marc(record, RecordFormat.MARC21).fields
    assert fields.year == 1907  # "1325 H., [1907? M.]"
    assert fields.original_script["author"] == ["ابو الفداء اسماعيل بن علي"]
    assert fields.original_script["edition"] == ["الطبعة الأولى."]
