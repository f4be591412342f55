"""The reader part by HTTP: file delivery (ranges, ETag, headers, refusals), the item page in French and
Arabic, the readers, and the work page's digital copies. Real files from tests/data/reader."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from khizana.accounts.models import Membership, Role
from khizana.digital.models import DigitalItem, UsageEvent
from khizana.digital.tests.reader_items import DATA, add_item, make_record
from khizana.testing import make_library

PDF = DATA / "pdfjs_french_diacritics.pdf"
EPUB = DATA / "epubtests_pkg-dir_unset-root-rtl.epub"


@pytest.fixture
def store(settings, tmp_path):
    settings.KHIZANA_DIGITAL_STORE = tmp_path / "digital"
    return settings.KHIZANA_DIGITAL_STORE


@pytest.fixture
def library(db):
    return make_library("READ1", name_ar="مكتبة القراءة")


@pytest.fixture
def record(library):
    return make_record(library, "R-1", "Les diacritiques français")


@pytest.fixture
def pdf_item(store, record):
    return add_item(record, PDF.read_bytes(), "pdf", PDF.name, language="fre", page_count=1)


@pytest.fixture
def members_epub(store, record):
    return add_item(
        record, EPUB.read_bytes(), "epub", EPUB.name, access="members", direction="rtl", language="ara"
    )


def member_of(library, name="reader1", role=Role.READER):
    user = get_user_model().objects.create_user(name, password="a-long-pass-phrase-42")
    Membership.objects.create(user=user, role=role, library=library, verified_at=timezone.now())
    return user


def test_content_whole_file_with_its_headers(client, pdf_item):
    response = client.get(f"/digital/{pdf_item.pk}/content")
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and body == PDF.read_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{PDF.name}"'
    assert response["Content-Length"] == str(PDF.stat().st_size)
    assert response["ETag"] == f'"{pdf_item.sha256}"'
    assert response["Accept-Ranges"] == "bytes"
    assert response["Cache-Control"].startswith("private")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert UsageEvent.objects.filter(item=pdf_item, action="read", is_request=True).count() == 1


def test_content_range_gives_206_and_the_right_bytes(client, pdf_item):
    data = PDF.read_bytes()
    response = client.get(f"/digital/{pdf_item.pk}/content", HTTP_RANGE="bytes=1000-1999")
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == data[1000:2000]
    assert response["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    assert response["Content-Length"] == "1000"
    tail = client.get(f"/digital/{pdf_item.pk}/content", HTTP_RANGE="bytes=-7")
    assert tail.status_code == 206 and b"".join(tail.streaming_content) == data[-7:]
    # A range request later in the file is the same reading, not another COUNTER request.
    assert UsageEvent.objects.filter(item=pdf_item, action="read").count() == 0


def test_unsatisfiable_range_and_revalidation(client, pdf_item):
    size = PDF.stat().st_size
    response = client.get(f"/digital/{pdf_item.pk}/content", HTTP_RANGE=f"bytes={size}-")
    assert response.status_code == 416 and response["Content-Range"] == f"bytes */{size}"
    etag = f'"{pdf_item.sha256}"'
    assert client.get(f"/digital/{pdf_item.pk}/content", HTTP_IF_NONE_MATCH=etag).status_code == 304
    # If-Range with another version's tag: the whole (current) file, not a piece of it.
    stale = client.get(f"/digital/{pdf_item.pk}/content", HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"old"')
    assert stale.status_code == 200


def test_range_over_real_http(live_server, pdf_item):
    data = PDF.read_bytes()
    request = urllib.request.Request(
        f"{live_server.url}/digital/{pdf_item.pk}/content", headers={"Range": "bytes=5000-5099"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 206
        assert response.read() == data[5000:5100]
        assert response.headers["Content-Range"] == f"bytes 5000-5099/{len(data)}"


def test_members_only_refused_to_anonymous_then_served_to_a_member(client, members_epub, library):
    client.cookies["django_language"] = "en"
    response = client.get(f"/digital/{members_epub.pk}/content")
    assert response.status_code == 401
    assert (
        b"PK" not in response.content[:4] and "Log in with your library account" in response.content.decode()
    )
    assert response["Cache-Control"] == "private, no-store"
    client.force_login(member_of(library))
    served = client.get(f"/digital/{members_epub.pk}/content")
    assert served.status_code == 200 and served["Content-Type"] == "application/epub+zip"
    assert b"".join(served.streaming_content) == EPUB.read_bytes()
    assert (
        "default-src 'none'" in served["Content-Security-Policy"]
        and "sandbox" in served["Content-Security-Policy"]
    )


def test_member_of_another_library_is_refused_with_403(client, members_epub):
    client.cookies["django_language"] = "en"
    client.force_login(member_of(make_library("OTHER1"), "elsewhere"))
    response = client.get(f"/digital/{members_epub.pk}/content")
    assert response.status_code == 403
    assert "Your account belongs to another library" in response.content.decode()
    assert client.get(f"/digital/{members_epub.pk}/read").status_code == 403


def test_over_real_http_anonymous_gets_401(live_server, members_epub):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{live_server.url}/digital/{members_epub.pk}/content", timeout=10)
    assert refused.value.code == 401


def test_item_page_in_french_and_arabic(client, members_epub):
    client.cookies["django_language"] = "fr"
    page = client.get(f"/digital/{members_epub.pk}/").content.decode()
    assert '<html lang="fr" dir="ltr"' in page
    assert "Lire en ligne" not in page  # not for an anonymous reader of a members-only book
    assert "Connectez-vous avec votre compte de bibliothèque pour lire ce livre." in page
    assert "Réservé aux membres de Bibliothèque READ1" in page
    assert "Livre électronique EPUB" in page and "Arabe" in page
    client.cookies["django_language"] = "ar"
    page = client.get(f"/digital/{members_epub.pk}/").content.decode()
    assert '<html lang="ar" dir="rtl"' in page
    assert "سجّل الدخول بحساب مكتبتك لقراءة هذا الكتاب." in page
    assert "مكتبة القراءة" in page  # the library's Arabic name
    assert UsageEvent.objects.filter(item=members_epub, action="view", is_request=False).count() == 1


def test_item_page_offers_the_reader_when_allowed(client, pdf_item):
    client.cookies["django_language"] = "fr"
    page = client.get(f"/digital/{pdf_item.pk}/").content.decode()
    assert f'href="/digital/{pdf_item.pk}/read"' in page and "Lire en ligne" in page
    assert "Ouvert à tous." in page


def test_pdf_reader_page(client, pdf_item):
    client.cookies["django_language"] = "ar"
    response = client.get(f"/digital/{pdf_item.pk}/read")
    page = response.content.decode()
    assert response.status_code == 200 and '<html lang="ar" dir="rtl"' in page
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "<script>" not in page  # nothing inline: the policy allows none
    assert f'data-content="/digital/{pdf_item.pk}/content"' in page
    assert "digital/vendor/pdfjs/pdf.min.mjs" in page and "digital/vendor/pdfjs/cmaps/" in page
    assert "الصفحة التالية" in page  # "Next page"


def test_epub_reader_page_knows_the_book_is_right_to_left(client, members_epub, library):
    client.force_login(member_of(library))
    page = client.get(f"/digital/{members_epub.pk}/read").content.decode()
    assert 'data-book-dir="rtl"' in page and "digital/vendor/epubjs/epub.min.js" in page
    keys_help = page.split('<p id="keys-help" class="keys-help">', 1)[1].split("</p>", 1)[0]
    assert "left arrow for the next page" in keys_help or "flèche gauche pour la page suivante" in keys_help


def test_page_images_have_no_file_to_serve(client, store, record):
    item = DigitalItem.objects.create(
        record=record,
        library=record.library,
        kind="images",
        media_type="image/jpeg",
        sha256="0" * 64,
        access="open",
    )
    assert client.get(f"/digital/{item.pk}/content").status_code == 404
    assert client.get(f"/digital/{item.pk}/read").status_code == 404
    assert f'href="/digital/{item.pk}/pages/"' in client.get(f"/digital/{item.pk}/").content.decode()


def test_unknown_item_is_404(client, db):
    assert client.get("/digital/999999/").status_code == 404


def test_work_page_lists_its_digital_copies(client, pdf_item, members_epub, record):
    client.cookies["django_language"] = "fr"
    page = client.get(f"/work/{record.work_id}/").content.decode()
    assert "Le lire en ligne : copies numériques" in page
    assert f'href="/digital/{pdf_item.pk}/read"' in page and f'href="/digital/{members_epub.pk}/"' in page
    assert "Document PDF" in page and "ouvert à tous" in page and "membres de la bibliothèque" in page
    assert page.count(">Lire en ligne</a>") == 2  # one link per copy (the column header is the third)


def test_item_page_offers_the_search_inside_once_the_text_is_known(client, pdf_item):
    client.cookies["django_language"] = "fr"
    before = client.get(f"/digital/{pdf_item.pk}/").content.decode()
    assert f'action="/digital/{pdf_item.pk}/search"' not in before
    pdf_item.text_status = DigitalItem.TextStatus.EXTRACTED
    pdf_item.save(update_fields=["text_status"])
    page = client.get(f"/digital/{pdf_item.pk}/").content.decode()
    assert f'action="/digital/{pdf_item.pk}/search"' in page and 'name="q"' in page
