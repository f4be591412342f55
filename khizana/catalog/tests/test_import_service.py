"""Import into the database: storage of every record, idempotency, updates, deletions, merges."""

import hashlib
from pathlib import Path

import pymarc
import pytest
from django.db.models import Q

from khizana.catalog import clustering
from khizana.catalog.manual import join_works, split_record
from khizana.catalog.models import Holding, ImportRun, MatchDecision, SourceRecord, SourceRecordVersion, Work
from khizana.catalog.services import ImportFileError, import_bytes, import_file
from khizana.testing import DEMO

from .conftest import partition

FRENCH = DEMO / "records" / "UM5" / "evergreen_lul_fre_500-subset.mrc"
TRAJECT_ISO = DEMO / "records" / "BULAC" / "traject_test_data.utf8.mrc"
TRAJECT_XML = DEMO / "records" / "BNRM" / "traject_test_data.utf8.marc.xml"
UNIMARC_ITEMS = DEMO / "records" / "IMIST" / "medialab_cotes8.mrc"
CSV_FILE = DEMO / "records" / "BPLPO" / "catalogue_bplp_oran.csv"


def records_of(path: Path) -> list[pymarc.Record]:
    with path.open("rb") as handle:
        return [r for r in pymarc.MARCReader(handle, to_unicode=True, force_utf8=False) if r]


def test_every_record_is_stored_with_its_bytes_position_and_checksum(library_a):
    data = FRENCH.read_bytes()
    run = import_file(library_a, FRENCH)
    assert run.status == ImportRun.Status.FINISHED
    assert run.records_read == data.count(b"\x1d") == run.records_added
    assert run.records_rejected == 0
    for record in SourceRecord.objects.filter(library=library_a):
        raw = bytes(record.raw)
        assert data[record.source_offset : record.source_offset + len(raw)] == raw
        assert record.checksum == hashlib.sha256(raw).hexdigest()
        assert record.source_file == FRENCH.name
    assert Path(run.stored_path).read_bytes() == data


def test_reimporting_the_same_file_changes_nothing(library_a):
    import_file(library_a, FRENCH)
    before = partition(), SourceRecord.objects.count(), Work.objects.count()
    again = import_file(library_a, FRENCH)
    assert again.records_unchanged == again.records_read
    assert (again.records_added, again.records_updated) == (0, 0)
    assert (partition(), SourceRecord.objects.count(), Work.objects.count()) == before
    assert not SourceRecordVersion.objects.exists()


def test_a_changed_record_is_updated_and_its_old_version_kept(library_a):
    import_file(library_a, FRENCH)
    record = records_of(FRENCH)[0]
    old_bytes = FRENCH.read_bytes().split(b"\x1d")[0] + b"\x1d"
    record["245"]["a"] = "Un titre corrigé par la bibliothèque"
    run = import_bytes(library_a, record.as_marc(), "correction.mrc")
    assert (run.records_updated, run.records_added) == (1, 0)
    stored = SourceRecord.objects.get(library=library_a, local_id=record["001"].data.strip())
    assert stored.title.startswith("Un titre corrigé")
    assert stored.work.title.startswith("Un titre corrigé")
    [version] = stored.versions.all()
    assert bytes(version.raw) == old_bytes


def test_a_deleted_record_leaves_the_catalog_but_keeps_its_history(library_a):
    import_file(library_a, FRENCH)
    record = records_of(FRENCH)[1]
    local_id = record["001"].data.strip()
    work_id = SourceRecord.objects.get(library=library_a, local_id=local_id).work_id
    record.leader = record.leader[:5] + "d" + record.leader[6:]
    run = import_bytes(library_a, record.as_marc(), "deletions.mrc")
    assert run.records_deleted == 1
    stored = SourceRecord.objects.get(library=library_a, local_id=local_id)
    assert stored.deleted and stored.work is None and stored.deleted_at
    assert stored.versions.count() == 1
    assert not Work.objects.filter(pk=work_id).exists()  # it was alone in its work
    assert not stored.holdings.exists()


def test_the_same_records_from_two_libraries_make_one_work_each(library_a, library_b):
    import_file(library_a, TRAJECT_ISO)
    import_file(library_b, TRAJECT_XML)
    shared = Work.objects.filter(library_count=2)
    bibliographic = SourceRecord.objects.filter(library=library_a, kind="bibliographic").count()
    assert shared.count() >= bibliographic - 2  # records with no identifier may match by title only
    decision = MatchDecision.objects.filter(manual=False).first()
    assert decision.rule in {"isbn", "issn", "lccn", "oclc", "nbn", "fuzzy"} and 0 < decision.score <= 1


def test_incremental_clustering_equals_clustering_from_scratch(library_a, library_b):
    import_file(library_a, TRAJECT_ISO)
    import_file(library_b, TRAJECT_XML)
    import_file(library_b, FRENCH)
    import_file(library_a, UNIMARC_ITEMS)
    incremental = partition()
    clustering.recluster_all()
    assert partition() == incremental


def test_manual_split_and_join_survive_reimport_and_reclustering(library_a, library_b):
    import_file(library_a, TRAJECT_ISO)
    import_file(library_b, TRAJECT_XML)
    work = Work.objects.filter(library_count=2).order_by("id").first()
    moved = work.records.get(library=library_b)
    split_record(moved, note="different printing")
    moved.refresh_from_db()
    assert moved.work_id != work.id and moved.work.record_count == 1
    import_file(library_b, TRAJECT_XML)
    clustering.recluster_all()
    moved.refresh_from_db()
    assert moved.work.record_count == 1
    assert MatchDecision.objects.filter(manual=True, verdict="different").count() == 1

    other = Work.objects.exclude(pk__in=[moved.work_id, work.id]).order_by("id").first()
    joined = join_works(moved.work, other, note="same book")
    clustering.recluster_all()
    assert SourceRecord.objects.get(pk=moved.pk).work_id == joined.id
    assert joined.records.count() == 1 + other.record_count


def test_holdings_come_from_the_item_fields(library_a):
    import_file(library_a, UNIMARC_ITEMS)
    holdings = Holding.objects.filter(library=library_a)
    assert holdings.count() > 0
    assert holdings.exclude(call_number="").exists() and holdings.exclude(barcode="").exists()
    available = holdings.filter(status="available").first()
    work = available.record.work
    assert work.libraries == ["LIBA"] and work.availability == ["on_shelf"]
    holdings.filter(record__work=work).update(status="on_loan")
    SourceRecord.objects.filter(work=work).update(cluster_dirty=True)
    clustering.recluster_dirty()
    work.refresh_from_db()
    assert work.availability == []


def test_csv_catalogue_merges_with_marc_copies(library_a, library_b):
    import_file(library_a, DEMO / "records" / "BNRM" / "evergreen_lul_fre_500-subset.mrc")
    run = import_file(library_b, CSV_FILE)
    assert run.records_added == 20
    faguet = SourceRecord.objects.get(library=library_b, local_id="OR-000101")
    assert faguet.work.library_count == 2 and faguet.holdings.count() == 2
    decision = MatchDecision.objects.get(Q(record_a=faguet) | Q(record_b=faguet))
    assert decision.rule == "fuzzy" and decision.score >= 0.9


def test_an_unreadable_file_fails_with_its_name_and_is_recorded(library_a, tmp_path):
    junk = tmp_path / "scan.pdf"
    junk.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    with pytest.raises(ImportFileError, match=r"scan\.pdf"):
        import_file(library_a, junk)
    run = ImportRun.objects.get(filename="scan.pdf")
    assert run.status == ImportRun.Status.FAILED and "scan.pdf" in run.error
    assert not SourceRecord.objects.exists()


def test_authority_records_are_kept_but_make_no_work(library_a):
    authorities = DEMO / "records" / "BNRM" / "evergreen_auth-subset.mrc"
    run = import_file(library_a, authorities)
    assert run.records_added > 0
    assert SourceRecord.objects.filter(kind="authority").count() == run.records_added
    assert not Work.objects.exists()
