"""Text clean-up, snippets, hOCR reading, and reading text out of EPUBs and PDFs (no database)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from khizana.digital.fulltext.ocr import read_hocr, tesseract_languages
from khizana.digital.fulltext.services import TextError, epub_pages, pdf_pages
from khizana.digital.fulltext.textclean import (
    clean_text,
    hit_spans,
    page_tokens,
    snippets_at,
    strip_bidi_controls,
    token_spans,
    vocabulary,
)

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "fulltext"
SHARED = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "digital"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/digital is not here")


def test_bidi_controls_are_stripped_and_arabic_text_kept():
    layer = "\u200f\u202bالمكتبة\u202c \u2067الوطنية\u2069\u200e 2024\u061c"
    assert strip_bidi_controls(layer) == "المكتبة الوطنية 2024"
    assert clean_text(layer) == "المكتبة الوطنية 2024"


def test_clean_text_normalises_spaces_and_composes_accents():
    decomposed = "e\u0301le\u0300ve\u00a0 \t de  l'e\u0301cole\r\n\r\n\r\n  suite\u00ad"
    assert clean_text(decomposed) == "élève de l'école\n\nsuite"
    assert clean_text("") == ""


def test_tokens_fold_accents_and_hamza_like_the_catalog():
    assert page_tokens("Élève") == page_tokens("eleve")
    assert page_tokens("مسألة") == page_tokens("مسالة")
    assert page_tokens("إسلام") == page_tokens("اسلام")


def test_snippets_mark_matches_and_escape_html():
    text = "Avant <b>le</b> texte. L'élève & son maître lisent; " + "mot " * 40 + "encore un Élève ici."
    found = snippets_at(text, hit_spans(*token_spans(text), set(page_tokens("eleve"))), width=30)
    assert len(found) == 2
    assert "<mark>élève</mark>" in found[0].html
    assert "&lt;b&gt;le&lt;/b&gt;" in found[0].html and "&amp;" in found[0].html
    assert "<b>" not in found[0].html
    assert "<mark>Élève</mark>" in found[1].html
    assert found[0].html.endswith("…") and found[1].html.startswith("…")


def test_vocabulary_keeps_first_seen_order_and_its_cap():
    assert vocabulary(["b a cc 12 bb", "dd cc"], 10) == ["cc", "bb", "dd"]  # no single letters or numbers
    assert vocabulary(["livre page livre 1999", "texte page"], 10) == ["livre", "page", "texte"]
    assert vocabulary(["un deux trois quatre"], 2) == ["un", "deux"]


def test_hocr_gives_text_words_and_confidence():
    hocr = (
        "<html><body><div class='ocr_page'><p class='ocr_par' dir='rtl'>"
        "<span class='ocr_line' title='bbox 0 0 100 20'>"
        "<span class='ocrx_word' title='bbox 50 0 100 20; x_wconf 90'>\u200fالمكتبة</span> "
        "<span class='ocrx_word' title='bbox 0 0 45 20; x_wconf 70'>الوطنية</span>"
        "</span></p></div></body></html>"
    )
    page = read_hocr(hocr)
    assert page.text == "المكتبة الوطنية"
    assert page.words == [["المكتبة", 50, 0, 100, 20], ["الوطنية", 0, 0, 45, 20]]
    assert page.confidence == 80.0


@needs_shared
@pytest.mark.shared_data
def test_real_hocr_of_an_arabic_page_reads_in_order():
    page = read_hocr((SHARED / "scans" / "hocr" / "ocrmypdf_arabic.hocr").read_text())
    assert page.words and page.text
    assert all("\u200f" not in word[0] for word in page.words)


def test_tesseract_languages_from_the_item_language():
    assert tesseract_languages("ara") == "ara"
    assert tesseract_languages("fre") == "fra"
    assert tesseract_languages("eng") == "eng"
    assert tesseract_languages("") == "ara+fra"
    assert tesseract_languages("ber") == "ara+fra"


def test_pdf_text_layer_page_by_page():
    pages = pdf_pages(DATA / "pdfjs_french_diacritics.pdf")
    assert len(pages) == 1 and not pages[0].needs_ocr
    assert "é É è È ê Ê" in pages[0].text
    arabic = pdf_pages(DATA / "samplefiles_habibi.pdf")
    assert "حَبيبي" in arabic[0].text and "habibi" in arabic[0].text


def test_bad_files_give_a_clear_error(tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.3\nThis is not a valid PDF file\n%%EOF\n")
    with pytest.raises(TextError, match=r"broken\.pdf"):
        pdf_pages(broken)
    not_zip = tmp_path / "book.epub"
    not_zip.write_bytes(b"no zip here")
    with pytest.raises(TextError, match=r"book\.epub: not a readable EPUB"):
        epub_pages(not_zip)


def test_small_rtl_epub_text():
    (page,) = epub_pages(DATA / "epubtests_pkg-dir_unset-root-rtl.epub")
    assert "CSS: مغامرة جديدة!" in page


def test_epub_pages_are_numbered_by_spine_position(tmp_path):
    """Page N is the N-th spine entry (what the EPUB reader opens for #page=N), a non-XHTML one empty."""
    package = (
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0"><manifest>'
        '<item id="a" href="a.xhtml" media-type="application/xhtml+xml"/>'
        '<item id="map" href="map.svg" media-type="image/svg+xml"/>'
        '<item id="b" href="b.xhtml" media-type="application/xhtml+xml"/>'
        '</manifest><spine><itemref idref="a"/><itemref idref="map"/><itemref idref="b"/></spine></package>'
    )
    container = (
        '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container" version="1.0"><rootfiles>'
        '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>"
    )
    members = {
        "META-INF/container.xml": container,
        "OEBPS/content.opf": package,
        "OEBPS/a.xhtml": '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Premier</p></body></html>',
        "OEBPS/map.svg": '<svg xmlns="http://www.w3.org/2000/svg"><text>carte</text></svg>',
        "OEBPS/b.xhtml": '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Second</p></body></html>',
    }
    book = tmp_path / "book.epub"
    with zipfile.ZipFile(book, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
        for member, text in members.items():
            archive.writestr(member, text)
    assert epub_pages(book) == ["Premier", "", "Second"]
    bad = tmp_path / "bad.epub"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("META-INF/container.xml", container.replace("OEBPS/content.opf", ""))
    with pytest.raises(TextError, match=r"bad\.epub: .*names no package document"):
        epub_pages(bad)


@needs_shared
@pytest.mark.shared_data
def test_epub_text_per_spine_document_arabic_rtl_sample():
    pages = epub_pages(SHARED / "epub" / "idpf_regime-anticancer-arabic")
    assert len(pages) == 3  # cover, title page, content: one text per spine document
    assert pages[0] == "" and pages[1] == ""
    assert pages[2].startswith("الفصل الثاني\n\nما هو السرطان؟\n\n")  # block boundaries kept


@needs_shared
@pytest.mark.shared_data
def test_epub_text_per_chapter_french_gutenberg():
    pages = epub_pages(SHARED / "epub" / "cops_Les louanges de la Folie _ Trai - Anonymous.epub")
    assert len(pages) == 5
    assert "Du mariage, & comme il est entretenu par la Folie." in pages[2]
    assert "conformité avec l'amitié" in pages[2]
    assert all("<" not in page for page in pages)


@needs_shared
@pytest.mark.shared_data
def test_image_only_pdf_pages_are_marked_for_ocr_and_text_pdfs_are_not():
    assert [p.needs_ocr for p in pdf_pages(SHARED / "pdf" / "ocrmypdf_francais.pdf")] == [True]
    assert [p.needs_ocr for p in pdf_pages(SHARED / "pdf" / "ocrmypdf_c02-22.pdf")] == [True]
    arabic = pdf_pages(SHARED / "pdf" / "naturalpdf_arabic.pdf")
    assert len(arabic) == 23 and not any(p.needs_ocr for p in arabic)
    assert "الجريدة الرسمية" in arabic[0].text
    with pytest.raises(TextError, match="encrypted"):
        pdf_pages(SHARED / "pdf" / "encrypted" / "pypdf_r4-aes-user-password.pdf")
