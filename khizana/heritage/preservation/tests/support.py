"""Shared by the preservation tests: a library holding a real MARCXML record with two real digital items
(the demo's scanned PDF, and three pages of its digitised book) stored where each test wants them."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from khizana.catalog.clustering import recluster_dirty
from khizana.catalog.models import SourceRecord
from khizana.catalog.services import import_file
from khizana.digital.ingest.services import add_digital_item, add_page_images
from khizana.digital.models import DigitalItem, PageText
from khizana.libraries.models import Library
from khizana.testing import DEMO, make_library, make_user

RECORDS = DEMO / "records" / "BNRM" / "rero_documents_arabic.xml"
DIGITAL = DEMO / "digital"
# The demo's scanned PDF and the first pages of its digitised book (with the text each page was set from).
PDF = min(DIGITAL.glob("*.pdf"))
BOOK = DIGITAL / "lafontaine_fables_livre1"
PAGES = sorted(BOOK.glob("page-*.png"))[:3]


@dataclass
class Setting:
    library: Library
    other: Library
    record: SourceRecord
    pdf: DigitalItem
    book: DigitalItem


def make_setting() -> Setting:
    library, other = make_library("BNRM"), make_library("OTHER")
    import_file(library, RECORDS, cluster=False)
    recluster_dirty()
    record = SourceRecord.objects.get(library=library, local_id="REROILS:93")
    with PDF.open("rb") as handle:
        pdf = add_digital_item(record, handle, PDF.name, access="open", rights="CC BY-SA 4.0")
    pages = [(io.BytesIO(path.read_bytes()), path.name) for path in PAGES]
    book = add_page_images(record, pages, access="open", label="Fables, livre I")
    return Setting(library, other, record, pdf, book)


def ocr_text(sequence: int) -> str:
    """The text page ``sequence`` of the demo book was set from (what a good OCR gives back)."""
    return (BOOK / f"page-{sequence}.gt.txt").read_text(encoding="utf-8")


def add_ocr(item: DigitalItem) -> None:
    PageText.objects.bulk_create(
        PageText(item=item, page=page.sequence, text=ocr_text(page.sequence), source="ocr")
        for page in item.pages.all()
    )


@pytest.fixture
def stores(settings, tmp_path):
    """The digital store and both preservation roots in this test's own folders."""
    settings.KHIZANA_DIGITAL_STORE = tmp_path / "digital"
    settings.KHIZANA_PRESERVATION_ROOT = tmp_path / "primary" / "ocfl"
    settings.KHIZANA_PRESERVATION_COPY_ROOT = tmp_path / "copy" / "ocfl"
    settings.KHIZANA_PRESERVATION_ON_SAVE = False
    return tmp_path


@pytest.fixture
def setting(stores, db) -> Setting:
    return make_setting()


def staff_of(library: Library, name: str, role: str = "cataloguer"):
    return make_user(name, role, library)
