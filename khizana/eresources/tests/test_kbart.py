"""The KBART reader (pure): real quirks and bad rows, each error naming file, line and column."""

from pathlib import Path

import pytest

from khizana.eresources.kbart import (
    COLUMNS,
    KbartFileError,
    lookup_keys,
    normalise_isbn,
    normalise_issn,
    read_kbart,
)
from khizana.testing import shared_data_dir

DATA = Path(__file__).parent / "data"
HEADER = "\t".join(COLUMNS)


def row(**values) -> str:
    defaults = {
        "publication_title": "Revue test",
        "print_identifier": "0769-0959",
        "online_identifier": "1960-6176",
        "title_url": "https://journals.example.org/revue",
        "publication_type": "serial",
        "coverage_depth": "fulltext",
        "access_type": "F",
    }
    merged = {**defaults, **values}
    return "\t".join(merged.get(name, "") for name in COLUMNS)


def test_quoted_fields_of_openedition_and_arabic_titles():
    parsed = read_kbart((DATA / "openedition_journals.txt").read_bytes(), "openedition_journals.txt")
    assert parsed.errors == []
    assert [t["publication_title"] for t in parsed.titles] == [
        "1895. Mille huit cent quatre-vingt-quinze",
        "Insaniyat / إنسانيات",
        "L’Année du Maghreb",
        "Égypte/Monde arabe",
    ]
    insaniyat = parsed.titles[1]
    assert (insaniyat.print_id, insaniyat.online_id) == ("1111-2050", "2253-0738")
    assert insaniyat["access_type"] == "F" and insaniyat.line == 3


def test_crlf_no_final_newline_and_an_extra_column():
    parsed = read_kbart((DATA / "cairn_journals.txt").read_bytes(), "cairn_journals.txt")
    assert parsed.errors == []
    assert [t["publication_title"] for t in parsed.titles] == ["Maghreb - Machrek", "Ikosim", "Mondes arabes"]
    assert parsed.titles[0].extra["bestppn"]
    assert parsed.titles[1].online_id == ""


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-16"),  # with a BOM
        lambda text: text.encode("utf-16-le"),  # without
        lambda text: b"\xef\xbb\xbf" + text.encode(),
        lambda text: text.replace("\n", "\r").encode(),  # old Mac line ends
        lambda text: text.replace("\n", "\t\n").encode(),  # an extra tab at the end of each line
    ],
)
def test_encodings_and_line_ends(encode):
    text = HEADER + "\n" + row() + "\n" + row(publication_title="Autre", online_identifier="2253-0738") + "\n"
    parsed = read_kbart(encode(text), "list.txt")
    assert parsed.errors == []
    assert [(t["publication_title"], t.online_id) for t in parsed.titles] == [
        ("Revue test", "1960-6176"),
        ("Autre", "2253-0738"),
    ]


def test_bad_rows_are_rejected_with_file_line_and_column():
    text = "\n".join(
        [
            HEADER,
            row(),
            row(online_identifier="1673-3550"),  # bad check digit
            row(publication_type="monograph", print_identifier="978-1-137-05446-X", online_identifier=""),
            row(date_first_issue_online="21546445", date_last_issue_online="2020-13-01"),
            row(embargo_info="R8X"),
            row(access_type="Paid"),
            row(access_type=""),
            row(coverage_depth="fulltxt"),
            row(publication_type="monogrph"),
            row(title_url="www.example.org"),
            row()[: row().rindex("\t")],  # 24 fields
            "\t" + row(),  # shifted one column right
            row(publication_title=""),
        ]
    )
    parsed = read_kbart(text.encode(), "bad.txt")
    assert len(parsed.titles) == 1
    found = [(e.line, e.column) for e in parsed.errors]
    assert found == [
        (3, "online_identifier"),
        (4, "print_identifier"),
        (5, "date_first_issue_online"),
        (5, "date_last_issue_online"),
        (6, "embargo_info"),
        (7, "access_type"),
        (8, "access_type"),
        (9, "coverage_depth"),
        (10, "publication_type"),
        (11, "title_url"),
        (12, ""),
        (13, ""),
        (13, "publication_title"),
        (14, "publication_title"),
    ]
    messages = [str(e) for e in parsed.errors]
    assert messages[0].startswith(
        "bad.txt, line 3, column online_identifier: '1673-3550' is not a valid ISSN"
    )
    assert "'2020-13-01' is not a date (month or day out of range)" in messages[3]
    assert "'Paid': must be F (free) or P (paid)" in messages[5]
    assert "24 fields where the header has 25 columns" in messages[10]
    assert "columns shifted?" in messages[11]
    assert parsed.rejected_lines == list(range(3, 15))


def test_tolerated_variants():
    text = "\n".join(
        [
            HEADER.replace("parent_publication_title_id", "parent_publication_id").upper(),
            row(
                publication_type="Monograph",
                print_identifier="0-306-40615-2",
                online_identifier="n/a",
                date_first_issue_online="2008-05-19 00:00:00",
                coverage_depth="Full text",
                embargo_info="r1y;p6m",
                access_type="p",
            ),
        ]
    )
    parsed = read_kbart(text.encode(), "ok.txt")
    assert parsed.errors == []
    (title,) = parsed.titles
    assert title.print_id == "9780306406157" and title.online_id == ""
    assert title["date_first_issue_online"] == "2008-05-19"
    assert (title["coverage_depth"], title["embargo_info"], title["access_type"]) == (
        "fulltext",
        "R1Y;P6M",
        "P",
    )
    assert title["publication_type"] == "monograph"


def test_files_that_are_not_kbart():
    with pytest.raises(KbartFileError, match="empty"):
        read_kbart(b"\n\n", "empty.txt")
    with pytest.raises(KbartFileError, match=r"not a KBART header, column\(s\) missing: print_identifier"):
        read_kbart(b"publication_title\tfoo\nA\tb\n", "x.csv")
    with pytest.raises(KbartFileError, match=r"cut\.txt: a UTF-16 file cut or damaged"):
        read_kbart((HEADER + "\n").encode("utf-16") + b"\x00\xd8", "cut.txt")
    with pytest.raises(KbartFileError, match=r"binary\.pdf, line 2: not UTF-8 or UTF-16"):
        read_kbart(b"%PDF-1.4\n\xe2\x28\xa1", "binary.pdf")
    with pytest.raises(KbartFileError, match=r"latin\.txt, line 2: not UTF-8 or UTF-16"):
        read_kbart((HEADER + "\n" + row(publication_title="Études")).encode("latin-1"), "latin.txt")


def test_identifier_normalisation():
    assert normalise_issn("0769 0959") == "0769-0959"
    assert normalise_issn("0769-0959") == normalise_issn("07690959")
    assert normalise_isbn("978-2-7574-2672-2") == "9782757426722"
    assert normalise_isbn("0306406152") == "9780306406157"
    assert lookup_keys("2253-0738") == ["2253-0738"]
    assert lookup_keys("not an identifier") == []
    with pytest.raises(ValueError, match="not a valid ISSN"):
        normalise_issn("1673-3550")


SHARED = shared_data_dir()


REAL = [
    # file, rows, good rows (the others rejected, each for a reason given)
    ("ezpaarse_OE_All_Journals_kbart_2021-03-15.txt", 557, 557),
    ("ezpaarse_OE_All_Books_kbart_2021-03-15.txt", 11057, 11057),
    ("ezpaarse_CAIRN_GLOBAL_ALLJOURNALS_2026-03-23.txt", 768, 767),  # a print ISSN's check digit
    ("gokb_CambridgeBooks_EdinburghUniversityPress_utf8.tsv", 369, 369),
    (
        "gokb_ScienceDirectStandard_Global_EBook-AgriculturalAndBiologicalSciencesPre-2007_2016-05-23.txt",
        262,
        262,
    ),
    ("gokb_journals.cambridge.org_AllTitles_2015-07-14.txt", 468, 466),  # test ISSNs 7777-7777 ...
    ("bad/gokb_CambridgeBooks_EdinburghUniversityPress.tsv", 369, 369),  # UTF-16
    ("bad/gokb_AnnualReviews_SciencesCollection34_2011-04-27.txt", 47, 46),  # CR only; one bad ISSN
    ("bad/gokb_test_validation_serials_errors.txt", 1, 0),
    ("bad/gokb_test_validation_monographs_errors.txt", 1, 0),
    ("bad/kbart2kafka_fichierTest.tsv", 7, 3),
    ("bad/chocula_kbart_Portico.txt", 23, 0),  # no access_type at all; two rows shifted
]


@pytest.mark.shared_data
@pytest.mark.skipif(SHARED is None or not (SHARED / "eresources/kbart").is_dir(), reason="no ../shared/data")
@pytest.mark.parametrize(("name", "rows", "good"), REAL)
def test_the_real_lists(name, rows, good):
    path = SHARED / "eresources/kbart" / name
    parsed = read_kbart(path.read_bytes(), path.name)
    assert (parsed.rows_read, len(parsed.titles)) == (rows, good)
    assert len(parsed.rejected_lines) == rows - good
    assert all(str(error).startswith(f"{path.name}, line ") for error in parsed.errors)


@pytest.mark.shared_data
@pytest.mark.skipif(SHARED is None or not (SHARED / "eresources/kbart").is_dir(), reason="no ../shared/data")
def test_the_named_errors_of_the_bad_lists():
    bad = SHARED / "eresources/kbart/bad"
    serials = read_kbart((bad / "gokb_test_validation_serials_errors.txt").read_bytes(), "s.txt")
    assert [(e.line, e.column) for e in serials.errors] == [(2, "online_identifier"), (2, "access_type")]
    monographs = read_kbart((bad / "gokb_test_validation_monographs_errors.txt").read_bytes(), "m.txt")
    assert [(e.line, e.column) for e in monographs.errors] == [(2, "online_identifier"), (2, "access_type")]
    portico = read_kbart((bad / "chocula_kbart_Portico.txt").read_bytes(), "p.txt")
    shifted = [e for e in portico.errors if "columns shifted?" in e.message]
    assert [(e.line, e.column) for e in shifted] == [(2, "publication_title"), (3, "publication_title")]
    kafka = read_kbart((bad / "kbart2kafka_fichierTest.tsv").read_bytes(), "k.tsv")
    assert any("24 fields where the header has 25" in e.message for e in kafka.errors)
