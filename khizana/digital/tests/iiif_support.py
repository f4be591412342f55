"""Digital items with page images for the IIIF tests and benchmark, stored the way ingest stores them."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from PIL import Image

from khizana.catalog.models import SourceRecord
from khizana.digital.models import DigitalItem, PageImage
from khizana.digital.storage import default_store
from khizana.digital.tests.reader_items import make_record  # noqa: F401 (the iiif tests import it from here)
from khizana.testing import make_library  # noqa: F401 (the iiif tests import it from here)

DATA = Path(__file__).parent / "data" / "iiif"
SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "digital" / "iiif"
# The IIIF Image API validator's own test image (CC0): 1000 x 1000, 10 x 10 coloured squares.
VALIDATOR_IMAGE = DATA / "imagevalidator_67352ccc-d1b0-11e1-89ae-279075081939.png"
PRESENTATION_SCHEMA = DATA / "presentationvalidator_iiif_3_0.json"
MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "TIFF": "image/tiff"}


def add_page(item: DigitalItem, sequence: int, content: bytes, label: str = "") -> PageImage:
    with Image.open(io.BytesIO(content)) as image:
        width, height, fmt = image.width, image.height, image.format
    stored = default_store().save(io.BytesIO(content), {"JPEG": "jpg"}.get(fmt, fmt.lower()))
    return PageImage.objects.create(
        item=item,
        sequence=sequence,
        label=label,
        file_key=stored.key,
        filename=f"page-{sequence}.{fmt.lower()}",
        media_type=MEDIA_TYPES[fmt],
        width=width,
        height=height,
        size=stored.size,
        sha256=stored.sha256,
    )


def image_item(
    record: SourceRecord,
    pages: list[bytes],
    access: str = DigitalItem.Access.OPEN,
    direction: str = DigitalItem.Direction.LTR,
    rights: str = "http://creativecommons.org/publicdomain/zero/1.0/",
    language: str = "",
) -> DigitalItem:
    item = DigitalItem.objects.create(
        record=record,
        library=record.library,
        kind=DigitalItem.Kind.IMAGES,
        media_type="image/png",
        sha256=hashlib.sha256(b"".join(pages)).hexdigest(),
        page_count=len(pages),
        access=access,
        direction=direction,
        rights=rights,
        language=language,
    )
    for sequence, content in enumerate(pages, start=1):
        add_page(item, sequence, content)
    return item


def validator_image() -> bytes:
    return VALIDATOR_IMAGE.read_bytes()


def large_jpeg(width: int = 4000, height: int = 6000) -> bytes:
    """The validator's CC0 image resized to a scan-sized page (JPEG, as scans are delivered)."""
    with Image.open(VALIDATOR_IMAGE) as image:
        out = io.BytesIO()
        image.convert("RGB").resize((width, height), Image.Resampling.BICUBIC).save(out, "JPEG", quality=90)
        return out.getvalue()
