"""Reading online: the item page, the PDF and EPUB readers, and the delivery of the stored file to them.

Every view that shows or serves an item asks ``access.can_read`` and records a usage event.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import BinaryIO

from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotModified,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language_bidi
from django.views.decorators.http import require_safe

from khizana.digital.access import Decision, can_read
from khizana.digital.models import DigitalItem
from khizana.digital.reading import services
from khizana.digital.reading.ranges import ByteRange, UnsatisfiableRange, etag_matches, parse_range
from khizana.digital.storage import StorageError, default_store
from khizana.digital.usage import record_usage

CHUNK = 64 * 1024
# The EPUB is untrusted HTML: opened directly, it may run nothing and load nothing.
EPUB_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
# A PDF opened directly is drawn by the browser's own viewer, which any fetch directive breaks (Chrome's
# viewer is an embedded plugin: crbug.com/271452): no one may frame it, and that is all. This header
# also keeps the site's policy (CSPMiddleware) off the file.
PDF_CSP = "frame-ancestors 'none'"
# The reader pages: scripts from our own static files only. Book pages are drawn in sandboxed frames
# without scripts (epub.js), their images and styles as blob: URLs made from the book.
READER_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline' blob:; "
    "img-src 'self' data: blob:; font-src 'self' data: blob:; connect-src 'self'; worker-src 'self'; "
    "frame-src 'self' blob:; child-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _item(item_id: int) -> DigitalItem:
    return get_object_or_404(DigitalItem.objects.select_related("library", "record"), pk=item_id)


def _page_context(request: HttpRequest, item: DigitalItem, decision: Decision) -> dict:
    work = item.work
    return {
        "item": item,
        "work": work,
        "work_url": reverse("web:work", args=[work.pk]) if work else "",
        "title": item.display_title,
        "facts": services.item_facts(item),
        "decision": decision,
        "refusal": "" if decision else services.refusal_in_words(item, decision),
        "login_url": services.login_url(request) if decision.reason == "login_required" else "",
        "reader_url": services.reader_url(item),
        "readable": item.kind in services.READABLE_KINDS or item.kind == DigitalItem.Kind.IMAGES,
    }


@require_safe
def item_page(request: HttpRequest, item_id: int) -> HttpResponse:
    """What the item is, and the way to read it or why this reader cannot."""
    item = _item(item_id)
    decision = can_read(request, item)
    record_usage(request, item, "view")
    return render(request, "digital/item.html", _page_context(request, item, decision))


@require_safe
def read(request: HttpRequest, item_id: int) -> HttpResponse:
    """The online reader: PDF.js for PDFs, epub.js for EPUBs (page images have their own viewer)."""
    item = _item(item_id)
    if item.kind not in services.READABLE_KINDS:
        raise Http404("page images are read in the image viewer")
    decision = can_read(request, item)
    context = _page_context(request, item, decision)
    if not decision:
        response = render(request, "digital/item.html", context, status=services.refusal_status(decision))
        return response
    record_usage(request, item, "view")
    context.update(
        {
            "content_url": reverse("digital-content", args=[item.pk]),
            "item_url": reverse("digital-item", args=[item.pk]),
            "page_rtl": get_language_bidi(),
            "book_rtl": item.direction == DigitalItem.Direction.RTL,
        }
    )
    template = "digital/reader_pdf.html" if item.kind == DigitalItem.Kind.PDF else "digital/reader_epub.html"
    response = render(request, template, context)
    response["Content-Security-Policy"] = READER_CSP
    response["Cache-Control"] = "private, no-cache"
    return response


def _file_chunks(handle: BinaryIO, byte_range: ByteRange) -> Iterator[bytes]:
    try:
        handle.seek(byte_range.start)
        left = byte_range.length
        while left > 0:
            chunk = handle.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
    finally:
        handle.close()


def _content_headers(response: HttpResponse, item: DigitalItem, etag: str) -> HttpResponse:
    response["ETag"] = etag
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    response["Vary"] = "Cookie"
    response["Content-Security-Policy"] = EPUB_CSP if item.kind == DigitalItem.Kind.EPUB else PDF_CSP
    return response


def _refused_content(request: HttpRequest, item: DigitalItem, decision: Decision) -> HttpResponse:
    context = _page_context(request, item, decision)
    response = render(request, "digital/item.html", context, status=services.refusal_status(decision))
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def content(request: HttpRequest, item_id: int) -> HttpResponse:
    """The stored file, inline, with byte ranges (PDF.js) and revalidation by its SHA-256."""
    item = _item(item_id)
    if item.kind not in services.READABLE_KINDS or not item.file_key:
        raise Http404("this item has no file to read")
    decision = can_read(request, item)
    if not decision:
        return _refused_content(request, item, decision)
    etag = f'"{item.sha256}"'
    if etag_matches(request.headers.get("If-None-Match"), etag):
        return _content_headers(HttpResponseNotModified(), item, etag)
    store = default_store()
    try:
        handle = store.open(item.file_key)
    except StorageError as error:
        raise Http404(str(error)) from error
    size = os.fstat(handle.fileno()).st_size
    range_header = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if if_range and not etag_matches(if_range, etag):
        range_header = None  # the file changed since the client's first part: send it whole
    try:
        byte_range = parse_range(range_header, size)
    except UnsatisfiableRange:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return _content_headers(response, item, etag)
    if byte_range is None or byte_range.start == 0:
        record_usage(request, item, "read")
    if byte_range is None:
        response = FileResponse(handle, content_type=item.media_type, filename=item.filename or None)
        response["Content-Length"] = str(size)
        if not item.filename:
            response["Content-Disposition"] = "inline"
        return _content_headers(response, item, etag)
    response = StreamingHttpResponse(
        _file_chunks(handle, byte_range), status=206, content_type=item.media_type
    )
    response["Content-Range"] = byte_range.content_range(size)
    response["Content-Length"] = str(byte_range.length)
    response["Content-Disposition"] = content_disposition_header(False, item.filename) or "inline"
    return _content_headers(response, item, etag)
