"""OCR with Tesseract on real scans: line images with ground truth, page images, an image-only PDF."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image
from rapidfuzz.distance import Levenshtein

from khizana.digital import tasks
from khizana.digital.fulltext import services as fulltext
from khizana.digital.fulltext.ocr import ocr_file
from khizana.digital.fulltext.tests.test_search import add_item, make_record
from khizana.digital.fulltext.textclean import clean_text
from khizana.digital.models import DigitalItem, PageImage, PageText
from khizana.digital.storage import default_store

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "fulltext"
SHARED = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "digital"
pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
# Bounds measured on these lines with Tesseract 5 (Debian tessdata): French 0.000, Arabic 0.082 (the
# Arabic difference is mostly punctuation: "،" read as "»").
FRENCH_LINE = DATA / "ocr17_XIX_000002.png"
ARABIC_LINE = DATA / "ocrgs_book_IbnAthir.Kamil_000002.png"


def cer(found: str, reference: str) -> float:
    return Levenshtein.distance(found, reference) / max(1, len(reference))


def ground_truth(image: Path) -> str:
    return clean_text(image.with_name(image.name.replace(".png", ".gt.txt")).read_text(encoding="utf-8"))


def test_french_line_image():
    page = ocr_file(FRENCH_LINE, "fra")
    assert cer(page.text, ground_truth(FRENCH_LINE)) <= 0.05
    assert "désert" in page.text
    assert page.words and all(len(word) == 5 for word in page.words)
    assert "ocrx_word" in page.hocr and page.confidence > 50


def test_arabic_line_image_without_bidi_controls():
    page = ocr_file(ARABIC_LINE, "ara")
    assert cer(page.text, ground_truth(ARABIC_LINE)) <= 0.15
    assert "المعجمة" in page.text
    assert not any(c in page.text for c in "\u200e\u200f\u202a\u202b\u202c\u2066\u2067\u2068\u2069")


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.KHIZANA_DIGITAL_STORE = tmp_path / "digital"
    settings.DATA_DIR = tmp_path
    return tmp_path


def test_page_images_are_recognised_in_bounded_resumable_steps(data_dir, db, monkeypatch):
    from khizana.testing import make_library

    record = make_record(make_library("OCR1"), "OCR-1", "Chroniques")
    item = DigitalItem.objects.create(
        record=record,
        library=record.library,
        kind="images",
        media_type="image/png",
        sha256="-",
        language="fre",
        access="open",
    )
    for sequence, source in enumerate([FRENCH_LINE, FRENCH_LINE], start=1):
        with source.open("rb") as handle:
            stored = default_store().save(handle, "png")
        width, height = Image.open(source).size
        PageImage.objects.create(
            item=item,
            sequence=sequence,
            file_key=stored.key,
            media_type="image/png",
            width=width,
            height=height,
            sha256=stored.sha256,
        )
    runs = []
    real = fulltext.ocr_item_pages
    monkeypatch.setattr(fulltext, "ocr_item_pages", lambda item_id: runs.append(item_id) or real(item_id, 1))
    tasks.extract_item_text(item.pk)
    item.refresh_from_db()
    assert runs == [item.pk, item.pk]  # one page per task, the second task queued by the first
    assert item.text_status == DigitalItem.TextStatus.OCR_DONE
    pages = list(PageText.objects.filter(item=item))
    assert [p.page for p in pages] == [1, 2] and all(p.source == "ocr" for p in pages)
    assert "désert" in pages[0].text and pages[0].layout.startswith("<?xml")
    assert [hit.page for hit in fulltext.search_item(item.pk, "desert").pages] == [1, 2]


@pytest.mark.shared_data
@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/digital is not here")
def test_image_only_pdf_goes_through_ocr(data_dir, db):
    from khizana.testing import make_library

    record = make_record(make_library("OCR2"), "OCR-2", "Pangramme")
    pdf = SHARED / "pdf" / "ocrmypdf_francais.pdf"
    item = add_item(record, pdf.read_bytes(), "pdf", pdf.name, language="fre")
    tasks.extract_item_text(item.pk)
    item.refresh_from_db()
    assert item.text_status == DigitalItem.TextStatus.OCR_DONE, item.text_error
    page = PageText.objects.get(item=item, page=1)
    assert page.source == PageText.Source.OCR
    assert "whisky" in page.text and "alcôve" in page.text
    assert page.words and page.confidence
    assert [hit.page for hit in fulltext.search_item(item.pk, "ALCOVE").pages] == [1]
