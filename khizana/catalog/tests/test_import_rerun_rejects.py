"""An import stopped half-way and run again leaves the rejects of one uninterrupted run, not of both."""

from __future__ import annotations

import pytest

from khizana.catalog.formats import read_records
from khizana.catalog.models import ImportReject, ImportRun
from khizana.catalog.records import RejectedRecord
from khizana.catalog.services import import_file
from khizana.testing import make_library

from .reject_files import file_with_rejects

BATCH = 25


class Killed(BaseException):
    """Stands for SIGKILL: not an Exception, so the import cannot mark its run failed."""


@pytest.fixture
def lot(tmp_path, settings):
    settings.KHIZANA_IMPORT_WORKERS = 1
    return file_with_rejects(tmp_path / "lot.mrc", every=2)


def killed_after(batches: int):
    calls = []

    def progress(offset: int) -> None:
        calls.append(offset)
        if len(calls) == batches:
            raise Killed

    return progress


def rejects(library) -> list[tuple]:
    found = ImportReject.objects.filter(run__library=library).order_by("number")
    return list(found.values_list("number", "offset", "local_id", "reason", "raw"))


def interrupted_import(library, path, batches: int = 4) -> ImportRun:
    with pytest.raises(Killed):
        import_file(library, path, batch_size=BATCH, progress=killed_after(batches), cluster=False)
    return ImportRun.objects.get(library=library, status=ImportRun.Status.RUNNING)


def test_rerun_after_a_kill_has_the_rejects_of_one_clean_run(db, lot):
    _, read = read_records(lot.read_bytes(), lot.name)
    expected = sum(isinstance(item, RejectedRecord) for item in read)
    assert expected == 228
    reference = make_library("REF")
    clean = import_file(reference, lot, batch_size=BATCH, cluster=False)
    assert clean.records_rejected == len(rejects(reference)) == expected

    library = make_library("KIL")
    first = interrupted_import(library, lot)
    assert 0 < len(rejects(library)) < expected
    rerun = import_file(library, lot, batch_size=BATCH, cluster=False)
    assert rerun.status == ImportRun.Status.FINISHED and rerun.records_rejected == expected
    assert [row[:4] for row in rejects(library)] == [row[:4] for row in rejects(reference)]
    assert rejects(library) == rejects(reference)  # the bytes too
    first.refresh_from_db()
    assert first.status == ImportRun.Status.INTERRUPTED
    assert (first.records_rejected, first.rejects.count()) == (0, 0)
    assert f"listed by import run {rerun.pk}" in first.error


def test_every_unfinished_run_of_the_file_is_superseded_and_a_finished_one_is_kept(db, lot, tmp_path):
    library = make_library("KIL")
    interrupted_import(library, lot, batches=2)
    interrupted_import(library, lot, batches=5)  # killed again, during the rerun
    finished = import_file(library, lot, batch_size=BATCH, cluster=False)
    assert len(rejects(library)) == finished.records_rejected == 228
    assert ImportReject.objects.exclude(run=finished).count() == 0
    # Another file's unfinished run keeps its rejects; a finished run's rejects are its complete report.
    other = file_with_rejects(tmp_path / "other.mrc", every=3)
    other_run = interrupted_import(library, other, batches=3)
    kept = other_run.rejects.count()
    again = import_file(library, lot, batch_size=BATCH, cluster=False)
    assert other_run.rejects.count() == kept > 0
    assert finished.rejects.count() == again.rejects.count() == 228
