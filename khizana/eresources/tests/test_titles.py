"""Loading KBART title lists into a package: full and add-only loads, the command, lookups."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils.translation import override

from khizana.eresources.kbart import COLUMNS, KbartFileError
from khizana.eresources.models import PackageTitle
from khizana.eresources.services import load_titles, titles_for_identifiers

from .factories import make_resource

DATA = Path(__file__).parent / "data"
HEADER = "\t".join(COLUMNS)


def kbart(*rows) -> bytes:
    lines = [HEADER]
    for title, issn in rows:
        values = {"publication_title": title, "online_identifier": issn, "title_url": "https://x.example/"}
        values.update(publication_type="serial", access_type="P")
        lines.append("\t".join(values.get(name, "") for name in COLUMNS))
    return "\n".join(lines).encode()


@pytest.fixture(autouse=True)
def _english(settings):
    """The reports are asserted in English."""
    settings.LANGUAGE_CODE = "en"
    with override("en"):
        yield


@pytest.fixture
def cairn(db):
    return make_resource("cairn", kind="journal_package")


def test_full_load_replaces_and_add_only_adds(cairn):
    report = load_titles(None, cairn, (DATA / "cairn_journals.txt").read_bytes(), "cairn_journals.txt")
    assert (report.rows_read, report.added, report.removed, report.rejected_rows) == (3, 3, 0, 0)
    again = load_titles(None, cairn, kbart(("Revue A", "1960-6176"), ("Revue B", "2253-073X")), "b.txt")
    assert (again.added, again.removed, again.rejected_rows) == (1, 3, 1)
    assert again.errors == [
        "b.txt, line 3, column online_identifier: '2253-073X' is not a valid ISSN "
        "(The number's checksum or check digit is invalid.)"
    ]
    more = load_titles(
        None, cairn, kbart(("Revue A", "1960-6176"), ("Revue C", "2253-0738")), "c.txt", add_only=True
    )
    assert (more.added, more.removed, more.already_there) == (1, 0, 1)
    assert sorted(PackageTitle.objects.values_list("publication_title", flat=True)) == ["Revue A", "Revue C"]
    assert "1 titles added" in more.summary()


def test_a_file_that_is_not_kbart_writes_nothing(cairn):
    load_titles(None, cairn, kbart(("Revue A", "1960-6176")), "a.txt")
    with pytest.raises(KbartFileError):
        load_titles(None, cairn, b"title;issn\nA;1\n", "bad.csv")
    assert PackageTitle.objects.count() == 1


def test_lookup_by_any_form_of_the_identifier_in_one_query(cairn, django_assert_num_queries):
    load_titles(None, cairn, (DATA / "cairn_journals.txt").read_bytes(), "cairn_journals.txt")
    with django_assert_num_queries(1):
        found = titles_for_identifiers(["17623162", "not an issn", ""])
    assert [(t.publication_title, t.resource.code) for t in found] == [("Maghreb - Machrek", "cairn")]
    assert titles_for_identifiers([]) == []


def test_the_command(cairn, capsys, tmp_path):
    call_command("eresources", "load-kbart", "cairn", str(DATA / "cairn_journals.txt"))
    assert "3 rows read, 3 titles added" in capsys.readouterr().out
    bad = tmp_path / "bad.txt"
    bad.write_bytes(kbart(("Revue B", "2253-073X")))
    call_command("eresources", "load-kbart", "cairn", str(bad), "--add-only")
    out = capsys.readouterr()
    assert "bad.txt, line 2, column online_identifier" in out.err
    assert "0 titles added, 0 removed, 0 already in the list, 1 rows rejected" in out.out
    with pytest.raises(CommandError, match="No resource with the code 'nope'"):
        call_command("eresources", "load-kbart", "nope", str(bad))
    with pytest.raises(CommandError, match="not a KBART header"):
        bad.write_bytes(b"a\tb\n")
        call_command("eresources", "load-kbart", "cairn", str(bad))
    assert PackageTitle.objects.count() == 3


def test_the_demo_loads_twice_without_duplicates(db, capsys):
    from khizana.eresources.models import Agreement, FreeListEntry, Resource
    from khizana.testing import make_library

    make_library("UM5")
    call_command("eresources", "demo")
    call_command("eresources", "demo")
    out = capsys.readouterr().out
    assert "cairn_journals_kbart.txt: 41 rows read, 41 titles added, 41 removed" in out
    assert Resource.objects.count() == 5 and Agreement.objects.count() == 1
    assert PackageTitle.objects.count() == 41 + 34
    assert FreeListEntry.objects.count() == 5
    assert list(Agreement.objects.get().rules.get().libraries.values_list("code", flat=True)) == ["UM5"]


@pytest.mark.shared_data
def test_real_lists_through_the_command(cairn, capsys):
    from khizana.testing import shared_data_dir

    shared = shared_data_dir()
    if shared is None or not (shared / "eresources/kbart").is_dir():
        pytest.skip("no ../shared/data/eresources")
    kbart_dir = shared / "eresources/kbart"
    call_command(
        "eresources",
        "load-kbart",
        "cairn",
        str(kbart_dir / "ezpaarse_CAIRN_GLOBAL_ALLJOURNALS_2026-03-23.txt"),
    )
    out = capsys.readouterr()
    assert "768 rows read, 767 titles added, 0 removed, 0 already in the list, 1 rows rejected" in out.out
    assert "ezpaarse_CAIRN_GLOBAL_ALLJOURNALS_2026-03-23.txt, line 540, column print_identifier" in out.err
    # The UTF-16 twin of a list, added to it: nothing new.
    utf16 = kbart_dir / "bad/gokb_CambridgeBooks_EdinburghUniversityPress.tsv"
    call_command(
        "eresources",
        "load-kbart",
        "cairn",
        str(kbart_dir / "gokb_CambridgeBooks_EdinburghUniversityPress_utf8.tsv"),
        "--add-only",
    )
    call_command("eresources", "load-kbart", "cairn", str(utf16), "--add-only")
    out = capsys.readouterr().out
    assert "369 titles added" in out and "0 titles added, 0 removed, 369 already in the list" in out
    assert PackageTitle.objects.filter(resource=cairn).count() == 767 + 369
    maghreb = titles_for_identifiers(["1762-3162"])
    assert [t.publication_title for t in maghreb] == ["Maghreb - Machrek"]
