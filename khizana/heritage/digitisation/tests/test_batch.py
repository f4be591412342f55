"""Bulk import of a delivered batch (folder or ZIP, manifest CSV, real page images): the items become
"scanned", every problem is told at once and nothing is written when there is one; the command line."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from khizana.accounts.models import Role
from khizana.heritage.digitisation import chain, services
from khizana.heritage.digitisation.models import Event, ScanPage
from khizana.heritage.digitisation.tests.support import (
    DEMO_IMAGES,
    ibn_athir,
    import_records,
    make_round,
    marc21,
    page_images,
    prepared_item,
    write_batch,
)
from khizana.testing import make_library, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def folders(settings, tmp_path):
    settings.KHIZANA_DIGITISATION_STAGING = tmp_path / "staging"
    settings.KHIZANA_DIGITAL_STORE = tmp_path / "store"
    return tmp_path


@pytest.fixture
def library():
    return make_library("BNRM", country="MA")


@pytest.fixture
def cataloguer(library):
    return make_user("cat-bnrm", Role.CATALOGUER, library)


def staged_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_a_batch_makes_its_items_scanned(library, cataloguer, folders):
    chosen = make_round()
    item = prepared_item(ibn_athir(library), chosen, cataloguer)
    pages = page_images(3)
    batch = write_batch(folders / "batch", {str(item.pk): pages})
    result = services.import_batch(cataloguer, batch, chosen.pk, library)
    assert [each.pk for each in result.items] == [item.pk] and result.pages == 3
    item.refresh_from_db()
    assert item.step == chain.SCANNED
    rows = list(ScanPage.objects.filter(item=item))
    assert [(row.sequence, row.label) for row in rows] == [(1, "p. 1"), (2, "p. 2"), (3, "p. 3")]
    assert all(
        (folders / "staging" / row.staged).read_bytes() == pages[n].read_bytes() for n, row in enumerate(rows)
    )
    event = Event.objects.filter(item=item).last()
    assert (event.step, event.library, event.user) == (chain.SCANNED, library, cataloguer)
    assert "3 pages" in event.note


def test_record_keys_and_whole_folders(library, cataloguer, folders):
    import_records(library, marc21("OLD-1", "Old book", author="A", dates="1800-1850"))
    chosen = make_round()
    item = prepared_item(ibn_athir(library), chosen, cataloguer)
    batch = folders / "batch"
    (batch / "kamil").mkdir(parents=True)
    for n, page in enumerate(page_images(2), start=1):
        (batch / "kamil" / f"{n}{page.suffix}").write_bytes(page.read_bytes())
    (batch / "manifest.csv").write_text("record,folder\nlocal:KAMIL-1,kamil\n")
    result = services.import_batch(None, batch, chosen.pk, library)
    assert result.items[0].pk == item.pk and result.pages == 2


def test_every_problem_is_told_and_nothing_is_written(library, cataloguer, folders):
    chosen = make_round()
    good = prepared_item(ibn_athir(library), chosen, cataloguer)
    import_records(library, marc21("OLD-1", "Old", author="A", dates="1800-1850"))
    not_prepared = services.select(
        cataloguer, chosen.pk, services.propose(cataloguer, "local:OLD-1", library).pk
    )
    batch = write_batch(
        folders / "batch", {str(good.pk): page_images(2), str(not_prepared.pk): page_images(1)}
    )
    fake = batch / f"f-{good.pk}" / "page-002.png"
    fake.write_bytes(b"%PDF-1.4 not an image")
    with open(batch / "manifest.csv", "a") as manifest:
        manifest.write(f"{good.pk},f-{good.pk},missing.png,3,\n9999,nowhere,x.png,1,\n")
    with pytest.raises(services.BatchRefused) as refused:
        services.import_batch(cataloguer, batch, chosen.pk, library)
    errors = "\n".join(refused.value.errors)
    assert "page-002.png" in errors  # the fake image, named
    assert "missing.png: no such file" in errors
    assert f"item {not_prepared.pk} is at step selected" in errors
    assert "item 9999 is not in the round" in errors
    assert not ScanPage.objects.exists()
    good.refresh_from_db()
    assert good.step == chain.PREPARED and not staged_files(folders / "staging")


def test_bad_manifests_and_other_libraries(library, cataloguer, folders):
    chosen = make_round()
    item = prepared_item(ibn_athir(library), chosen, cataloguer)
    batch = folders / "batch"
    batch.mkdir()
    with pytest.raises(services.DigitisationError, match=r"manifest\.csv: cannot be read"):
        services.import_batch(cataloguer, batch, chosen.pk, library)
    (batch / "manifest.csv").write_text("identifier;dossier\n1;a\n")
    with pytest.raises(services.BatchRefused) as refused:
        services.import_batch(cataloguer, batch, chosen.pk, library)
    assert "needs a 'folder' column" in refused.value.errors[0]
    write_batch(batch, {f"{item.pk}": page_images(1)})
    other = make_library("BNA", country="DZ")
    with pytest.raises(services.BatchRefused) as refused:
        services.import_batch(None, batch, chosen.pk, other)
    assert "digitised by another library" in refused.value.errors[0]
    with pytest.raises(PermissionDenied):
        services.import_batch(make_user("cat-bna", Role.CATALOGUER, other), batch, chosen.pk, library)
    (batch / "manifest.csv").write_text(f"item,folder,file\n{item.pk},../../etc,passwd\n")
    with pytest.raises(services.BatchRefused) as refused:
        services.import_batch(cataloguer, batch, chosen.pk, library)
    assert "no such folder" in refused.value.errors[0]


def test_a_refused_quality_check_means_a_new_scan(library, cataloguer, folders):
    chosen = make_round()
    item = prepared_item(ibn_athir(library), chosen, cataloguer)
    services.import_batch(
        cataloguer, write_batch(folders / "first", {str(item.pk): page_images(2)}), chosen.pk, library
    )
    first = staged_files(folders / "staging")
    services.move(cataloguer, item.pk, chain.PREPARED, "page 2 blurred")
    demo = sorted(DEMO_IMAGES.glob("*.png"))
    services.import_batch(
        cataloguer, write_batch(folders / "second", {str(item.pk): demo * 3}), chosen.pk, library
    )
    assert ScanPage.objects.filter(item=item).count() == 3
    steps = list(Event.objects.filter(item=item).values_list("step", "back"))
    assert steps[-3:] == [(chain.SCANNED, False), (chain.PREPARED, True), (chain.SCANNED, False)]
    # the first delivery's files go once the second is committed (on commit: not run inside this test's
    # transaction, so they are still there; the new pages are in their own folder)
    assert len(staged_files(folders / "staging")) == len(first) + 3


def test_zip_batch_refuses_entries_outside(library, cataloguer, folders):
    chosen = make_round()
    item = prepared_item(ibn_athir(library), chosen, cataloguer)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../evil.png", b"x")
        archive.writestr("manifest.csv", f"item,folder\n{item.pk},a\n")
    buffer.seek(0)
    buffer.name = "evil.zip"
    with pytest.raises(services.DigitisationError, match="outside the batch"):
        services.import_zip(cataloguer, buffer, chosen.pk, library)
    with pytest.raises(services.DigitisationError, match="not a readable ZIP"):
        services.import_zip(cataloguer, io.BytesIO(b"PK\x03\x04 broken"), chosen.pk, library)


def test_command_imports_a_batch(library, cataloguer, folders):
    chosen = make_round("Round 2026")
    item = prepared_item(ibn_athir(library), chosen, cataloguer)
    batch = write_batch(folders / "batch", {str(item.pk): page_images(2)})
    out = io.StringIO()
    call_command(
        "digitisation", "import-batch", str(batch), "--round", "Round 2026", "--library", "BNRM", stdout=out
    )
    assert "1 items scanned, 2 pages" in out.getvalue()
    with pytest.raises(CommandError, match="no selection round"):
        call_command("digitisation", "import-batch", str(batch), "--round", "nope", "--library", "BNRM")
    with pytest.raises(CommandError, match="no library"):
        call_command("digitisation", "import-batch", str(batch), "--round", "Round 2026", "--library", "XX")
    errors = io.StringIO()
    with pytest.raises(CommandError, match="not imported"):  # the item is scanned already
        call_command(
            "digitisation",
            "import-batch",
            str(batch),
            "--round",
            "Round 2026",
            "--library",
            "BNRM",
            stderr=errors,
        )
    assert "at step scanned" in errors.getvalue()


def checked_item(library, cataloguer, folders):
    chosen = make_round()
    item = prepared_item(ibn_athir(library), chosen, cataloguer)
    services.import_batch(
        cataloguer, write_batch(folders / "batch", {str(item.pk): page_images(2)}), chosen.pk, library
    )
    return services.move(cataloguer, item.pk, chain.QUALITY_CHECKED)


def test_ocr_failure_is_told_and_writes_nothing(library, cataloguer, folders):
    from khizana.digital.fulltext import ocr

    item = checked_item(library, cataloguer, folders)

    def broken(path, languages):
        raise ocr.OcrError(f"{path.name}: unreadable")

    with pytest.raises(services.DigitisationError, match="OCR failed: 00001"):
        services.run_ocr(cataloguer, item.pk, recognise=broken)
    item.refresh_from_db()
    assert item.step == chain.QUALITY_CHECKED and not ScanPage.objects.exclude(text="").exists()
    with pytest.raises(PermissionDenied):
        services.run_ocr(make_user("cat-bna", Role.CATALOGUER, make_library("BNA")), item.pk)


def test_without_tesseract_the_step_is_recorded_with_a_note(library, cataloguer, folders, monkeypatch):
    from khizana.digital.fulltext import ocr

    item = checked_item(library, cataloguer, folders)
    monkeypatch.setattr(ocr, "tesseract_available", lambda: False)  # a server without the OCR engine
    services.run_ocr(cataloguer, item.pk)
    item.refresh_from_db()
    assert item.step == chain.OCR and "no OCR engine" in item.events.last().note
