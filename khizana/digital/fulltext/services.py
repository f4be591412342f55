"""Full text of digital items: extraction, OCR, the per-item page index, and the words the catalog indexes.

Extraction (:func:`extract_item_text`, run by the background queue, ``tasks.extract_item_text``):

- a born-digital PDF gives one PageText per page from its text layer (pypdf; no word positions: pypdf
  reports positions per text-showing operator, not per word, and the PDF reader finds words itself);
- an EPUB gives one PageText per spine entry, page N being the N-th (XHTML text with its block boundaries
  as line breaks; empty for an image or SVG entry);
- a PDF page without a text layer and every page image of an image set go through OCR (:mod:`.ocr`):
  queued as ``tasks.ocr_item_pages``, which recognises at most :data:`OCR_PAGES_PER_TASK` pages per run,
  saves each page as soon as it is done and queues the rest, so a 600-page scan is never one long job and
  a crash or a restart loses at most one page.

Search inside one item reads a small SQLite FTS5 file per item (``$KHIZANA_DATA_DIR/fulltext/``) built from
the PageText rows once their text is final: each page's analysed tokens (see :mod:`.textclean`), its text
for the snippets, and the item's vocabulary (distinct tokens in order of first appearance), which is what
the catalog's work index takes as the work's ``fulltext`` field (:func:`work_index_terms`). The file is
derived data: a stamp (number of PageText rows and their highest id) says which rows it was built from, and
a missing or stale file is rebuilt from the database when it is needed.
"""

from __future__ import annotations

import logging
import posixpath
import sqlite3
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from lxml import etree

from khizana.catalog.rows import ids_lookup
from khizana.catalog.signals import works_changed
from khizana.digital.extensions import access_restriction
from khizana.digital.fulltext import ocr
from khizana.digital.fulltext.textclean import (
    clean_text,
    count_matches,
    hit_spans,
    page_tokens,
    snippets_at,
    token_spans,
    vocabulary,
)
from khizana.digital.ingest.formats import RefusedFile, package_document
from khizana.digital.models import DigitalItem, PageImage, PageText
from khizana.digital.storage import default_store

logger = logging.getLogger(__name__)

OCR_PAGES_PER_TASK = 10  # pages recognised by one background task before it queues the rest
MIN_TEXT_LAYER_CHARS = 3  # a PDF page with fewer letters or digits than this is treated as a scan
MAX_EPUB_DOCUMENT_BYTES = 20 * 1024 * 1024  # one XHTML document of an EPUB, uncompressed
MAX_ITEM_TERMS = 10_000  # distinct words of one item kept in its vocabulary
MAX_WORK_TERMS = 10_000  # distinct words of one work given to the catalog index (all its items)
PAGE_INDEX_VERSION = "2"
TEXT_DONE = (DigitalItem.TextStatus.EXTRACTED, DigitalItem.TextStatus.OCR_DONE)


class TextError(Exception):
    """The text of a file cannot be read; the message names the file and the problem."""


@dataclass
class PageContent:
    page: int  # 1-based
    text: str
    needs_ocr: bool = False


# ---------------------------------------------------------------- reading files (no database)


def pdf_pages(path: Path | str, name: str = "") -> list[PageContent]:
    """The text layer of every page of a PDF; pages with (almost) no text but with images need OCR."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    name = name or Path(path).name
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:  # ingest refuses them all, even those opening with an empty password
            raise TextError(f"{name}: the PDF is encrypted")
        pages = []
        for number, page in enumerate(reader.pages, start=1):
            try:
                text = clean_text(page.extract_text() or "")
            except (PyPdfError, ValueError, KeyError, TypeError) as error:
                logger.warning("%s: page %s text layer unreadable (%s)", name, number, error)
                text = ""
            scanned = sum(c.isalnum() for c in text) < MIN_TEXT_LAYER_CHARS and _has_images(page)
            pages.append(PageContent(number, "" if scanned else text, needs_ocr=scanned))
        return pages
    except TextError:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError) as error:
        raise TextError(f"{name}: not a readable PDF ({error})") from error


def _has_images(page) -> bool:
    try:
        resources = page.get("/Resources") or {}
        resources = resources.get_object() if hasattr(resources, "get_object") else resources
        objects = resources.get("/XObject") or {}
        objects = objects.get_object() if hasattr(objects, "get_object") else objects
        return any(objects[key].get_object().get("/Subtype") == "/Image" for key in objects)
    except Exception:  # a malformed resource dictionary: better to try OCR than to lose the page
        return True


_BLOCKS = frozenset(
    {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "tr", "table"}
    | {"blockquote", "pre", "section", "article", "aside", "header", "footer", "nav", "figure"}
    | {"figcaption", "caption", "br", "hr", "td", "th", "title"}
)
_SKIPPED = frozenset({"script", "style", "head"})


def epub_pages(source: Path | str, name: str = "") -> list[str]:
    """The text of each entry of an EPUB's spine, in reading order: page N is the N-th spine entry (what
    the EPUB reader opens for ``#page=N``), empty for an entry that is not XHTML. ``source``: the .epub
    file, or the folder of an unpacked EPUB."""
    source = Path(source)
    name = name or source.name
    try:
        if source.is_dir():
            return _epub_texts(lambda member: _read_folder(source, member), name)
        with zipfile.ZipFile(source) as archive:
            return _epub_texts(lambda member: _read_member(archive, member), name)
    except TextError:
        raise
    except RefusedFile as error:
        raise TextError(f"{name}: {error}") from error
    except (zipfile.BadZipFile, OSError, KeyError, etree.XMLSyntaxError, ValueError) as error:
        raise TextError(f"{name}: not a readable EPUB ({error})") from error


def _read_member(archive: zipfile.ZipFile, member: str) -> bytes:
    info = archive.getinfo(member)
    if info.file_size > MAX_EPUB_DOCUMENT_BYTES:
        raise TextError(f"{member}: {info.file_size} bytes uncompressed, more than allowed")
    with archive.open(info) as handle:
        data = handle.read(MAX_EPUB_DOCUMENT_BYTES + 1)
    if len(data) > MAX_EPUB_DOCUMENT_BYTES:
        raise TextError(f"{member}: larger than allowed once uncompressed")
    return data


def _read_folder(root: Path, member: str) -> bytes:
    path = (root / member).resolve()
    if not path.is_relative_to(root.resolve()):
        raise TextError(f"{member}: outside the EPUB")
    if path.stat().st_size > MAX_EPUB_DOCUMENT_BYTES:
        raise TextError(f"{member}: larger than allowed")
    return path.read_bytes()


def _xml(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    root = etree.fromstring(data, parser)
    if root is None:
        raise TextError("empty XML document")
    return root


class _Members:
    """An EPUB's members as :func:`formats.package_document` reads them (``read(name)``), size-bounded."""

    def __init__(self, read) -> None:
        self.read = read


def _epub_texts(read, name: str) -> list[str]:
    opf_path, package = package_document(_Members(read))
    base = posixpath.dirname(opf_path)
    manifest = {
        item.get("id"): (item.get("href") or "", item.get("media-type") or "")
        for item in package.findall("{*}manifest/{*}item")
    }
    texts, documents = [], 0
    for itemref in package.findall("{*}spine/{*}itemref"):
        href, media_type = manifest.get(itemref.get("idref"), ("", ""))
        if not href or "html" not in media_type:
            texts.append("")  # an image or SVG page: no text, but its place in the spine
            continue
        member = posixpath.normpath(posixpath.join(base, unquote(href.split("#")[0])))
        if member.startswith("../") or member.startswith("/"):
            raise TextError(f"{name}: spine document {href} points outside the EPUB")
        texts.append(xhtml_text(read(member)))
        documents += 1
    if not documents:
        raise TextError(f"{name}: the EPUB's spine lists no XHTML document")
    return texts


def xhtml_text(data: bytes) -> str:
    """Visible text of an XHTML document, each block on its own line."""
    root = _xml(data)
    body = root.xpath("//*[local-name()='body']")
    pieces: list[str] = []
    _walk(body[0] if body else root, pieces)
    return clean_text("".join(pieces))


def _walk(element, pieces: list[str]) -> None:
    tag = etree.QName(element).localname.lower() if isinstance(element.tag, str) else ""
    if tag in _SKIPPED:
        if element.tail:
            pieces.append(element.tail)
        return
    block = tag in _BLOCKS
    if block:
        pieces.append("\n")
    if element.text and isinstance(element.tag, str):
        pieces.append(element.text)
    for child in element:
        _walk(child, pieces)
    if block:
        pieces.append("\n")
    if element.tail:
        pieces.append(element.tail)


# ---------------------------------------------------------------- extraction (background tasks)


def extract_item_text(item_id: int) -> bool:
    """Extract the text of an item into PageText rows (replacing any); True when pages need OCR (the item
    is then "OCR queued" and the caller queues ``ocr_item_pages``).

    Never raises on a bad file: the item gets text_status "failed" and the reason in text_error."""
    item = DigitalItem.objects.select_related("record").filter(pk=item_id).first()
    if item is None:
        logger.warning("extract_item_text: no digital item %s", item_id)
        return False
    try:
        contents, source = _read_item(item)
    except (TextError, ocr.OcrError, OSError) as error:
        _fail(item, str(error))
        return False
    needs_ocr = any(content.needs_ocr for content in contents)
    with transaction.atomic():
        PageText.objects.filter(item=item).delete()
        PageText.objects.bulk_create(
            [
                PageText(item=item, page=content.page, text=content.text, source=source)
                for content in contents
                if not content.needs_ocr
            ],
            batch_size=500,
        )
        item.text_status = (
            DigitalItem.TextStatus.OCR_QUEUED if needs_ocr else DigitalItem.TextStatus.EXTRACTED
        )
        item.text_error = ""
        if not item.page_count:
            item.page_count = len(contents)
        item.save(update_fields=["text_status", "text_error", "page_count", "updated_at"])
    if not needs_ocr:
        _text_changed(item)
    return needs_ocr


def _read_item(item: DigitalItem) -> tuple[list[PageContent], str]:
    label = item.filename or f"item {item.pk}"
    if item.kind == DigitalItem.Kind.IMAGES:
        sequences = list(item.pages.order_by("sequence").values_list("sequence", flat=True))
        return [PageContent(sequence, "", needs_ocr=True) for sequence in sequences], PageText.Source.OCR
    if not item.file_key:
        raise TextError(f"{label}: no file stored")
    path = default_store().path(item.file_key)
    if item.kind == DigitalItem.Kind.EPUB:
        texts = epub_pages(path, label)
        return [PageContent(i, text) for i, text in enumerate(texts, start=1)], PageText.Source.EPUB
    if item.kind == DigitalItem.Kind.PDF:
        return pdf_pages(path, label), PageText.Source.TEXT_LAYER
    raise TextError(f"{label}: no text extraction for kind {item.kind!r}")


def _fail(item: DigitalItem, message: str) -> None:
    logger.warning("text of digital item %s: %s", item.pk, message)
    item.text_status = DigitalItem.TextStatus.FAILED
    item.text_error = message[:2000]
    item.save(update_fields=["text_status", "text_error", "updated_at"])


def pages_needing_ocr(item: DigitalItem) -> list[int]:
    """Pages of the item that have no PageText row yet (the OCR still to do)."""
    done = set(PageText.objects.filter(item=item).values_list("page", flat=True))
    if item.kind == DigitalItem.Kind.IMAGES:
        pages = item.pages.order_by("sequence").values_list("sequence", flat=True)
    else:
        pages = range(1, (item.page_count or 0) + 1)
    return [page for page in pages if page not in done]


def ocr_item_pages(item_id: int, limit: int = OCR_PAGES_PER_TASK) -> bool:
    """Recognise up to ``limit`` pages of the item still without text; True when pages are left (the task
    then queues itself again). Each page is saved as soon as it is recognised."""
    item = DigitalItem.objects.select_related("record").filter(pk=item_id).first()
    if item is None or item.text_status not in (
        DigitalItem.TextStatus.OCR_QUEUED,
        DigitalItem.TextStatus.OCR_RUNNING,
    ):
        return False
    DigitalItem.objects.filter(pk=item.pk).update(text_status=DigitalItem.TextStatus.OCR_RUNNING)
    languages = ocr.tesseract_languages(item.language)
    todo = pages_needing_ocr(item)
    try:
        for page in todo[:limit]:
            result = _ocr_page(item, page, languages)
            PageText.objects.update_or_create(
                item=item,
                page=page,
                defaults={
                    "text": result.text,
                    "source": PageText.Source.OCR,
                    "words": result.words,
                    "layout": result.hocr,
                    "confidence": result.confidence,
                },
            )
    except (ocr.OcrError, OSError) as error:
        _fail(item, str(error))
        return False
    if len(todo) > limit:
        return True
    item.text_status = DigitalItem.TextStatus.OCR_DONE
    item.text_error = ""
    item.save(update_fields=["text_status", "text_error", "updated_at"])
    _text_changed(item)
    return False


def _ocr_page(item: DigitalItem, page: int, languages: str) -> ocr.OcrPage:
    store = default_store()
    if item.kind == DigitalItem.Kind.IMAGES:
        image = PageImage.objects.filter(item=item, sequence=page).first()
        if image is None:
            raise ocr.OcrError(f"item {item.pk}: page image {page} is missing")
        return ocr.ocr_file(store.path(image.file_key), languages)
    rendered = ocr.render_pdf_page(store.path(item.file_key), page - 1)
    return ocr.ocr_image(rendered, languages)


def _text_changed(item: DigitalItem) -> None:
    """The item's text is final: rebuild its page index, then have the catalog re-index its work."""
    build_page_index(item.pk)
    work_id = item.record.work_id
    if work_id is not None:
        works_changed.send(sender=DigitalItem, work_ids=[work_id])


# ---------------------------------------------------------------- the page index of one item


def page_index_path(item_id: int) -> Path:
    return Path(settings.DATA_DIR) / "fulltext" / f"{item_id % 1000:03d}" / f"{item_id}.sqlite3"


def _stamp(item_id: int) -> str:
    return _stamps([item_id])[item_id]


def _stamps(item_ids: list[int]) -> dict[int, str]:
    """Which text an index was built from: the number and highest id of the item's PageText rows (every
    extraction replaces the rows, every OCR run adds some; staff edits of the item change neither)."""
    rows = (
        DigitalItem.objects.filter(pk__in=item_ids)
        .annotate(count=Count("texts"), last=Max("texts__id"))
        .values_list("pk", "count", "last")
    )
    found = {pk: f"{PAGE_INDEX_VERSION}:{count}:{last or 0}" for pk, count, last in rows}
    return {item_id: found.get(item_id, f"{PAGE_INDEX_VERSION}:0:0") for item_id in item_ids}


def build_page_index(item_id: int) -> Path:
    """(Re)write the item's page index from its PageText rows; returns its path."""
    stamp = _stamp(item_id)
    path = page_index_path(item_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    rows = PageText.objects.filter(item_id=item_id).order_by("page").values_list("page", "text")
    connection = sqlite3.connect(partial)
    try:
        connection.executescript(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
            "CREATE VIRTUAL TABLE pages USING fts5("
            "tokens, page UNINDEXED, text UNINDEXED, spans UNINDEXED, tokenize='ascii');"
            "CREATE TABLE vocabulary (term TEXT);"
        )
        all_tokens = []
        for page, text in rows.iterator(chunk_size=200):
            tokens, spans = token_spans(text)
            joined = " ".join(tokens)
            all_tokens.append(joined)
            connection.execute(
                "INSERT INTO pages (rowid, tokens, page, text, spans) VALUES (?, ?, ?, ?, ?)",
                (page, joined, page, text, " ".join(f"{start} {end}" for start, end in spans)),
            )
        connection.executemany(
            "INSERT INTO vocabulary (term) VALUES (?)", [(t,) for t in vocabulary(all_tokens, MAX_ITEM_TERMS)]
        )
        connection.execute("INSERT INTO meta VALUES ('stamp', ?)", (stamp,))
        connection.commit()
    finally:
        connection.close()
    partial.replace(path)
    return path


def _open_page_index(item_id: int, stamp: str | None = None) -> sqlite3.Connection:
    """The item's page index, rebuilt first when missing or older than its PageText rows."""
    stamp = stamp or _stamp(item_id)
    path = page_index_path(item_id)
    if path.exists():
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            found = connection.execute("SELECT value FROM meta WHERE key = 'stamp'").fetchone()
        except sqlite3.DatabaseError:
            found = None
        if found and found[0] == stamp:
            return connection
        connection.close()
    build_page_index(item_id)
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def item_vocabulary(item_id: int, stamp: str | None = None) -> list[str]:
    connection = _open_page_index(item_id, stamp)
    try:
        return [term for (term,) in connection.execute("SELECT term FROM vocabulary ORDER BY rowid")]
    finally:
        connection.close()


def work_index_terms(work_ids: list[int]) -> dict[int, str]:
    """Work id -> the distinct words (analysed, space-separated) inside the texts of its digital items,
    at most :data:`MAX_WORK_TERMS`; only the works that have any. For the catalog's ``fulltext`` field."""
    if not work_ids:
        return {}
    # A closed item (a thesis under embargo) lends no words to search: its text is not to be found yet.
    wanted = set(work_ids)
    items = [
        (item.pk, item.record.work_id)
        for item in DigitalItem.objects.filter(
            **ids_lookup("record__work_id", work_ids), text_status__in=TEXT_DONE
        )
        .select_related("record")
        .only("id", "record__work_id")
        .order_by("id")
        if item.record.work_id in wanted and not access_restriction(item)
    ]
    if not items:
        return {}
    stamps = _stamps([item_id for item_id, _ in items])
    terms: dict[int, dict[str, None]] = {}
    for item_id, work_id in items:
        words = terms.setdefault(work_id, {})
        if len(words) >= MAX_WORK_TERMS:
            continue
        for term in item_vocabulary(item_id, stamps[item_id]):
            words[term] = None
            if len(words) >= MAX_WORK_TERMS:
                break
    return {work_id: " ".join(words) for work_id, words in terms.items() if words}


# ---------------------------------------------------------------- search inside one item


def _snippets(tokens: str, text: str, spans: str, wanted: set[str]) -> list:
    numbers = [int(number) for number in spans.split()]
    located = list(zip(numbers[::2], numbers[1::2], strict=True))
    return snippets_at(text, hit_spans(tokens.split(), located, wanted))


@dataclass
class PageHit:
    page: int
    matches: int
    snippets: list  # textclean.Snippet


@dataclass
class InsideResults:
    query: str
    tokens: list[str]
    pages: list[PageHit]  # the pages shown (this result page), in page order
    total_pages: int  # pages with hits
    total_matches: int
    offset: int


def search_item(item_id: int, query: str, offset: int = 0, limit: int = 20) -> InsideResults:
    """Pages of the item holding every word of ``query`` (folded, lightly stemmed as the catalog does), in
    page order, with their number of matches; snippets for the ``limit`` pages from ``offset``."""
    tokens = list(dict.fromkeys(page_tokens(query or "")))[:20]
    results = InsideResults(query, tokens, [], 0, 0, offset)
    if not tokens:
        return results
    wanted = set(tokens)
    match = " AND ".join('"' + token.replace('"', '""') + '"' for token in tokens)
    connection = _open_page_index(item_id)
    try:
        rows = connection.execute(
            "SELECT page, tokens FROM pages WHERE pages MATCH ? ORDER BY rowid", (match,)
        ).fetchall()
        counts = [(page, count_matches(page_words, wanted)) for page, page_words in rows]
        results.total_pages = len(counts)
        results.total_matches = sum(count for _, count in counts)
        shown = counts[offset : offset + limit]
        if shown:
            marks = ",".join("?" * len(shown))
            found = connection.execute(
                f"SELECT page, tokens, text, spans FROM pages WHERE rowid IN ({marks})", [p for p, _ in shown]
            ).fetchall()
            pieces = {page: _snippets(words, text, spans, wanted) for page, words, text, spans in found}
            results.pages = [PageHit(page, count, pieces.get(page, [])) for page, count in shown]
    finally:
        connection.close()
    return results
