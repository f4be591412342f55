"""IIIF Image API 3.0 (level 2) for every page image, and the Presentation 3 manifest of each item (/iiif/).

Every answer carries ``Access-Control-Allow-Origin: *``. Access follows :func:`access.can_read` (401 to an
anonymous reader, 403 otherwise; IIIF Auth 2 is not implemented). Tiles are not usage events: the viewer page
records one read per page view. Derivatives up to ``CACHE_MAX_PIXELS`` (tiles, thumbnails) are kept on disk
under ``$KHIZANA_DATA_DIR/iiif-cache`` (``settings.KHIZANA_IIIF_CACHE``), keyed by the source's checksum.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_safe
from PIL import Image

from khizana.digital.access import Decision, can_read
from khizana.digital.iiif import image as iiif_image
from khizana.digital.iiif.image import IIIFError, Limits
from khizana.digital.models import DigitalItem, PageImage
from khizana.digital.reading.ranges import etag_matches
from khizana.digital.storage import StorageError, default_store

CACHE_MAX_PIXELS = 1024 * 1024
DECODED_CACHE_PIXELS = 50_000_000  # decoded source images kept in memory per process (about 150 MB)
JSONLD = 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'
PRESENTATION_JSONLD = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'


def limits() -> Limits:
    """``Limits`` from the settings KHIZANA_IIIF_MAX_WIDTH, _MAX_HEIGHT, _MAX_AREA."""
    return Limits(
        max_width=settings.KHIZANA_IIIF_MAX_WIDTH,
        max_height=settings.KHIZANA_IIIF_MAX_HEIGHT,
        max_area=settings.KHIZANA_IIIF_MAX_AREA,
    )


def cache_root() -> Path:
    return Path(settings.KHIZANA_IIIF_CACHE)


# ------------------------------------------------------------------------------------------- responses


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _error(status: int, message: str) -> HttpResponse:
    return _cors(HttpResponse(f"{message}\n", status=status, content_type="text/plain; charset=utf-8"))


def _refused(decision: Decision) -> HttpResponse:
    if decision.reason == "login_required":
        response = _error(401, "This image is reserved to members: sign in to see it.")
        response["WWW-Authenticate"] = 'Cookie realm="Khizana"'  # IIIF Auth 2 is not implemented
        return response
    reasons = {
        "not_member": "This image is reserved to the members of the library that holds it.",
        "unverified": "This image is reserved to members whose membership the library has verified.",
        "off_site": "This image can only be seen on the premises of the library that holds it.",
        "no_loan": "This image can only be seen during a loan of the item.",
    }
    return _error(403, reasons.get(decision.reason, "You may not see this image."))


def _caching(response: HttpResponse, etag: str, item: DigitalItem) -> HttpResponse:
    response["ETag"] = f'"{etag}"'
    if item.access == DigitalItem.Access.OPEN:
        response["Cache-Control"] = "public, max-age=86400"
    else:
        response["Cache-Control"] = "private, max-age=3600"
        response["Vary"] = "Cookie"
    return response


def _json_document(request: HttpRequest, document: dict, jsonld_type: str) -> tuple[HttpResponse, str]:
    """A IIIF JSON document (or 304 when the client has it), as JSON-LD when the client asks for it."""
    body = json.dumps(document, ensure_ascii=False).encode()
    etag = hashlib.sha256(body).hexdigest()[:32]
    if _not_modified(request, etag):
        return HttpResponse(status=304), etag
    wants_jsonld = "application/ld+json" in request.headers.get("Accept", "")
    return HttpResponse(body, content_type=jsonld_type if wants_jsonld else "application/json"), etag


def _not_modified(request: HttpRequest, etag: str) -> bool:
    return etag_matches(request.headers.get("If-None-Match"), f'"{etag}"')


_PAGE_SQL = None


def _page(identifier: str) -> PageImage:
    """The page image and its item (the fields serving and access need), in one plain SQL query: the ORM's
    query building was most of the time of a cached tile."""
    global _PAGE_SQL
    item_id, sequence = iiif_image.parse_identifier(identifier)
    if _PAGE_SQL is None:
        page_table, item_table = PageImage._meta.db_table, DigitalItem._meta.db_table
        _PAGE_SQL = (
            "SELECT p.id, p.file_key, p.width, p.height, p.sha256, p.label, p.media_type, "
            f"i.access, i.library_id, i.rights, i.record_id FROM {page_table} p "
            f"JOIN {item_table} i ON i.id = p.item_id WHERE p.item_id = %s AND p.sequence = %s"
        )
    with connection.cursor() as cursor:
        cursor.execute(_PAGE_SQL, [item_id, sequence])
        row = cursor.fetchone()
    if row is None:
        raise IIIFError(404, f"no image {identifier!r}")
    page_id, file_key, width, height, sha256, label, media_type, access, library_id, rights, record_id = row
    item = DigitalItem(id=item_id, access=access, library_id=library_id, rights=rights, record_id=record_id)
    return PageImage(
        id=page_id,
        item=item,
        sequence=sequence,
        label=label,
        file_key=file_key,
        media_type=media_type,
        width=width,
        height=height,
        sha256=sha256,
    )


def service_id(request: HttpRequest, page: PageImage) -> str:
    identifier = iiif_image.make_identifier(page.item_id, page.sequence)
    return request.build_absolute_uri(reverse("digital-iiif-base", args=[identifier]))


# ----------------------------------------------------------------------------------------------- views


@require_safe
def base(request: HttpRequest, identifier: str) -> HttpResponse:
    """The image's base URI redirects to its info.json (spec 2.1)."""
    try:
        iiif_image.parse_identifier(identifier)
    except IIIFError as error:
        return _error(error.status, error.message)
    return _cors(HttpResponseRedirect(reverse("digital-iiif-info", args=[identifier]), status=303))


@require_safe
def info(request: HttpRequest, identifier: str) -> HttpResponse:
    try:
        page = _page(identifier)
    except IIIFError as error:
        return _error(error.status, error.message)
    decision = can_read(request, page.item)
    if not decision:
        return _refused(decision)
    document = iiif_image.info_json(
        service_id(request, page), page.width, page.height, limits(), rights=page.item.rights
    )
    response, etag = _json_document(request, document, JSONLD)
    response["Link"] = f'<{iiif_image.LEVEL2_PROFILE_URI}>;rel="profile"'
    return _cors(_caching(response, etag, page.item))


@require_safe
def image(request: HttpRequest, identifier: str, region: str, size: str, rotation: str, filename: str):
    try:
        page = _page(identifier)
        plan = iiif_image.parse_request(region, size, rotation, filename, page.width, page.height, limits())
    except IIIFError as error:
        return _error(error.status, error.message)
    decision = can_read(request, page.item)
    if not decision:
        return _refused(decision)
    canonical = plan.canonical(page.width, page.height, limits())
    etag = hashlib.sha256(f"{page.sha256}/{canonical}".encode()).hexdigest()[:32]
    if _not_modified(request, etag):
        response = HttpResponse(status=304)
    else:
        try:
            data = derivative(page, plan, canonical)
        except (StorageError, OSError) as error:
            return _error(500, f"the image file of {identifier} cannot be read: {error}")
        response = HttpResponse(data, content_type=plan.media_type)
    response["Link"] = (
        f'<{iiif_image.LEVEL2_PROFILE_URI}>;rel="profile", '
        f'<{service_id(request, page)}/{canonical}>;rel="canonical"'
    )
    return _cors(_caching(response, etag, page.item))


# ------------------------------------------------------------------------------------------ derivatives


def derivative(page: PageImage, plan: iiif_image.Plan, canonical: str) -> bytes:
    """The encoded image, from the on-disk cache for small outputs (tiles), else made now."""
    small = plan.size[0] * plan.size[1] <= CACHE_MAX_PIXELS
    cached = (
        cache_root()
        / page.sha256[:2]
        / page.sha256
        / (hashlib.sha256(canonical.encode()).hexdigest() + "." + plan.format)
    )
    if small:
        try:
            return cached.read_bytes()
        except FileNotFoundError:
            pass
    data = _make(page, plan)
    if small:
        _write_atomically(cached, data)
    return data


def _make(page: PageImage, plan: iiif_image.Plan) -> bytes:
    path = default_store().path(page.file_key)
    in_memory = _decoded(path, page.sha256, cached_only=True)
    if in_memory is not None:
        return iiif_image.render(in_memory, plan, decoded=True)
    _x, _y, w, h = plan.region
    reduction = min(w / plan.size[0], h / plan.size[1])
    too_big = page.width * page.height > DECODED_CACHE_PIXELS
    if too_big or (reduction >= 2 and page.media_type == "image/jpeg"):
        # Only JPEG decodes cheaply at a reduced scale (draft mode); other formats are decoded in full
        # either way, so they go through the in-memory cache below unless too big to keep.
        with Image.open(path) as source:
            return iiif_image.render(source, plan)
    return iiif_image.render(_decoded(path, page.sha256), plan, decoded=True)


_decoded_images: OrderedDict[str, Image.Image] = OrderedDict()
_decoded_lock = threading.Lock()


def _decoded(path: Path, sha256: str, cached_only: bool = False) -> Image.Image | None:
    """The source decoded in memory (a page's tiles come in bursts: decode it once, not once per tile);
    with ``cached_only``, None when it is not in memory yet."""
    with _decoded_lock:
        found = _decoded_images.get(sha256)
        if found is not None:
            _decoded_images.move_to_end(sha256)
            return found
    if cached_only:
        return None
    with Image.open(path) as source:
        source.load()
        decoded = (
            source if source.mode in ("RGB", "L") else source.convert("RGBA" if "A" in source.mode else "RGB")
        )
        decoded = decoded.copy() if decoded is source else decoded
    with _decoded_lock:
        _decoded_images[sha256] = decoded
        while sum(i.width * i.height for i in _decoded_images.values()) > DECODED_CACHE_PIXELS:
            _decoded_images.popitem(last=False)
    return decoded


def _write_atomically(target: Path, data: bytes) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except OSError:
        pass  # a cache that cannot be written is only slower


# -------------------------------------------------------------------------------------------- manifest


@require_safe
def manifest(request: HttpRequest, item_id: int) -> HttpResponse:
    from khizana.digital.iiif.manifests import build_manifest

    item = get_object_or_404(DigitalItem.objects.select_related("record__work", "library"), pk=item_id)
    decision = can_read(request, item)
    if not decision:
        return _refused(decision)
    document = build_manifest(request, item)
    if document is None:
        return _error(404, f"item {item_id} has no page images")
    response, etag = _json_document(request, document, PRESENTATION_JSONLD)
    return _cors(_caching(response, etag, item))
