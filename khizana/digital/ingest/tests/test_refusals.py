"""Every unsafe EPUB is refused with its reason through each door: the staff upload, ``khizana digital
add`` and ``khizana digital import`` (which goes on with the next file and lists the refused one).

A refusal that names a ZIP entry passes the parameter ``name`` on to :class:`IngestError`, whose own first
argument is also ``name``: they must not collide (they once raised a TypeError: a 500, a traceback, an
import that stopped at the same file on every run).
"""

from __future__ import annotations

import ast
import csv
import html
import io
import re
import shutil
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connections
from django.utils import translation

from khizana.accounts.models import Role
from khizana.cli import main as khizana
from khizana.digital.ingest import formats
from khizana.digital.ingest import services as ingest
from khizana.digital.ingest.formats import RefusedFile
from khizana.digital.ingest.services import IngestError
from khizana.digital.ingest.tests.bad_archives import BAD_ARCHIVES, BadArchive
from khizana.digital.ingest.tests.ingest_support import ISBN, PDF, RTL_EPUB, make_catalog, stored_files
from khizana.digital.models import DigitalItem
from khizana.testing import make_user

URL = "/staff/digital/"
kinds = pytest.mark.parametrize("bad", BAD_ARCHIVES, ids=lambda bad: bad.kind)


@pytest.fixture
def catalog(db, settings, tmp_path):
    settings.KHIZANA_DIGITAL_STORE = tmp_path / "store"
    settings.KHIZANA_EPUBCHECK = ""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield make_catalog()


def build(bad: BadArchive, folder: Path, name: str = "bad.epub") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return bad.build(folder / name)


# --- the errors themselves --------------------------------------------------------------------------


def test_any_parameter_name_is_allowed_in_a_refusal():
    refused = RefusedFile("%(name)s %(template)s", name="a", template="b")
    error = IngestError.refused("book.epub", refused)
    assert (error.name, error.template, error.params) == (
        "book.epub",
        "%(name)s %(template)s",
        refused.params,
    )
    assert error.message() == "book.epub: a b"
    assert IngestError("x", "%(name)s", name="y").message() == "x: y"


def _constructions(path: Path):
    """(line, template, keyword names) of every RefusedFile(...) / IngestError(...) call in ``path``
    whose template is written there (``gettext_noop("...")``)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in {"RefusedFile", "IngestError"}:
            templates = [
                arg.args[0]
                for arg in node.args
                if isinstance(arg, ast.Call) and getattr(arg.func, "id", "") == "gettext_noop"
            ]
            if templates and isinstance(templates[0], ast.Constant):
                yield node.lineno, templates[0].value, {k.arg for k in node.keywords}


@pytest.mark.parametrize("module", [formats, ingest], ids=lambda module: module.__name__)
def test_every_refusal_passes_exactly_the_parameters_its_template_names(module):
    found = list(_constructions(Path(module.__file__)))
    assert len(found) >= {formats: 35, ingest: 17}[module]  # every one of them
    for line, template, keywords in found:
        assert set(re.findall(r"%\((\w+)\)", template)) == keywords, f"line {line}: {template}"


def test_an_entry_name_is_shown_as_it_is_the_reason_is_translated(catalog):
    # "absolute path" is a msgid: as the problem it is translated, as an entry name it is not.
    template = formats.gettext_noop(
        "unsafe entry name %(name)r in the ZIP archive: %(problem)s (path traversal)"
    )
    error = IngestError("f.epub", template, name="absolute path", problem=formats.unsafe_name("/x"))
    with translation.override("fr"):
        assert error.message() == (
            "f.epub: nom d'entrée dangereux 'absolute path' dans l'archive ZIP : chemin absolu "
            "(traversée de chemin)"
        )


# --- door 1: the staff upload ---------------------------------------------------------------------


def upload(client, library, path: Path, language: str = "en"):
    data = {"library": library.pk, "record": ISBN, "access": "members", "label": "", "rights": ""}
    data["files"] = SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/epub+zip")
    return client.post(URL, data, HTTP_ACCEPT_LANGUAGE=language)


@kinds
def test_staff_upload_explains_the_refusal(client, catalog, settings, tmp_path, bad):
    client.force_login(make_user("cat", Role.CATALOGUER, catalog.library_a))
    response = upload(client, catalog.library_a, build(bad, tmp_path / "in"))
    assert response.status_code == 400
    assert response.context["errors"] == [f"bad.epub: {bad.reason}"]
    assert html.escape(f"bad.epub: {bad.reason}") in response.content.decode()
    assert not DigitalItem.objects.exists()
    assert stored_files(Path(settings.KHIZANA_DIGITAL_STORE)) == []


def test_staff_upload_refusal_is_translated(client, catalog, tmp_path):
    client.force_login(make_user("cat", Role.CATALOGUER, catalog.library_a))
    symlink = next(bad for bad in BAD_ARCHIVES if bad.kind == "symlink")
    response = upload(client, catalog.library_a, build(symlink, tmp_path / "in"), language="fr")
    assert response.context["errors"] == ["bad.epub: lien symbolique 'EPUB/link.xhtml' dans l'archive ZIP"]
    traversal = next(bad for bad in BAD_ARCHIVES if bad.kind == "parent-folder")
    response = upload(client, catalog.library_a, build(traversal, tmp_path / "in"), language="fr")
    assert response.context["errors"] == [
        "bad.epub: nom d'entrée dangereux '../x' dans l'archive ZIP : dossier parent (..) dans le chemin "
        "(traversée de chemin)"
    ]


# --- door 2: khizana digital add --------------------------------------------------------------------


@pytest.fixture
def command_line(monkeypatch):
    """``khizana ...`` in this process, as the console script runs it: (exit code, stdout, stderr)."""
    # The command closes the connections when it ends: the test's transaction must outlive it.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(capsys, *args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            khizana(list(args))
            code = 0
        except SystemExit as stop:
            code = stop.code
        out, err = capsys.readouterr()
        return code, out, err

    return run


@kinds
def test_add_command_refuses_with_a_message_and_an_exit_code(catalog, tmp_path, command_line, capsys, bad):
    path = build(bad, tmp_path / "in")
    code, out, err = command_line(
        capsys, "digital", "add", f"isbn:{ISBN}", str(path), str(PDF), "--library", "LIBA"
    )
    assert code == 1
    assert f"refused: {path}: {bad.reason}" in err
    assert "CommandError: 1 file(s) refused" in err
    assert "Traceback" not in out + err
    assert "(pdf, 1 pages" in out  # the good file after it was added
    assert list(DigitalItem.objects.values_list("kind", flat=True)) == ["pdf"]


# --- door 3: khizana digital import FOLDER --map --------------------------------------------------


def write_map(folder: Path, bad_files: list[str]) -> Path:
    rows = [["file", "isbn", "library"], ["habibi.pdf", ISBN, "LIBA"]]
    rows += [[name, ISBN, "LIBA"] for name in bad_files]
    rows += [["rtl.epub", ISBN, "LIBA"]]
    with open(folder / "map.csv", "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return folder / "map.csv"


def import_folder(folder: Path, report: Path) -> str:
    out = io.StringIO()
    call_command(
        "digital",
        "import",
        str(folder),
        "--map",
        str(folder / "map.csv"),
        "--report",
        str(report),
        "--no-progress",
        stdout=out,
        stderr=out,
    )
    return out.getvalue()


def refused_rows(report: Path) -> list[tuple[str, str, str]]:
    with open(report, newline="", encoding="utf-8") as handle:
        return [(row["line"], row["file"], row["reason"]) for row in csv.DictReader(handle)]


@kinds
def test_import_lists_the_refused_file_and_goes_on(catalog, tmp_path, bad):
    folder = tmp_path / "incoming"
    build(bad, folder)
    shutil.copy(PDF, folder / "habibi.pdf")
    shutil.copy(RTL_EPUB, folder / "rtl.epub")
    write_map(folder, ["bad.epub"])
    report = tmp_path / "refused.csv"
    output = import_folder(folder, report)
    assert "2 added, 0 skipped (already there), 1 refused" in output
    assert refused_rows(report) == [("3", "bad.epub", f"bad.epub: {bad.reason}")]
    assert sorted(DigitalItem.objects.values_list("kind", flat=True)) == ["epub", "pdf"]
    # Run again: the refused file does not stop it either, and is listed again.
    output = import_folder(folder, report)
    assert "0 added, 2 skipped (already there), 1 refused" in output
    assert refused_rows(report) == [("3", "bad.epub", f"bad.epub: {bad.reason}")]


def test_import_of_every_kind_at_once_refuses_each(catalog, tmp_path):
    folder = tmp_path / "incoming"
    names = [build(bad, folder, f"{bad.kind}.epub").name for bad in BAD_ARCHIVES]
    shutil.copy(PDF, folder / "habibi.pdf")
    shutil.copy(RTL_EPUB, folder / "rtl.epub")
    write_map(folder, names)
    report = tmp_path / "refused.csv"
    output = import_folder(folder, report)
    assert f"2 added, 0 skipped (already there), {len(BAD_ARCHIVES)} refused" in output
    assert refused_rows(report) == [
        (str(line), f"{bad.kind}.epub", f"{bad.kind}.epub: {bad.reason}")
        for line, bad in enumerate(BAD_ARCHIVES, start=3)
    ]


def test_an_unexpected_fault_with_one_file_is_reported_and_the_import_goes_on(catalog, tmp_path, monkeypatch):
    folder = tmp_path / "incoming"
    folder.mkdir()
    shutil.copy(PDF, folder / "habibi.pdf")
    shutil.copy(RTL_EPUB, folder / "broken.epub")
    shutil.copy(RTL_EPUB, folder / "rtl.epub")
    write_map(folder, ["broken.epub"])
    real = formats.check_epub

    def faulty(path, **options):
        if faulty.calls == 0:
            faulty.calls += 1
            raise TypeError("a bug")
        return real(path, **options)

    faulty.calls = 0
    monkeypatch.setattr(formats, "check_epub", faulty)
    report = tmp_path / "refused.csv"
    output = import_folder(folder, report)
    assert "2 added, 0 skipped (already there), 1 refused" in output
    assert refused_rows(report) == [
        ("3", "broken.epub", "broken.epub: unexpected error (TypeError); see the log")
    ]
