"""Several records with one local id in one file: the last is stored, every earlier one goes to its
history and is named, with its position, in a warning. Nothing read is lost, and a rerun adds nothing."""

from __future__ import annotations

import hashlib

import pymarc
import pytest

from khizana.catalog import services
from khizana.catalog.models import ImportRun, SourceRecord, SourceRecordVersion
from khizana.catalog.services import ImportFileError, import_bytes
from khizana.testing import DEMO

FRENCH = DEMO / "records" / "UM5" / "evergreen_lul_fre_500-subset.mrc"
LOCAL_ID = "DUP-0001"

pytestmark = pytest.mark.django_db


def _real_records(count: int, start: int = 0) -> list[pymarc.Record]:
    with FRENCH.open("rb") as handle:
        records = [r for r in pymarc.MARCReader(handle, to_unicode=True, force_utf8=False) if r]
    return records[start : start + count]


def _with_id(record: pymarc.Record, local_id: str) -> bytes:
    record.remove_fields("001")
    record.add_ordered_field(pymarc.Field(tag="001", data=local_id))
    return record.as_marc()


@pytest.fixture
def three():
    """Three different real records given one 001, and the file that holds them in that order."""
    records = [_with_id(r, LOCAL_ID) for r in _real_records(3)]
    titles = [pymarc.Record(data=r, to_unicode=True)["245"]["a"] for r in records]
    assert len(set(records)) == 3 and len(set(titles)) == 3
    offsets = [0, len(records[0]), len(records[0]) + len(records[1])]
    return records, offsets, b"".join(records)


def _state(library):
    stored = SourceRecord.objects.get(library=library, local_id=LOCAL_ID)
    history = list(
        SourceRecordVersion.objects.filter(record=stored).order_by("id").values_list("raw", "checksum")
    )
    return bytes(stored.raw), [(bytes(raw), checksum) for raw, checksum in history]


def _duplicate_warnings(stored: SourceRecord) -> list[str]:
    return [w for w in stored.warnings if w.startswith(f"local id {LOCAL_ID!r} also at record ")]


@pytest.mark.parametrize("batch_size", [None, 1, 2], ids=["one batch", "batches of 1", "batches of 2"])
def test_the_last_is_stored_and_the_earlier_ones_go_to_its_history(library_a, three, batch_size):
    records, offsets, data = three
    run = import_bytes(library_a, data, "three.mrc", batch_size=batch_size)

    assert (run.records_read, run.records_added, run.records_rejected) == (3, 1, 0)
    stored = SourceRecord.objects.get(library=library_a, local_id=LOCAL_ID)
    assert bytes(stored.raw) == records[2]
    assert (stored.source_number, stored.source_offset) == (3, offsets[2])
    assert stored.work is not None
    history = stored.versions.order_by("id")
    assert [bytes(v.raw) for v in history] == records[:2]  # in file order
    assert [v.checksum for v in history] == [hashlib.sha256(r).hexdigest() for r in records[:2]]
    assert all(v.import_run_id == run.id and not v.deleted for v in history)
    # One warning per earlier record, naming its record number and byte offset in the file.
    warnings = _duplicate_warnings(stored)
    assert len(warnings) == 2
    assert warnings[0].startswith(f"local id {LOCAL_ID!r} also at record 1 (byte 0) of this file")
    assert warnings[1].startswith(f"local id {LOCAL_ID!r} also at record 2 (byte {offsets[1]}) of this file")
    assert all("history" in w for w in warnings)
    assert run.records_with_warnings >= 1
    # Every record read is somewhere: stored or in the history.
    kept = {bytes(stored.raw), *(bytes(v.raw) for v in history)}
    assert kept == set(records)


@pytest.mark.parametrize("batch_size", [None, 1])
def test_importing_the_same_file_again_adds_nothing(library_a, three, batch_size):
    _, _, data = three
    import_bytes(library_a, data, "three.mrc", batch_size=batch_size)
    before = _state(library_a)
    again = import_bytes(library_a, data, "three.mrc", batch_size=batch_size)
    assert _state(library_a) == before
    assert (again.records_added, again.records_updated) == (0, 0)
    assert again.records_unchanged == 3 if batch_size == 1 else again.records_unchanged == 1


def test_a_killed_import_rerun_ends_as_an_uninterrupted_one(library_a, library_b, three, monkeypatch):
    _, _, data = three
    import_bytes(library_b, data, "three.mrc", batch_size=1)  # the reference

    real = services._apply_batch
    calls = []

    def dies_at_the_third_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_apply_batch", dies_at_the_third_batch)
    with pytest.raises(ImportFileError):
        import_bytes(library_a, data, "three.mrc", batch_size=1)
    monkeypatch.setattr(services, "_apply_batch", real)
    assert ImportRun.objects.filter(library=library_a, status=ImportRun.Status.FAILED).count() == 1
    assert bytes(SourceRecord.objects.get(library=library_a, local_id=LOCAL_ID).raw) == three[0][1]

    import_bytes(library_a, data, "three.mrc", batch_size=1)
    assert _state(library_a) == _state(library_b)
    stored = SourceRecord.objects.get(library=library_a, local_id=LOCAL_ID)
    assert len(_duplicate_warnings(stored)) == 2


def test_a_record_stored_before_goes_to_the_history_first(library_a, three):
    """The version stored by an earlier file, then the file's earlier records, then the last one."""
    records, _, data = three
    older = _with_id(_real_records(1, start=5)[0], LOCAL_ID)
    import_bytes(library_a, older, "older.mrc")
    run = import_bytes(library_a, data, "three.mrc")
    assert (run.records_added, run.records_updated) == (0, 1)
    stored, history = _state(library_a)
    assert stored == records[2]
    assert [raw for raw, _ in history] == [older, records[0], records[1]]


def test_the_same_bytes_twice_are_kept_once(library_a, three):
    records, offsets, _ = three
    data = records[0] + records[1] + records[0]
    import_bytes(library_a, data, "twice.mrc")
    stored, history = _state(library_a)
    assert stored == records[0]
    assert [raw for raw, _ in history] == [records[1]]  # the first copy is the stored record's bytes
    warnings = _duplicate_warnings(SourceRecord.objects.get(library=library_a, local_id=LOCAL_ID))
    assert [w.split(" of this file")[0] for w in warnings] == [
        f"local id {LOCAL_ID!r} also at record 1 (byte 0)",
        f"local id {LOCAL_ID!r} also at record 2 (byte {offsets[1]})",
    ]


def test_other_records_of_the_file_are_not_affected(library_a, three):
    records, _, data = three
    others = [r.as_marc() for r in _real_records(2, start=10)]
    run = import_bytes(library_a, others[0] + data + others[1], "mixed.mrc")
    assert (run.records_read, run.records_added) == (5, 3)
    for record in SourceRecord.objects.filter(library=library_a).exclude(local_id=LOCAL_ID):
        assert not record.versions.exists() and not any("also at record" in w for w in record.warnings)
    stored, history = _state(library_a)
    assert stored == records[2] and [raw for raw, _ in history] == records[:2]
