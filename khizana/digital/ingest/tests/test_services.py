"""add_digital_item / add_page_images / resolve_record against a real catalog (two libraries, one work)."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from stdnum import isbn as stdnum_isbn

from khizana.accounts.models import AuditEntry
from khizana.catalog.clustering import recluster
from khizana.catalog.models import Work
from khizana.digital.ingest import services as ingest
from khizana.digital.ingest.tests.ingest_support import (
    ENCRYPTED_PDF,
    ISBN,
    PDF,
    PNG,
    RTL_EPUB,
    jpeg_page,
    make_catalog,
    stored_files,
)
from khizana.digital.models import DigitalItem, PageImage
from khizana.search.models import IndexQueue


@pytest.fixture
def catalog(db, settings, tmp_path):
    settings.KHIZANA_DIGITAL_STORE = tmp_path / "store"
    settings.KHIZANA_EPUBCHECK = ""  # the real EPUBCheck runs in test_formats (it takes seconds)
    with translation.override("en"):
        yield make_catalog()


def test_a_pdf_becomes_an_item_of_the_record_and_its_work_shows_digital(catalog, settings):
    queued_before = IndexQueue.objects.filter(work_id=catalog.record_a.work_id).count()
    item = ingest.add_digital_item(catalog.record_a, PDF, "habibi.pdf", access="open", label="vol. 1")
    item.refresh_from_db()
    assert (item.kind, item.media_type, item.page_count, item.access) == ("pdf", "application/pdf", 1, "open")
    assert (item.library, item.record, item.label, item.filename) == (
        catalog.library_a,
        catalog.record_a,
        "vol. 1",
        "habibi.pdf",
    )
    assert item.size == PDF.stat().st_size and item.sha256 == ingest.file_checksum(PDF)
    assert item.technical["producer"] == "WeasyPrint 54.1"
    assert (item.language, item.direction) == ("ara", "rtl")  # an Arabic record's PDF reads right to left
    assert (settings.KHIZANA_DIGITAL_STORE / item.file_key).read_bytes() == PDF.read_bytes()
    work = Work.objects.get(pk=catalog.record_a.work_id)
    assert "digital" in work.availability
    assert IndexQueue.objects.filter(work_id=work.pk).count() > queued_before
    entry = AuditEntry.objects.get(action="digital-add")
    assert entry.library_id == catalog.library_a.pk and entry.details["item"] == item.pk


def test_reclustering_keeps_the_digital_availability(catalog):
    ingest.add_digital_item(catalog.record_a, PDF, "habibi.pdf", access="members")
    recluster({catalog.record_a.pk, catalog.record_b.pk})
    catalog.record_a.refresh_from_db()
    assert "digital" in Work.objects.get(pk=catalog.record_a.work_id).availability


def test_an_arabic_epub_item_reads_right_to_left(catalog):
    item = ingest.add_digital_item(catalog.record_b, RTL_EPUB, "book.epub", access="open")
    assert (item.kind, item.direction, item.language, item.page_count) == ("epub", "rtl", "ara", 1)
    assert item.technical["epubcheck"].startswith("not installed")


def test_a_refused_file_leaves_nothing_behind(catalog, settings):
    with pytest.raises(ingest.IngestError) as refused:
        ingest.add_digital_item(catalog.record_a, ENCRYPTED_PDF, "locked.pdf", access="open")
    assert refused.value.message() == "locked.pdf: encrypted PDF"
    assert not DigitalItem.objects.exists() and not AuditEntry.objects.exists()
    assert stored_files(settings.KHIZANA_DIGITAL_STORE) == []
    assert "digital" not in Work.objects.get(pk=catalog.record_a.work_id).availability


def test_a_file_over_the_limit_is_refused_while_copied(catalog, settings):
    settings.KHIZANA_MAX_DIGITAL_BYTES = 10_000
    with pytest.raises(ingest.IngestError) as refused:
        ingest.add_digital_item(catalog.record_a, io.BytesIO(PDF.read_bytes()), "big.pdf", access="open")
    assert refused.value.message() == "big.pdf: file larger than the limit of 10,000 bytes"
    assert stored_files(settings.KHIZANA_DIGITAL_STORE) == []


def test_the_same_bytes_twice_on_a_record_are_refused_but_another_record_may_have_them(catalog, settings):
    first = ingest.add_digital_item(catalog.record_a, PDF, "habibi.pdf", access="open")
    with pytest.raises(ingest.AlreadyIngested) as again:
        ingest.add_digital_item(catalog.record_a, PDF, "copy.pdf", access="open")
    assert again.value.item == first
    other = ingest.add_digital_item(catalog.record_b, PDF, "habibi.pdf", access="members")
    assert other.file_key == first.file_key  # stored once
    assert len(stored_files(settings.KHIZANA_DIGITAL_STORE)) == 1


def test_unknown_access_policy_is_refused(catalog):
    with pytest.raises(ingest.IngestError, match="unknown access policy 'public'"):
        ingest.add_digital_item(catalog.record_a, PDF, "habibi.pdf", access="public")


def test_page_images_make_one_digitised_item(catalog, settings):
    pages = [(PNG, "scan/page-001.png"), (io.BytesIO(jpeg_page()), "scan/page-002.jpg")]
    item = ingest.add_page_images(catalog.record_a, pages, access="on_site", label="manuscrit")
    assert (item.kind, item.page_count, item.direction, item.file_key) == ("images", 2, "rtl", "")
    assert item.media_type == "image/jpeg, image/png"
    rows = list(
        PageImage.objects.filter(item=item).values_list("sequence", "filename", "media_type", "width")
    )
    assert rows == [(1, "page-001.png", "image/png", 1000), (2, "page-002.jpg", "image/jpeg", 1000)]
    assert item.sha256 == ingest.images_checksum([page.sha256 for page in item.pages.all()])
    assert len(stored_files(settings.KHIZANA_DIGITAL_STORE)) == 2


def test_a_pdf_among_page_images_refuses_the_whole_item(catalog, settings):
    with pytest.raises(ingest.IngestError) as refused:
        ingest.add_page_images(catalog.record_a, [(PNG, "p1.png"), (PDF, "p2.png")], access="open")
    assert refused.value.message() == "p2.png: not a page image (JPEG, PNG, TIFF or JPEG 2000)"
    assert not DigitalItem.objects.exists() and stored_files(settings.KHIZANA_DIGITAL_STORE) == []


# --- which record ---


def test_a_record_is_found_by_isbn_in_any_form(catalog):
    isbn10 = stdnum_isbn.to_isbn10(ISBN)
    for key in (ISBN, "978-977-7185-90-5", isbn10, f"isbn:{isbn10}"):
        assert ingest.resolve_record(key, library=catalog.library_a) == catalog.record_a


def test_a_work_held_by_two_libraries_needs_the_library(catalog):
    work = str(catalog.record_a.work_id)
    with pytest.raises(ingest.IngestError) as ambiguous:
        ingest.resolve_record(work)
    assert ambiguous.value.message() == (
        f"{work}: 2 records have this work (LIBA:REROILS:93, LIBB:REROILS:93): name the library"
    )
    assert ingest.resolve_record(work, library=catalog.library_b) == catalog.record_b
    assert ingest.resolve_record(f"work:{work}", library=catalog.library_b) == catalog.record_b


def test_local_id_and_missing_keys(catalog):
    assert ingest.resolve_record("local:REROILS:93", library=catalog.library_a) == catalog.record_a
    assert ingest.resolve_record("REROILS:93", library=catalog.library_b) == catalog.record_b
    with pytest.raises(ingest.IngestError, match="no work id, ISBN or local id names a record"):
        ingest.resolve_record("NO-SUCH-ID", library=catalog.library_a)
    with pytest.raises(ingest.IngestError, match="not a valid ISBN"):
        ingest.resolve_record("isbn:9789777185906")


def test_a_key_that_reads_two_ways_is_ambiguous(catalog):
    # A record whose local id is the number of another work.
    other_work = Work.objects.exclude(pk=catalog.record_a.work_id).order_by("pk").first()
    record = catalog.record_b
    record.local_id = str(other_work.pk)
    record.save(update_fields=["local_id"])
    with pytest.raises(ingest.IngestError, match=r"ambiguous: it reads as work .*local_id"):
        ingest.resolve_record(str(other_work.pk))


def test_text_extraction_is_queued_once_the_item_is_committed(catalog, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        item = ingest.add_digital_item(catalog.record_a, PDF, "habibi.pdf", access="open")
    item.refresh_from_db()
    assert item.text_status == DigitalItem.TextStatus.EXTRACTED  # the queue runs jobs at once in tests
    assert "habibi" in item.texts.get(page=1).text
