"""Extraction into PageText rows, search inside one book over HTTP, and works found by their full text."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from khizana.accounts.models import Membership, Role
from khizana.digital import tasks
from khizana.digital.fulltext import services as fulltext
from khizana.digital.models import DigitalItem, PageText, UsageEvent
from khizana.digital.storage import default_store
from khizana.digital.tests.reader_items import make_record
from khizana.search import services
from khizana.testing import make_library

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "fulltext"
SHARED = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "digital"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/digital is not here")
MEDIA_TYPES = {"pdf": "application/pdf", "epub": "application/epub+zip", "images": "image/png"}


def add_item(record, content: bytes, kind: str, filename: str, **extra) -> DigitalItem:
    stored = default_store().save(io.BytesIO(content), kind)
    return DigitalItem.objects.create(
        record=record,
        library=record.library,
        kind=kind,
        file_key=stored.key,
        filename=filename,
        media_type=MEDIA_TYPES[kind],
        size=stored.size,
        sha256=stored.sha256,
        **{"access": DigitalItem.Access.OPEN, **extra},
    )


def epub_of_chapters(chapters: list[str], language: str = "fr") -> bytes:
    """A small EPUB 3 whose spine documents hold these paragraphs (one chapter each)."""
    buffer = io.BytesIO()
    manifest = "".join(
        f'<item id="c{i}" href="c{i}.xhtml" media-type="application/xhtml+xml"/>'
        for i in range(len(chapters))
    )
    spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(chapters)))
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        archive.writestr(
            "META-INF/container.xml",
            '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container" version="1.0"><rootfiles>'
            '<rootfile full-path="OPS/book.opf" media-type="application/oebps-package+xml"/></rootfiles>'
            "</container>",
        )
        archive.writestr(
            "OPS/book.opf",
            f'<package xmlns="http://www.idpf.org/2007/opf" version="3.0"><metadata/>'
            f"<manifest>{manifest}</manifest><spine>{spine}</spine></package>",
        )
        for i, text in enumerate(chapters):
            paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n"))
            archive.writestr(
                f"OPS/c{i}.xhtml",
                f'<html xmlns="http://www.w3.org/1999/xhtml" lang="{language}"><head><title>t</title></head>'
                f"<body>{paragraphs}</body></html>",
            )
    return buffer.getvalue()


CHAPTERS = [
    "Préface de l'éditeur.\nLe livre commence ici.",
    "L'élève lit à l'école. Un autre élève écrit.",
    "Rien à signaler dans ce chapitre.",
    "La mer, encore. Les élèves reviennent; &lt;b&gt;gras&lt;/b&gt; reste du texte.",
]
ARABIC_CHAPTERS = ["مقدمة الكتاب", "هذه مسألة في النحو. والمسألة الثانية أصعب.", "باب آخر"]


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.KHIZANA_DIGITAL_STORE = tmp_path / "digital"
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def library(db):
    return make_library("FT1")


@pytest.fixture
def french_book(data_dir, library):
    record = make_record(library, "FT-1", "Carnets de bord")
    item = add_item(record, epub_of_chapters(CHAPTERS), "epub", "carnets.epub", language="fre")
    tasks.extract_item_text(item.pk)
    item.refresh_from_db()
    return item


def member_of(library, name: str):
    user = get_user_model().objects.create_user(name, password="a-long-pass-phrase-42")
    Membership.objects.create(user=user, role=Role.READER, library=library, verified_at=timezone.now())
    return user


def test_epub_extraction_gives_one_page_text_per_chapter(french_book):
    assert french_book.text_status == DigitalItem.TextStatus.EXTRACTED
    texts = list(PageText.objects.filter(item=french_book).values_list("page", "text", "source"))
    assert [page for page, _, _ in texts] == [1, 2, 3, 4]
    assert texts[0][1] == "Préface de l'éditeur.\n\nLe livre commence ici."  # paragraphs kept apart
    assert all(source == PageText.Source.EPUB for _, _, source in texts)
    # Extracting again replaces the rows.
    tasks.extract_item_text(french_book.pk)
    assert PageText.objects.filter(item=french_book).count() == 4


def test_pdf_text_layer_extraction(data_dir, library):
    record = make_record(library, "FT-2", "Diacritiques")
    pdf = DATA / "pdfjs_french_diacritics.pdf"
    item = add_item(record, pdf.read_bytes(), "pdf", pdf.name, language="fre")
    tasks.extract_item_text(item.pk)
    item.refresh_from_db()
    assert item.text_status == DigitalItem.TextStatus.EXTRACTED and item.page_count == 1
    page = PageText.objects.get(item=item)
    assert page.source == PageText.Source.TEXT_LAYER and "ç Ç é É" in page.text


def test_a_broken_file_fails_cleanly(data_dir, library):
    record = make_record(library, "FT-3", "Cassé")
    item = add_item(record, b"%PDF-1.3\nThis is not a valid PDF file\n%%EOF\n", "pdf", "broken.pdf")
    tasks.extract_item_text(item.pk)
    item.refresh_from_db()
    assert item.text_status == DigitalItem.TextStatus.FAILED
    assert item.text_error.startswith("broken.pdf: not a readable PDF")
    assert not PageText.objects.filter(item=item).exists()


def test_search_inside_finds_words_with_and_without_accents(client, french_book):
    url = f"/digital/{french_book.pk}/search"
    for query in ("élève", "eleve", "ÉLÈVE"):
        response = client.get(url, {"q": query})
        assert response.status_code == 200
        page = response.content.decode()
        assert "Page 2" in page and "Page 4" in page and "Page 1<" not in page
        assert "<mark>élève</mark>" in page and "<mark>élèves</mark>" in page
    found = fulltext.search_item(french_book.pk, "eleve")
    assert [(hit.page, hit.matches) for hit in found.pages] == [(2, 2), (4, 1)]
    assert found.total_matches == 3
    # The book's text is escaped, never markup.
    page = client.get(url, {"q": "gras"}).content.decode()
    assert "&lt;b&gt;<mark>gras</mark>&lt;/b&gt;" in page and "<b>gras" not in page
    assert UsageEvent.objects.filter(item=french_book, action="search").count() == 1  # 30-second rule


def test_search_inside_all_words_required_and_nothing_found(client, french_book):
    assert [hit.page for hit in fulltext.search_item(french_book.pk, "élève école").pages] == [2]
    page = client.get(f"/digital/{french_book.pk}/search", {"q": "baleine"}).content.decode()
    assert "Aucune page de ce livre ne contient tous ces mots." in page  # French by default


def test_search_inside_arabic_with_and_without_hamza_in_arabic(client, data_dir, library):
    record = make_record(library, "FT-4", "كتاب النحو")
    item = add_item(
        record, epub_of_chapters(ARABIC_CHAPTERS, "ar"), "epub", "nahw.epub", language="ara", direction="rtl"
    )
    tasks.extract_item_text(item.pk)
    for query in ("مسألة", "مسالة"):
        found = fulltext.search_item(item.pk, query)
        assert [(hit.page, hit.matches) for hit in found.pages] == [(2, 2)]
    client.cookies["django_language"] = "ar"
    response = client.get(f"/digital/{item.pk}/search", {"q": "مسالة"}, HTTP_ACCEPT_LANGUAGE="ar")
    page = response.content.decode()
    assert 'dir="rtl"' in page and 'lang="ar"' in page
    assert "<mark>مسألة</mark>" in page and "<mark>والمسألة</mark>" in page


def test_search_inside_refused_without_access(client, data_dir, library):
    record = make_record(library, "FT-5", "Réservé")
    item = add_item(record, epub_of_chapters(CHAPTERS), "epub", "r.epub", access=DigitalItem.Access.MEMBERS)
    tasks.extract_item_text(item.pk)
    url = f"/digital/{item.pk}/search"
    assert client.get(url, {"q": "élève"}).status_code == 401
    client.force_login(member_of(make_library("OTHER"), "elsewhere"))
    response = client.get(url, {"q": "élève"})
    assert response.status_code == 403 and "<mark>" not in response.content.decode()
    assert not UsageEvent.objects.filter(item=item, action="search").exists()
    client.force_login(member_of(library, "member"))
    assert "<mark>élève</mark>" in client.get(url, {"q": "élève"}).content.decode()


def test_search_inside_refused_over_real_http(live_server, data_dir, library):
    record = make_record(library, "FT-6", "Réservé")
    item = add_item(record, epub_of_chapters(CHAPTERS), "epub", "r.epub", access=DigitalItem.Access.MEMBERS)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{live_server.url}/digital/{item.pk}/search?q=eleve", timeout=10)
    assert refused.value.code == 401


def test_a_work_found_by_its_full_text_ranks_below_a_title_match(data_dir, library, french_book):
    titled = make_record(library, "FT-7", "L'élève et son maître")
    make_record(library, "FT-8", "Sans rapport")
    services.rebuild_index()
    ids = [hit.work_id for hit in services.search("élève").hits]
    assert ids == [titled.work_id, french_book.record.work_id]
    assert [hit.work_id for hit in services.search("préface").hits] == [french_book.record.work_id]


def test_the_work_is_reindexed_when_its_text_changes(data_dir, library):
    record = make_record(library, "FT-9", "Journal")
    services.rebuild_index()
    item = add_item(record, epub_of_chapters(["Le capitaine Haddock navigue."]), "epub", "j.epub")
    tasks.extract_item_text(item.pk)  # sends works_changed: the work is queued for the index
    services.sync_index()
    assert [hit.work_id for hit in services.search("haddock").hits] == [record.work_id]
