"""Add digital items to source records: validate a temporary copy, store, write the rows in one transaction.

A refused file leaves nothing behind: it is checked (:mod:`.formats`) from a bounded temporary copy before
anything is stored, and a stored file that no row ends up naming is removed again. Once the item is
committed its text extraction is queued, and the record's work shows "digital" availability in search.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext

from khizana.accounts.audit import audit
from khizana.catalog import clustering
from khizana.catalog.identifiers import normalise_isbn
from khizana.catalog.models import MatchKey, SourceRecord
from khizana.catalog.records import RecordKind
from khizana.core.files import safe_display_name
from khizana.digital import tasks
from khizana.digital.ingest import formats
from khizana.digital.ingest.formats import Msgid, RefusedFile, gettext_noop
from khizana.digital.models import DigitalItem, PageImage
from khizana.digital.rights import canonical_rights
from khizana.digital.storage import StorageError, default_store
from khizana.libraries.models import Library

logger = logging.getLogger(__name__)
_CHUNK = 1024 * 1024
FileLike = BinaryIO | Path | str


class IngestError(Exception):
    """A file (or a record key) that cannot be ingested; ``message()`` says which and why, translated.

    ``name`` and ``template`` are positional-only: the parameters of a template may use any name (a
    refusal of :mod:`.formats` names the ZIP entry ``name``)."""

    def __init__(self, name: str, template: str, /, **params: object) -> None:
        self.name = name
        self.template = template
        self.params = params
        super().__init__(f"{name}: {template % params if params else template}")

    @classmethod
    def refused(cls, name: str, error: RefusedFile) -> IngestError:
        return cls(name, error.template, **error.params)

    def reason(self) -> str:
        """The reason, translated: the template and the parameters marked for translation (a file or
        entry name is shown as it is)."""
        text = gettext(self.template)
        params = {
            key: gettext(value) if isinstance(value, Msgid) else value for key, value in self.params.items()
        }
        return text % params if params else text

    def message(self) -> str:
        return f"{self.name}: {self.reason()}"


class AlreadyIngested(IngestError):
    """The same bytes are already a digital item of this record."""

    def __init__(self, name: str, item: DigitalItem) -> None:
        super().__init__(name, gettext_noop("already digital item #%(item)s of this record"), item=item.pk)
        self.item = item


# --- checks and temporary copies --------------------------------------------------------------------


def epubcheck_command() -> list[str] | None:
    """settings.KHIZANA_EPUBCHECK (a command line; empty: none) when set, else the installed EPUBCheck."""
    configured = settings.KHIZANA_EPUBCHECK
    if configured is not None:
        return configured.split() if isinstance(configured, str) else list(configured) or None
    return formats.find_epubcheck()


@dataclass
class Checked:
    """A validated temporary copy of one file."""

    name: str
    path: Path
    sha256: str
    size: int
    identified: formats.Identified


def _open(file: FileLike):
    if isinstance(file, str | Path):
        return open(file, "rb")
    if hasattr(file, "seek"):
        file.seek(0)
    return _Borrowed(file)


class _Borrowed:
    """A caller's open file: read it, do not close it."""

    def __init__(self, file) -> None:
        self.file = file

    def __enter__(self):
        return self.file

    def __exit__(self, *exc) -> None:
        return None


def copy_bounded(file: FileLike, name: str, target: Path, max_bytes: int) -> tuple[str, int]:
    """Copy ``file`` to ``target`` (sha256, size); refuse more than ``max_bytes``."""
    digest, size = hashlib.sha256(), 0
    try:
        with _open(file) as source, open(target, "wb") as out:
            while chunk := source.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise IngestError(
                        name,
                        gettext_noop("file larger than the limit of %(limit)s bytes"),
                        limit=f"{max_bytes:,}",
                    )
                digest.update(chunk)
                out.write(chunk)
    except OSError as error:
        raise IngestError(
            name, gettext_noop("cannot be read: %(reason)s"), reason=error.strerror or str(error)
        ) from None
    return digest.hexdigest(), size


def check_file(file: FileLike, name: str, folder: Path, *, images_only: bool = False) -> Checked:
    """Copy ``file`` into ``folder`` (bounded by settings.KHIZANA_MAX_DIGITAL_BYTES) and check it."""
    handle, temporary = tempfile.mkstemp(dir=folder, prefix="file-")
    os.close(handle)
    path = Path(temporary)
    sha256, size = copy_bounded(file, name, path, settings.KHIZANA_MAX_DIGITAL_BYTES)
    try:
        if images_only:
            identified = formats.check_image(path)
        else:
            identified = formats.identify_file(path, epubcheck=epubcheck_command())
    except RefusedFile as error:
        raise IngestError.refused(name, error) from None
    return Checked(name=name, path=path, sha256=sha256, size=size, identified=identified)


def images_checksum(page_checksums: Sequence[str]) -> str:
    """The checksum of a page-image item: of its pages' checksums, in reading order."""
    return hashlib.sha256("\n".join(page_checksums).encode()).hexdigest()


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def existing_item(record: SourceRecord, sha256: str) -> DigitalItem | None:
    return DigitalItem.objects.filter(record=record, sha256=sha256).order_by("id").first()


# --- adding items -----------------------------------------------------------------------------------


def _check_access(access: str, name: str) -> None:
    if access not in DigitalItem.Access.values:
        raise IngestError(
            name,
            gettext_noop("unknown access policy %(access)r (one of: %(choices)s)"),
            access=access,
            choices=", ".join(DigitalItem.Access.values),
        )


def checked_rights(rights: str, name: str) -> str:
    """The canonical URI of the rights given (a URI of the controlled list in any of its forms, a code such
    as "CC BY 4.0", or a known phrase), "" for none; raises :class:`IngestError` naming them otherwise."""
    if not (rights or "").strip():
        return ""
    entry = canonical_rights(rights)
    if entry is None:
        raise IngestError(
            name,
            gettext_noop(
                "unknown rights %(rights)r: give a Creative Commons or RightsStatements.org URI (e.g. "
                "http://creativecommons.org/licenses/by/4.0/) or its code (e.g. CC BY 4.0, InC-EDU, PDM)"
            ),
            rights=rights.strip(),
        )
    return entry.uri


def _working_folder() -> tempfile.TemporaryDirectory:
    root = Path(settings.KHIZANA_DIGITAL_STORE)
    root.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(dir=root, prefix=".ingest-")


def add_digital_item(
    record: SourceRecord,
    file: FileLike,
    filename: str,
    *,
    access: str,
    user=None,
    label: str = "",
    rights: str = "",
) -> DigitalItem:
    """One PDF or EPUB (a page image makes a one-page image item) as a digital item of ``record``.
    Raises :class:`IngestError` (:class:`AlreadyIngested` for the same bytes on the same record)."""
    _check_access(access, filename)
    rights = checked_rights(rights, filename)
    with _working_folder() as folder:
        checked = check_file(file, filename, Path(folder))
        if checked.identified.kind == "image":
            return _add_images(record, [checked], access=access, user=user, label=label, rights=rights)
        found = existing_item(record, checked.sha256)
        if found:
            raise AlreadyIngested(filename, found)
        identified = checked.identified
        language = identified.language or _record_language(record)
        direction = formats.direction_for(language) if identified.kind == "pdf" else identified.direction
        item = DigitalItem(
            record=record,
            library_id=record.library_id,
            kind=identified.kind,
            label=label[:255],
            language=language,
            direction=direction,
            filename=safe_display_name(filename),
            media_type=identified.media_type,
            size=checked.size,
            sha256=checked.sha256,
            technical=identified.technical,
            page_count=identified.page_count,
            access=access,
            rights=rights,
            created_by=_user_or_none(user),
        )
        with _stored([checked]) as keys:
            item.file_key = keys[0]
            _save(item, [], user)
    return item


def add_page_images(
    record: SourceRecord,
    files: Iterable[tuple[FileLike, str]],
    *,
    access: str,
    user=None,
    label: str = "",
    rights: str = "",
) -> DigitalItem:
    """A digitised book: ``files`` are (file, name) pairs of page images, in reading order."""
    files = list(files)
    if not files:
        raise IngestError(label or str(record), gettext_noop("no page images given"))
    _check_access(access, files[0][1])
    rights = checked_rights(rights, files[0][1])
    with _working_folder() as folder:
        pages = [check_file(file, name, Path(folder), images_only=True) for file, name in files]
        return _add_images(record, pages, access=access, user=user, label=label, rights=rights)


def _add_images(
    record: SourceRecord, pages: list[Checked], *, access: str, user, label: str, rights: str
) -> DigitalItem:
    checksum = images_checksum([page.sha256 for page in pages])
    found = existing_item(record, checksum)
    if found:
        raise AlreadyIngested(pages[0].name, found)
    media_types = sorted({page.identified.media_type for page in pages})
    language = _record_language(record)
    item = DigitalItem(
        record=record,
        library_id=record.library_id,
        kind=DigitalItem.Kind.IMAGES,
        label=label[:255],
        language=language,
        direction=formats.direction_for(language),
        filename=safe_display_name(pages[0].name) if len(pages) == 1 else "",
        media_type=", ".join(media_types)[:100],
        size=sum(page.size for page in pages),
        sha256=checksum,
        technical={
            "format": "page images",
            "pages": len(pages),
            "formats": [page.identified.technical.get("format") for page in pages][:1000],
        },
        page_count=len(pages),
        access=access,
        rights=checked_rights(rights, pages[0].name),
        created_by=_user_or_none(user),
    )
    with _stored(pages) as keys:
        rows = [
            PageImage(
                sequence=number,
                label=str(number),
                file_key=key,
                filename=safe_display_name(page.name),
                media_type=page.identified.media_type,
                width=page.identified.width,
                height=page.identified.height,
                size=page.size,
                sha256=page.sha256,
            )
            for number, (page, key) in enumerate(zip(pages, keys, strict=True), start=1)
        ]
        _save(item, rows, user)
    return item


class _stored:
    """Store the checked files; if the block fails, remove the ones no committed row names."""

    def __init__(self, checked: list[Checked]) -> None:
        self.checked = checked
        self.store = default_store()
        self.keys: list[str] = []

    def __enter__(self) -> list[str]:
        try:
            for each in self.checked:
                stored = self.store.adopt(each.path, each.sha256, each.identified.extension)
                self.keys.append(stored.key)
        except (StorageError, OSError) as error:
            self._forget()
            raise IngestError(
                self.checked[0].name, gettext_noop("cannot be stored: %(reason)s"), reason=str(error)
            ) from None
        except BaseException:
            self._forget()
            raise
        return self.keys

    def __exit__(self, kind, error, trace) -> None:
        if kind is not None:
            self._forget()

    def _forget(self) -> None:
        for key in set(self.keys):
            in_use = (
                DigitalItem.objects.filter(file_key=key).exists()
                or PageImage.objects.filter(file_key=key).exists()
            )
            if not in_use:
                self.store.delete(key)


def _save(item: DigitalItem, pages: list[PageImage], user) -> None:
    with transaction.atomic():
        item.save()
        for page in pages:
            page.item = item
        PageImage.objects.bulk_create(pages)
        SourceRecord.objects.filter(pk=item.record_id).update(cluster_dirty=True)
        audit(
            _user_or_none(user),
            item.library_id,
            "digital-add",
            f"{item.record} {item.filename or item.label}",
            item=item.pk,
            kind=item.kind,
            sha256=item.sha256,
            size=item.size,
            access=item.access,
        )
        item_id = item.pk
        transaction.on_commit(lambda: tasks.extract_item_text(item_id))
    clustering.recluster_dirty()  # the work's availability gains "digital" and it is re-indexed


def _record_language(record: SourceRecord) -> str:
    languages = (record.fields or {}).get("languages") or []
    return languages[0][:3] if languages else ""


def _user_or_none(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


# --- which record -----------------------------------------------------------------------------------

_ACTIVE = Q(deleted=False, kind=RecordKind.BIBLIOGRAPHIC)


def _describe(records: Iterable[SourceRecord]) -> str:
    return ", ".join(f"{record.library.code}:{record.local_id}" for record in list(records)[:10])


def resolve_record(key: str, *, scheme: str = "", library: Library | None = None) -> SourceRecord:
    """The source record named by ``key``: a work id, an ISBN (any form) or a library's local id.

    ``scheme`` is "work", "isbn" or "local_id"; empty: a ``work:``, ``isbn:`` or ``local:`` prefix, else
    every reading of the key is tried and it must name one record. ``library`` narrows the choice (a work
    held by several libraries needs it). Raises :class:`IngestError` naming the key and the problem.
    """
    key = (key or "").strip()
    if not scheme:
        for prefix, named in (("work:", "work"), ("isbn:", "isbn"), ("local:", "local_id")):
            if key.lower().startswith(prefix):
                scheme, key = named, key[len(prefix) :].strip()
    if not key:
        raise IngestError("?", gettext_noop("no record key given (a work id, an ISBN or a local id)"))
    if scheme:
        return _one(key, scheme, _candidates(key, scheme, library), library)
    readings = {name: _candidates(key, name, library) for name in ("work", "isbn", "local_id")}
    found = {name: records for name, records in readings.items() if records}
    if not found:
        raise IngestError(
            key, gettext_noop("no work id, ISBN or local id names a record%(where)s"), where=_in(library)
        )
    distinct = {record.pk for records in found.values() for record in records}
    if len(found) > 1 and len(distinct) > 1:
        raise IngestError(
            key,
            gettext_noop("ambiguous: it reads as %(readings)s; write work:, isbn: or local: before it"),
            readings=", ".join(f"{name} ({_describe(found[name])})" for name in found),
        )
    name = next(iter(found))
    return _one(key, name, found[name], library)


def _in(library: Library | None) -> str:
    return f" ({library.code})" if library else ""


def _candidates(key: str, scheme: str, library: Library | None) -> list[SourceRecord]:
    records = SourceRecord.objects.filter(_ACTIVE).select_related("library")
    if library is not None:
        records = records.filter(library=library)
    if scheme == "work":
        if not key.isdigit():
            return []
        return list(records.filter(work_id=int(key)).order_by("library__code", "id"))
    if scheme == "isbn":
        isbn, valid = normalise_isbn(key)
        if not valid:
            return []
        ids = MatchKey.objects.filter(key=f"isbn:{isbn}").values_list("record_id", flat=True)
        return list(records.filter(id__in=list(ids)).order_by("library__code", "id"))
    if scheme == "local_id":
        return list(records.filter(local_id=key).order_by("library__code", "id"))
    raise IngestError(key, gettext_noop("unknown record key kind %(scheme)r"), scheme=scheme)


def _one(key: str, scheme: str, records: list[SourceRecord], library: Library | None) -> SourceRecord:
    if len(records) == 1:
        return records[0]
    labels = {
        "work": gettext_noop("work"),
        "isbn": gettext_noop("ISBN"),
        "local_id": gettext_noop("local id"),
    }
    if not records:
        if scheme == "isbn" and not normalise_isbn(key)[1]:
            raise IngestError(key, gettext_noop("not a valid ISBN"))
        raise IngestError(
            key, gettext_noop("no record has this %(kind)s%(where)s"), kind=labels[scheme], where=_in(library)
        )
    raise IngestError(
        key,
        gettext_noop("%(count)s records have this %(kind)s (%(records)s): name the library"),
        count=len(records),
        kind=labels[scheme],
        records=_describe(records),
    )


# --- bulk: a folder and a map -----------------------------------------------------------------------

MAP_KEYS = ("work", "local_id", "isbn")
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".jp2", ".j2k"})


@dataclass
class MapRow:
    """One line of a map CSV: a file (or a folder of page images) and the record it belongs to."""

    line: int
    file: str
    scheme: str
    key: str
    library: str = ""
    access: str = ""
    label: str = ""
    rights: str = ""


@dataclass
class Outcome:
    row: MapRow
    status: str  # "added", "skipped" or "refused"
    item: DigitalItem | None = None
    reason: str = ""


def read_map(path: Path) -> list[MapRow | Outcome]:
    """The rows of a map CSV (columns: file, work | local_id | isbn, library, access, label, rights);
    a row that names no file or no record comes back as a refused :class:`Outcome`."""
    import csv

    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = {(name or "").strip().lower() for name in reader.fieldnames or []}
            if "file" not in columns or not columns.intersection(MAP_KEYS):
                raise IngestError(
                    str(path),
                    gettext_noop(
                        "a map needs a 'file' column and one of 'work', 'local_id', 'isbn' (found: %(found)s)"
                    ),
                    found=", ".join(sorted(columns)) or "-",
                )
            rows: list[MapRow | Outcome] = []
            for line, raw in enumerate(reader, start=2):
                values = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
                rows.append(_map_row(line, values))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise IngestError(
            str(path), gettext_noop("cannot read the map: %(reason)s"), reason=str(error)
        ) from None
    return rows


def _map_row(line: int, values: dict[str, str]) -> MapRow | Outcome:
    scheme = next((name for name in MAP_KEYS if values.get(name)), "")
    row = MapRow(
        line=line,
        file=values.get("file", ""),
        scheme=scheme,
        key=values.get(scheme, "") if scheme else "",
        library=values.get("library", ""),
        access=values.get("access", ""),
        label=values.get("label", ""),
        rights=values.get("rights", ""),
    )
    if not row.file:
        return Outcome(row, "refused", reason=gettext("no file named"))
    if not scheme:
        return Outcome(row, "refused", reason=gettext("no record named (work, local_id or isbn)"))
    return row


def import_row(folder: Path, row: MapRow, *, library: Library | None = None, user=None) -> Outcome:
    """Ingest one map row; never raises for a bad file or key (the outcome says why)."""
    try:
        path = _inside(folder, row.file)
        if row.library:
            library = Library.objects.filter(code=row.library).first()
            if library is None:
                raise IngestError(row.library, gettext_noop("no library has this code"))
        record = resolve_record(row.key, scheme=row.scheme, library=library)
        access = row.access or DigitalItem.Access.MEMBERS
        _check_access(access, row.file)
        checked_rights(row.rights, row.file)
        found = existing_item(record, _checksum_of(path))
        if found:
            return Outcome(row, "skipped", item=found)
        options = {"access": access, "user": user, "label": row.label, "rights": row.rights}
        if path.is_dir():
            pages = page_files(path)
            item = add_page_images(record, [(page, f"{row.file}/{page.name}") for page in pages], **options)
        else:
            item = add_digital_item(record, path, row.file, **options)
    except AlreadyIngested as error:
        return Outcome(row, "skipped", item=error.item)
    except IngestError as error:
        return Outcome(row, "refused", reason=error.message())
    except Exception as error:  # a fault with one file must not stop the others: logged and reported
        logger.exception("digital import: map line %s (%s) failed", row.line, row.file)
        reason = gettext("unexpected error (%(error)s); see the log") % {"error": type(error).__name__}
        return Outcome(row, "refused", reason=f"{row.file}: {reason}")
    return Outcome(row, "added", item=item)


def _inside(folder: Path, name: str) -> Path:
    root = folder.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root):
        raise IngestError(name, gettext_noop("outside the folder being imported"))
    if not path.exists():
        raise IngestError(name, gettext_noop("no such file in the folder"))
    return path


def _natural_key(path: Path) -> list:
    import re

    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def page_files(folder: Path) -> list[Path]:
    pages = sorted(
        (p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES), key=_natural_key
    )
    if not pages:
        raise IngestError(folder.name, gettext_noop("the folder holds no page images"))
    return pages


def _checksum_of(path: Path) -> str:
    if path.is_dir():
        return images_checksum([file_checksum(page) for page in page_files(path)])
    return file_checksum(path)
