"""delete_records: deleting records by local id without touching the bytes the library sent."""

import pytest

from khizana.catalog.models import Holding, ImportRun, SourceRecord, Work
from khizana.catalog.services import delete_records, import_bytes, import_file
from khizana.search import services as search
from khizana.search.models import IndexQueue
from khizana.testing import DEMO, make_library

AUSTEN = DEMO / "records" / "UM5" / "marc4j_pride-and-prejudice-subset.mrc"
AUSTEN_OTHER = DEMO / "records" / "BPLPO" / "marc4j_pride-and-prejudice-subset.mrc"
FRENCH = DEMO / "records" / "UM5" / "evergreen_lul_fre_500-subset.mrc"


@pytest.fixture
def two_libraries(db):
    um5, oran = make_library("UM5"), make_library("BPLPO")
    import_file(um5, AUSTEN)
    import_file(oran, AUSTEN_OTHER)
    return um5, oran


def shared_work(um5, oran) -> Work:
    """A work made of exactly one record of each library, the BPLPO one with holdings."""
    for work in Work.objects.filter(library_count=2, record_count=2).order_by("id"):
        codes = sorted(work.records.values_list("library__code", flat=True))
        if codes == ["BPLPO", "UM5"] and work.records.get(library=oran).holdings.exists():
            return work
    raise AssertionError("no work held by both libraries")


def test_a_deleted_record_keeps_the_bytes_the_library_sent(library_a):
    import_file(library_a, AUSTEN)
    record = SourceRecord.objects.filter(library=library_a, holdings__isnull=False).first()
    original, checksum, fields = bytes(record.raw), record.checksum, record.fields
    run = ImportRun.objects.get(library=library_a)

    result = delete_records(library_a, [record.local_id], reason="test", run=run)

    assert result.deleted == [record.local_id] and not result.unknown and int(result) == 1
    record.refresh_from_db()
    assert record.deleted and record.deleted_at and record.work_id is None
    assert bytes(record.raw) == original and record.checksum == checksum and record.fields == fields
    assert record.import_run_id == run.id  # the bytes still come from that file
    [version] = record.versions.all()  # the history: the live state before the deletion
    assert bytes(version.raw) == original and version.checksum == checksum and not version.deleted
    assert version.import_run_id == run.id
    assert not Holding.objects.filter(record=record).exists()
    assert not record.match_keys.exists()
    run.refresh_from_db()
    assert run.records_deleted == 1


def test_a_work_held_by_two_libraries_keeps_the_other_librarys_holding(two_libraries):
    um5, oran = two_libraries
    work = shared_work(um5, oran)
    gone = work.records.get(library=um5)
    kept = work.records.get(library=oran)
    kept_holdings = list(kept.holdings.values_list("id", flat=True))

    delete_records(um5, [gone.local_id])

    work.refresh_from_db()
    kept.refresh_from_db()
    gone.refresh_from_db()
    assert gone.deleted and gone.work_id is None
    assert kept.work_id == work.id and not kept.deleted
    assert (work.libraries, work.library_count, work.record_count) == (["BPLPO"], 1, 1)
    assert kept_holdings and list(kept.holdings.values_list("id", flat=True)) == kept_holdings
    assert IndexQueue.objects.filter(work_id=work.id).exists()  # the index is told, in the transaction


def test_a_work_whose_only_record_is_deleted_leaves_search(library_a, django_capture_on_commit_callbacks):
    import_file(library_a, FRENCH)
    search.rebuild_index()
    record = SourceRecord.objects.filter(library=library_a, work__record_count=1).exclude(title="").first()
    work_id = record.work_id
    assert work_id in found_by_title(record)

    with django_capture_on_commit_callbacks(execute=True):
        delete_records(library_a, [record.local_id])

    assert not Work.objects.filter(pk=work_id).exists()
    assert work_id not in found_by_title(record)
    assert not IndexQueue.objects.exists()


def found_by_title(record: SourceRecord) -> list[int]:
    words = " ".join(record.title.split()[:4])
    return [hit.work_id for hit in search.search(f'title:"{words}"', page_size=100).hits]


def test_deleting_twice_is_harmless_and_unknown_ids_are_reported(two_libraries):
    um5, _ = two_libraries
    record = SourceRecord.objects.filter(library=um5).first()
    first = delete_records(um5, [record.local_id, "no-such-record"])
    assert first.deleted == [record.local_id] and first.unknown == ["no-such-record"]
    before = SourceRecord.objects.get(pk=record.pk)
    works = sorted(Work.objects.values_list("id", "record_count", "libraries"))
    run = ImportRun.objects.filter(library=um5).first()
    unchanged = run.records_unchanged

    again = delete_records(um5, [record.local_id, record.local_id], run=run)

    assert again.deleted == [] and again.already_deleted == [record.local_id] and int(again) == 0
    after = SourceRecord.objects.get(pk=record.pk)
    assert (after.deleted_at, after.updated_at, bytes(after.raw)) == (
        before.deleted_at,
        before.updated_at,
        bytes(before.raw),
    )
    assert after.versions.count() == 1
    assert sorted(Work.objects.values_list("id", "record_count", "libraries")) == works
    run.refresh_from_db()
    assert run.records_deleted == 0 and run.records_unchanged == unchanged + 1
    assert delete_records(um5, []).deleted == []


def test_the_same_bytes_sent_again_bring_a_deleted_record_back(library_a):
    import_file(library_a, FRENCH)
    record = SourceRecord.objects.filter(library=library_a).first()
    original = bytes(record.raw)
    delete_records(library_a, [record.local_id])

    run = import_bytes(library_a, original, "again.mrc")

    assert (run.records_updated, run.records_unchanged) == (1, 0)
    record.refresh_from_db()
    assert not record.deleted and record.deleted_at is None and record.work_id is not None
    assert bytes(record.raw) == original
    assert [v.deleted for v in record.versions.order_by("id")] == [False, True]


def test_without_clustering_the_records_wait_for_recluster_dirty(two_libraries):
    from khizana.catalog import clustering

    um5, oran = two_libraries
    work = shared_work(um5, oran)
    gone = work.records.get(library=um5)

    delete_records(um5, [gone.local_id], cluster=False)  # as the harvester does, page by page

    gone.refresh_from_db()
    assert gone.deleted and gone.cluster_dirty and gone.work_id == work.id  # still there until ...
    clustering.recluster_dirty()  # ... the harvest's one re-clustering at its end
    gone.refresh_from_db()
    work.refresh_from_db()
    assert gone.work_id is None and not gone.cluster_dirty
    assert (work.libraries, work.library_count, work.record_count) == (["BPLPO"], 1, 1)
