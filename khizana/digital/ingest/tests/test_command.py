"""``khizana digital add`` and ``khizana digital import FOLDER --map MAP.csv`` (report, resume)."""

from __future__ import annotations

import csv
import io
import shutil

import pytest
from django.core.management import CommandError, call_command

from khizana.digital.ingest.tests.ingest_support import ENCRYPTED_PDF, ISBN, PDF, PNG, jpeg_page, make_catalog
from khizana.digital.models import DigitalItem, PageImage


@pytest.fixture
def catalog(db, settings, tmp_path):
    settings.KHIZANA_DIGITAL_STORE = tmp_path / "store"
    settings.KHIZANA_EPUBCHECK = ""
    return make_catalog()


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("digital", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def folder(tmp_path, catalog):
    root = tmp_path / "incoming"
    (root / "scan").mkdir(parents=True)
    shutil.copy(PDF, root / "habibi.pdf")
    shutil.copy(ENCRYPTED_PDF, root / "locked.pdf")
    shutil.copy(PNG, root / "scan" / "page-2.png")
    (root / "scan" / "page-10.jpg").write_bytes(jpeg_page())
    (tmp_path / "secret.pdf").write_bytes(PDF.read_bytes())
    rows = [
        ["file", "isbn", "local_id", "work", "library", "access", "label", "rights"],
        ["habibi.pdf", "978-977-7185-90-5", "", "", "LIBA", "open", "", "CC BY-SA 4.0"],
        [
            "scan",
            "",
            "REROILS:93",
            "",
            "LIBB",
            "on_site",
            "manuscrit",
            "https://rightsstatements.org/page/InC-EDU/1.0/",
        ],
        ["locked.pdf", "", "REROILS:93", "", "LIBA", "", "", ""],
        ["missing.pdf", ISBN, "", "", "LIBA", "", "", ""],
        ["habibi.pdf", "", "", "", "LIBA", "", "", ""],
        ["habibi.pdf", ISBN, "", "", "", "", "", ""],
        ["habibi.pdf", ISBN, "", "", "NOPE", "", "", ""],
        ["../secret.pdf", ISBN, "", "", "LIBA", "", "", ""],
        ["habibi.pdf", ISBN, "", "", "LIBB", "borrowed", "", ""],
        ["habibi.pdf", ISBN, "", "", "LIBB", "open", "", "all rights to the reader"],
    ]
    with open(root / "map.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return root


def test_import_adds_what_it_can_and_reports_every_refused_file(folder, tmp_path, catalog):
    report = tmp_path / "refused.csv"
    output = run(
        "import", str(folder), "--map", str(folder / "map.csv"), "--report", str(report), "--no-progress"
    )
    assert "2 added, 0 skipped (already there), 8 refused" in output
    pdf = DigitalItem.objects.get(kind="pdf")
    assert (pdf.record, pdf.access, pdf.rights) == (
        catalog.record_a,
        "open",
        "http://creativecommons.org/licenses/by-sa/4.0/",  # the code, as the controlled list's URI
    )
    scan = DigitalItem.objects.get(kind="images")
    assert (scan.record, scan.access, scan.label, scan.page_count, scan.rights) == (
        catalog.record_b,
        "on_site",
        "manuscrit",
        2,
        "http://rightsstatements.org/vocab/InC-EDU/1.0/",  # the https page, as the canonical URI
    )
    # Natural order: page-2 before page-10.
    assert list(PageImage.objects.filter(item=scan).values_list("filename", flat=True)) == [
        "page-2.png",
        "page-10.jpg",
    ]
    with open(report, newline="", encoding="utf-8") as handle:
        refused = list(csv.DictReader(handle))
    assert [(row["line"], row["file"], row["reason"]) for row in refused] == [
        ("4", "locked.pdf", "locked.pdf: encrypted PDF"),
        ("5", "missing.pdf", "missing.pdf: no such file in the folder"),
        ("6", "habibi.pdf", "no record named (work, local_id or isbn)"),
        (
            "7",
            "habibi.pdf",
            f"{ISBN}: 2 records have this ISBN (LIBA:REROILS:93, LIBB:REROILS:93): name the library",
        ),
        ("8", "habibi.pdf", "NOPE: no library has this code"),
        ("9", "../secret.pdf", "../secret.pdf: outside the folder being imported"),
        (
            "10",
            "habibi.pdf",
            "habibi.pdf: unknown access policy 'borrowed' (one of: open, members, on_site, licensed)",
        ),
        (
            "11",
            "habibi.pdf",
            "habibi.pdf: unknown rights 'all rights to the reader': give a Creative Commons or "
            "RightsStatements.org URI (e.g. http://creativecommons.org/licenses/by/4.0/) or its code "
            "(e.g. CC BY 4.0, InC-EDU, PDM)",
        ),
    ]
    assert refused[1]["record"] == f"isbn:{ISBN}"
    assert "line 5: missing.pdf: missing.pdf: no such file in the folder" in output


def test_import_run_again_skips_what_is_there(folder, catalog):
    run("import", str(folder), "--map", str(folder / "map.csv"), "--no-progress")
    output = run("import", str(folder), "--map", str(folder / "map.csv"), "--no-progress")
    assert "0 added, 2 skipped (already there), 8 refused" in output
    assert DigitalItem.objects.count() == 2


def test_import_with_a_default_library_and_a_bad_map(folder, tmp_path, catalog):
    (folder / "short.csv").write_text(f"file,isbn\nhabibi.pdf,{ISBN}\n", encoding="utf-8")
    assert "1 added" in run(
        "import", str(folder), "--map", str(folder / "short.csv"), "--library", "LIBB", "--no-progress"
    )
    assert DigitalItem.objects.get().record == catalog.record_b
    (folder / "bad.csv").write_text("name,title\nx,y\n", encoding="utf-8")
    with pytest.raises(CommandError, match="a map needs a 'file' column"):
        run("import", str(folder), "--map", str(folder / "bad.csv"))


def test_add_command(catalog, tmp_path):
    output = run("add", f"isbn:{ISBN}", str(PDF), "--library", "LIBA", "--access", "open")
    assert "item #" in output and "(pdf, 1 pages, rtl) on LIBA:REROILS:93" in output
    with pytest.raises(CommandError, match="2 records have this ISBN"):
        run("add", ISBN, str(PDF))
    with pytest.raises(CommandError, match="1 file\\(s\\) refused"):
        run("add", ISBN, str(ENCRYPTED_PDF), "--library", "LIBB")
    output = run("add", "REROILS:93", str(PNG), "--library", "LIBB", "--images")
    assert "(images, 1 pages, rtl)" in output
    assert "skipped, already item" in run("add", ISBN, str(PDF), "--library", "LIBA")


def test_add_images_from_an_empty_folder_is_refused_not_a_traceback(catalog, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(CommandError, match="1 file\\(s\\) refused"):
        run("add", "REROILS:93", str(tmp_path / "empty"), "--library", "LIBB", "--images")
    assert not DigitalItem.objects.exists()
