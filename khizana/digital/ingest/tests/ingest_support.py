"""Shared by the ingest part's tests: real files, two libraries holding the same real records."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest

from khizana.catalog.clustering import recluster_dirty
from khizana.catalog.models import SourceRecord
from khizana.catalog.services import import_file
from khizana.libraries.models import Library
from khizana.testing import make_library

REPO = Path(__file__).resolve().parents[4]
DATA = REPO / "khizana" / "digital" / "tests" / "data" / "ingest"  # the digital app's test files
SHARED = REPO.parent / "shared" / "data" / "digital"
RECORDS = (
    REPO / "demo" / "records" / "BNRM" / "rero_documents_arabic.xml"
)  # REROILS:93 has ISBN 9789777185905
ISBN = "9789777185905"
RTL_EPUB = DATA / "epubtests_pkg-dir_unset-root-rtl.epub"
PDF = DATA / "samplefiles_habibi.pdf"
ENCRYPTED_PDF = DATA / "pypdf_r4-aes-user-password.pdf"
PNG = DATA / "imagevalidator_67352ccc-d1b0-11e1-89ae-279075081939.png"

needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data/digital is absent")


@dataclass
class Catalog:
    library_a: Library
    library_b: Library
    record_a: SourceRecord  # REROILS:93 of LIBA (Arabic, with the ISBN)
    record_b: SourceRecord  # the same record in LIBB: same work


def make_catalog() -> Catalog:
    library_a, library_b = make_library("LIBA"), make_library("LIBB")
    for library in (library_a, library_b):
        import_file(library, RECORDS, cluster=False)
    recluster_dirty()
    record_a = SourceRecord.objects.get(library=library_a, local_id="REROILS:93")
    record_b = SourceRecord.objects.get(library=library_b, local_id="REROILS:93")
    assert record_a.work_id and record_a.work_id == record_b.work_id
    return Catalog(library_a, library_b, record_a, record_b)


def jpeg_page(source: Path = PNG) -> bytes:
    """A JPEG made from a real PNG page (a second page in another format)."""
    from PIL import Image

    buffer = io.BytesIO()
    with Image.open(source) as image:
        image.convert("RGB").save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def stored_files(store_root: Path) -> list[Path]:
    """Every file under the store, temporary ones included."""
    return [path for path in store_root.rglob("*") if path.is_file()] if store_root.exists() else []
