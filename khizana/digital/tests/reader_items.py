"""Digital items made from real files for the reader's tests, its browser test and its benchmark.

Items are stored the way ingest stores them (the content-addressed store, sha256, size); ingest's own
checks are the ingest part's business and are not repeated here."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

from khizana.catalog.models import SourceRecord, Work
from khizana.digital.models import DigitalItem
from khizana.digital.storage import default_store
from khizana.libraries.models import Library

DATA = Path(__file__).parent / "data" / "reader"
SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "digital"
ARABIC_EPUB_FOLDER = SHARED / "epub" / "idpf_regime-anticancer-arabic"
MEDIA_TYPES = {"pdf": "application/pdf", "epub": "application/epub+zip"}


def epub_from_folder(folder: Path) -> bytes:
    """Pack an unzipped EPUB (as some samples are published) into its OCF zip: ``mimetype`` first, stored."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(folder / "mimetype", "mimetype", compress_type=zipfile.ZIP_STORED)
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name != "mimetype":
                archive.write(path, path.relative_to(folder).as_posix(), compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def add_item(
    record: SourceRecord,
    content: bytes,
    kind: str,
    filename: str,
    access: str = DigitalItem.Access.OPEN,
    direction: str = DigitalItem.Direction.LTR,
    language: str = "",
    page_count: int = 0,
) -> DigitalItem:
    stored = default_store().save(io.BytesIO(content), kind)
    return DigitalItem.objects.create(
        record=record,
        library=record.library,
        kind=kind,
        language=language,
        direction=direction,
        file_key=stored.key,
        filename=filename,
        media_type=MEDIA_TYPES[kind],
        size=stored.size,
        sha256=stored.sha256,
        page_count=page_count,
        access=access,
        rights="http://creativecommons.org/publicdomain/mark/1.0/",
    )


def make_record(library: Library, local_id: str, title: str, **work_fields) -> SourceRecord:
    """A library's record (Dublin Core, as sent) and its work, for the digital tests of every part."""
    raw = title.encode()
    work_fields = {"material_type": "book", "record_count": 1, "library_count": 1, **work_fields}
    work = Work.objects.create(title=title, **work_fields)
    return SourceRecord.objects.create(
        library=library,
        local_id=local_id,
        format="dc",
        serialisation="xml",
        raw=raw,
        checksum=hashlib.sha256(raw).hexdigest(),
        title=title,
        fields={"title": title, "material_type": "book"},
        work=work,
        cluster_dirty=False,
    )


def arabic_epub() -> tuple[bytes, str]:
    """The Arabic right-to-left book: the IDPF sample when ../shared is there, else the small W3C test."""
    if ARABIC_EPUB_FOLDER.is_dir():
        return epub_from_folder(ARABIC_EPUB_FOLDER), "idpf_regime-anticancer-arabic.epub"
    name = "epubtests_pkg-dir_unset-root-rtl.epub"
    return (DATA / name).read_bytes(), name


def add_demo_items() -> str:
    """Open items on the first work of an installation (the browser test and the bench call this through
    `khizana shell -c`): a French PDF, an Arabic PDF, the Arabic right-to-left EPUB and an EPUB whose spine
    turns right to left. Returns their ids as JSON."""
    record = SourceRecord.objects.filter(work__isnull=False, deleted=False).order_by("id").first()
    if record is None:
        raise SystemExit("no catalogued record to attach digital items to")
    ids: dict[str, int | None] = {"work": record.work_id}
    for key, name, language in (
        ("pdf", "pdfjs_french_diacritics.pdf", "fre"),
        ("pdf_ar", "samplefiles_habibi.pdf", "ara"),
    ):
        ids[key] = add_item(
            record, (DATA / name).read_bytes(), "pdf", name, language=language, page_count=1
        ).pk
    content, name = arabic_epub()
    ids["epub"] = add_item(record, content, "epub", name, direction="rtl", language="ara").pk
    name = "epubtests_pkg-spine-progression_rtl.epub"
    ids["epub_spine_rtl"] = add_item(record, (DATA / name).read_bytes(), "epub", name, language="eng").pk
    return json.dumps(ids)
