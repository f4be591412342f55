"""Loading records into the union catalog.

:func:`import_file` reads a file with the readers in :mod:`khizana.catalog.formats`, stores every
readable record with its bytes (and every unreadable one as an :class:`ImportReject`), commits in
batches, then re-clusters the records it changed. Re-running an import, even one killed half-way,
converges on the same catalog: records are keyed by (library, local id) and unchanged bytes are
skipped, and records wait with ``cluster_dirty`` set until they have been clustered. A rerun reads the
file from its start: the rejects of an earlier run of the same file that did not finish are replaced
by its own, so the library has the rejects of one uninterrupted run.

:func:`delete_records` deletes records named by their local ids without a new version of their bytes
(an OAI-PMH ``status="deleted"`` header is a notice, not a record): the harvester applies deletions
with it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from khizana.libraries.models import Library

from . import clustering
from .formats import UnreadableFileError, read_records
from .matching import block_keys, match_record
from .models import Holding, ImportReject, ImportRun, MatchKey, SourceRecord, SourceRecordVersion
from .records import BibFields, ParsedRecord, RecordFormat, RecordKind, RejectedRecord

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int], None]  # called with the byte offset reached in the file


class ImportFileError(Exception):
    """A whole file could not be imported; the message names the file and the problem."""


@dataclass
class _Counts:
    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    rejected: int = 0
    with_warnings: int = 0


def import_file(
    library: Library,
    path: Path | str,
    *,
    user=None,
    format_hint: RecordFormat | None = None,
    progress: ProgressCallback | None = None,
    batch_size: int | None = None,
    cluster: bool = True,
) -> ImportRun:
    """Import one file into ``library``; returns the finished :class:`ImportRun`.

    Raises :class:`ImportFileError` when the file as a whole cannot be read (the run is kept, marked
    failed, with the reason). Bad records never stop the import: they become rejects.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportFileError(f"{path}: cannot read the file: {error.strerror or error}") from error
    if len(data) > settings.KHIZANA_MAX_IMPORT_BYTES:
        raise ImportFileError(
            f"{path.name}: file is {len(data):,} bytes, "
            f"over the limit of {settings.KHIZANA_MAX_IMPORT_BYTES:,}"
        )
    return import_bytes(
        library,
        data,
        path.name,
        user=user,
        format_hint=format_hint,
        progress=progress,
        batch_size=batch_size,
        cluster=cluster,
    )


def import_bytes(
    library: Library,
    data: bytes,
    filename: str,
    *,
    user=None,
    format_hint: RecordFormat | None = None,
    progress: ProgressCallback | None = None,
    batch_size: int | None = None,
    cluster: bool = True,
    on_start: Callable[[ImportRun], None] | None = None,
    skip_deleted_headers: bool = False,
) -> ImportRun:
    """Import ``data`` (a file's bytes) into ``library``; ``on_start`` is called with the new run as soon
    as it exists (the staff space links its upload to it, to show progress).

    ``skip_deleted_headers``: OAI-PMH ``status="deleted"`` headers in ``data`` are counted as read but
    not stored; the caller applies them with :func:`delete_records` (the harvester does, so that a
    deleted record keeps the bytes the library sent). A headerless one is still a reject.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    _mark_dead_runs_interrupted(library)
    run = ImportRun.objects.create(
        library=library,
        filename=filename,
        file_sha256=sha256,
        file_size=len(data),
        stored_path=str(_keep_file(data, sha256)),
        started_by=user,
        pid=os.getpid(),
    )
    _drop_superseded_rejects(run)
    if on_start:
        on_start(run)
    try:
        detected, records = read_records(data, filename, format_hint, workers=settings.KHIZANA_IMPORT_WORKERS)
    except UnreadableFileError as error:
        _finish(run, ImportRun.Status.FAILED, error=f"{filename}: {error}")
        raise ImportFileError(f"{filename}: {error}") from error
    run.format = detected.format or ""
    run.dialect = detected.dialect
    run.save(update_fields=["format", "dialect"])

    counts = _Counts()
    size = batch_size or settings.KHIZANA_IMPORT_BATCH
    try:
        for batch in _batched(records, size):
            with transaction.atomic():
                _apply_batch(run, library, filename, batch, counts, skip_deleted_headers)
                _save_counts(run, counts)
            if progress:
                progress(batch[-1].offset)
    except Exception as error:
        logger.exception("import of %s failed", filename)
        _finish(run, ImportRun.Status.FAILED, error=f"{filename}: {type(error).__name__}: {error}")
        raise ImportFileError(f"{filename}: import stopped by an internal error: {error}") from error
    if progress:
        progress(len(data))
    if cluster:
        clustering.recluster_dirty()
    _finish(run, ImportRun.Status.FINISHED)
    return run


def _keep_file(data: bytes, sha256: str) -> Path:
    """Keep the file as sent, content-addressed, so a record's offset always points somewhere real."""
    target = Path(settings.KHIZANA_IMPORT_STORE) / sha256[:2] / sha256
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        partial.write_bytes(data)
        partial.replace(target)
    return target


def _mark_dead_runs_interrupted(library: Library) -> None:
    for run in ImportRun.objects.filter(library=library, status=ImportRun.Status.RUNNING):
        if run.pid and run.pid != os.getpid() and process_alive(run.pid):
            continue
        _finish(run, ImportRun.Status.INTERRUPTED, error="the import process ended before finishing")


def _drop_superseded_rejects(run: ImportRun) -> None:
    """Delete the rejects of the runs of the same file into the same library that did not finish.

    ``run`` reads the whole file again and records each reject once more, so after a killed import and
    its rerun the library has the rejects of one uninterrupted run, not those of both. The earlier runs
    stay (interrupted or failed), their rejected count set to 0 and their error saying where the
    rejects now are. Runs that finished keep theirs: each is the complete report of a reading.
    """
    superseded = list(
        ImportRun.objects.filter(
            library_id=run.library_id,
            file_sha256=run.file_sha256,
            status__in=[ImportRun.Status.INTERRUPTED, ImportRun.Status.FAILED],
            rejects__isnull=False,
        )
        .exclude(pk=run.pk)
        .distinct()
    )
    if not superseded:
        return
    note = f"its rejected records are listed by import run {run.pk}, which read the same file again"
    with transaction.atomic():
        ImportReject.objects.filter(run__in=superseded).delete()
        for earlier in superseded:
            earlier.records_rejected = 0
            earlier.error = f"{earlier.error}; {note}" if earlier.error else note
            earlier.save(update_fields=["records_rejected", "error"])
    logger.info("import run %s: rejects of unfinished run(s) %s dropped", run.pk, [r.pk for r in superseded])


def process_alive(pid: int) -> bool:
    """Whether a process of this machine is still running (a run it left behind is not abandoned)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _finish(run: ImportRun, status: str, error: str = "") -> None:
    run.status = status
    run.error = error
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])


def _save_counts(run: ImportRun, counts: _Counts) -> None:
    for name, value in dataclasses.asdict(counts).items():
        setattr(run, f"records_{name}", value)
    run.save(update_fields=[f"records_{name}" for name in dataclasses.asdict(counts)])


def _batched(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _apply_batch(
    run: ImportRun,
    library: Library,
    filename: str,
    batch: list[ParsedRecord | RejectedRecord],
    counts: _Counts,
    skip_deleted_headers: bool = False,
) -> None:
    parsed: list[ParsedRecord] = []
    rejects: list[ImportReject] = []
    for item in batch:
        counts.read += 1
        if isinstance(item, RejectedRecord):
            counts.rejected += 1
            rejects.append(
                ImportReject(
                    run=run,
                    number=item.number,
                    offset=item.offset,
                    local_id=item.local_id[:255],
                    reason=item.reason,
                    raw=item.raw,
                )
            )
        else:
            counts.with_warnings += bool(item.warnings)
            parsed.append(item)
    ImportReject.objects.bulk_create(rejects)

    # The same local id more than once in a file: the last record is the one stored, every earlier one
    # goes to its history (SourceRecordVersion) and is named, with its position, in a warning of the
    # stored record. The earlier ones of this batch are in ``superseded``; one in an earlier batch is the
    # stored record itself (written by this run), which goes to the history as any replaced version.
    latest: dict[str, ParsedRecord] = {}
    superseded: dict[str, list[ParsedRecord]] = {}
    for record in parsed:
        if skip_deleted_headers and record.deleted and record.format == RecordFormat.DUBLIN_CORE:
            continue  # an OAI-PMH deleted header (the only deleted Dublin Core): the caller applies it
        earlier = latest.get(record.local_id)
        if earlier is not None:
            superseded.setdefault(record.local_id, []).append(earlier)
        latest[record.local_id] = record
    existing = {
        r.local_id: r
        for r in SourceRecord.objects.filter(library=library, local_id__in=list(latest)).only(
            "id",
            "local_id",
            "checksum",
            "deleted",
            "received_at",
            "import_run_id",
            "source_number",
            "source_offset",
            "warnings",
        )
    }
    now = timezone.now()
    new: list[tuple[ParsedRecord, str]] = []
    changed: list[SourceRecord] = []
    versions: list[SourceRecordVersion] = []
    # local id -> the earlier records of this file that go to the history of its stored record
    earlier_versions: dict[str, list[ParsedRecord]] = {}
    same_file_runs: set[int] | None = None
    for local_id, record in latest.items():
        checksum = hashlib.sha256(record.raw).hexdigest()
        current = existing.get(local_id)
        earlier = superseded.get(local_id, [])
        # Was the stored record read from another position of this very file (by this run or by an
        # earlier run of the same bytes, killed or finished)?
        same_file = False
        if (
            current is not None
            and current.import_run_id is not None
            and current.source_number != record.number
        ):
            if current.import_run_id == run.id:
                same_file = True
            else:
                if same_file_runs is None:
                    same_file_runs = _runs_of_the_same_file(run)
                same_file = current.import_run_id in same_file_runs
        if same_file and current.source_number > record.number:
            # A later record of this file with this local id is stored already (a rerun): this one and
            # the batch's earlier ones are earlier versions of it.
            earlier_versions[local_id] = [*earlier, record]
            counts.unchanged += 1
            continue
        if same_file:
            # An earlier record of this file with this local id is stored (an earlier batch): it is
            # replaced, and goes to the history below; its own duplicate warnings carry over.
            for warning in current.warnings or []:
                if warning.startswith(_duplicate_prefix(local_id)) and warning not in record.warnings:
                    _warn(record, warning, counts)
            _warn(record, _duplicate_warning(local_id, current.source_number, current.source_offset), counts)
        for item in earlier:
            _warn(record, _duplicate_warning(local_id, item.number, item.offset), counts)
        if earlier:
            earlier_versions[local_id] = earlier
        if current is not None and current.checksum == checksum and current.deleted == record.deleted:
            counts.unchanged += 1  # (the same bytes sent again after a deletion bring the record back)
            continue
        if record.deleted:
            counts.deleted += 1
        elif current is None:
            counts.added += 1
        else:
            counts.updated += 1
        if current is None:
            new.append((record, checksum))
            continue
        versions.append(
            SourceRecordVersion(
                record_id=current.id,
                checksum=current.checksum,
                deleted=current.deleted,
                import_run_id=current.import_run_id,
                received_at=current.received_at,
            )
        )
        _fill_source_record(current, run, filename, record, checksum, now)
        changed.append(current)
    if versions:  # the bytes being replaced go to the history
        old_raw = dict(
            SourceRecord.objects.filter(id__in=[v.record_id for v in versions]).values_list("id", "raw")
        )
        for version in versions:
            version.raw = old_raw[version.record_id]
    stored = _insert_new_records(run, library, filename, new, now)
    if changed:
        SourceRecord.objects.bulk_update(changed, _UPDATED_FIELDS)
        changed_ids = [r.id for r in changed]
        Holding.objects.filter(record_id__in=changed_ids).delete()
        MatchKey.objects.filter(record_id__in=changed_ids).delete()
    if earlier_versions:
        ids = {local_id: source_id for source_id, local_id in stored}
        ids.update((local_id, r.id) for local_id, r in existing.items())
        versions.extend(_earlier_versions(run, earlier_versions, ids, versions, now))
    SourceRecordVersion.objects.bulk_create(versions)
    _store_derived(library, [*stored, *((r.id, r.local_id) for r in changed)], latest)


def _duplicate_prefix(local_id: str) -> str:
    return f"local id {local_id!r} also at record "


def _duplicate_warning(local_id: str, number: int, offset: int) -> str:
    return (
        f"{_duplicate_prefix(local_id)}{number} (byte {offset}) of this file: that earlier record is "
        "kept in this record's history, the last one with this local id is the one stored"
    )


def _warn(record: ParsedRecord, warning: str, counts: _Counts) -> None:
    if not record.warnings:
        counts.with_warnings += 1
    record.warnings.append(warning)


def _runs_of_the_same_file(run: ImportRun) -> set[int]:
    """The earlier runs that read the same bytes into the same library."""
    return set(
        ImportRun.objects.filter(library_id=run.library_id, file_sha256=run.file_sha256)
        .exclude(pk=run.pk)
        .values_list("id", flat=True)
    )


def _earlier_versions(
    run: ImportRun,
    earlier: dict[str, list[ParsedRecord]],
    ids: dict[str, int],
    pending: list[SourceRecordVersion],
    now,
) -> list[SourceRecordVersion]:
    """History rows for the records of this file that a later record with the same local id replaced,
    in file order. Bytes the stored record, its history or the ``pending`` history rows already hold
    are not added again, so importing the same file twice (or rerunning a killed import) adds nothing
    the first run added."""
    record_ids = [ids[local_id] for local_id in earlier if local_id in ids]
    held: dict[int, set[str]] = {}
    for record_id, checksum in SourceRecordVersion.objects.filter(record_id__in=record_ids).values_list(
        "record_id", "checksum"
    ):
        held.setdefault(record_id, set()).add(checksum)
    # (the stored records are written already: their checksum is the one of the last record)
    for record_id, checksum in SourceRecord.objects.filter(id__in=record_ids).values_list("id", "checksum"):
        held.setdefault(record_id, set()).add(checksum)
    for version in pending:
        held.setdefault(version.record_id, set()).add(version.checksum)
    versions = []
    for local_id, records in earlier.items():
        record_id = ids.get(local_id)
        if record_id is None:  # (cannot happen: every local id here is stored, or was already)
            continue
        seen = held.setdefault(record_id, set())
        for record in records:
            checksum = hashlib.sha256(record.raw).hexdigest()
            if checksum in seen:
                continue
            seen.add(checksum)
            versions.append(
                SourceRecordVersion(
                    record_id=record_id,
                    raw=record.raw,
                    checksum=checksum,
                    deleted=record.deleted,
                    import_run_id=run.id,
                    received_at=now,
                )
            )
    return versions


_INSERTED_COLUMNS = (
    "library_id",
    "local_id",
    "format",
    "serialisation",
    "kind",
    "raw",
    "checksum",
    "import_run_id",
    "source_file",
    "source_number",
    "source_offset",
    "received_at",
    "updated_at",
    "deleted",
    "deleted_at",
    "title",
    "fields",
    "warnings",
    "linked_local_id",
    "cluster_dirty",
)
# A changed record gets every column a new one gets, but its identity and first arrival.
_UPDATED_FIELDS = [
    "import_run" if c == "import_run_id" else c
    for c in _INSERTED_COLUMNS
    if c not in {"library_id", "local_id", "received_at"}
]


def _insert_new_records(
    run: ImportRun, library: Library, filename: str, records: list[tuple[ParsedRecord, str]], now
) -> list[tuple[int, str]]:
    """Insert new source records with executemany (bulk_create spends more time building SQL than
    SQLite spends writing); returns their (id, local id)."""
    if not records:
        return []
    stamp = connection.ops.adapt_datetimefield_value(now)
    rows = [
        (
            library.id,
            record.local_id,
            str(record.format),
            str(record.serialisation),
            str(record.kind),
            record.raw,
            checksum,
            run.id,
            filename[:500],
            record.number,
            record.offset,
            stamp,
            stamp,
            record.deleted,
            stamp if record.deleted else None,
            record.fields.title,
            json.dumps(fields_as_dict(record.fields)),
            json.dumps(record.warnings),
            record.linked_local_id[:255],
            True,
        )
        for record, checksum in records
    ]
    placeholders = ", ".join(["%s"] * len(_INSERTED_COLUMNS))
    sql = (
        f"INSERT INTO {SourceRecord._meta.db_table} ({', '.join(_INSERTED_COLUMNS)}) VALUES ({placeholders})"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    local_ids = [record.local_id for record, _ in records]
    ids = dict(
        SourceRecord.objects.filter(library=library, local_id__in=local_ids).values_list("local_id", "id")
    )
    return [(ids[local_id], local_id) for local_id in local_ids]


def _fill_source_record(
    source: SourceRecord, run, filename, record: ParsedRecord, checksum: str, now
) -> None:
    source.format = record.format
    source.serialisation = record.serialisation
    source.kind = record.kind
    source.raw = record.raw
    source.checksum = checksum
    source.import_run = run
    source.source_file = filename[:500]
    source.source_number = record.number
    source.source_offset = record.offset
    source.deleted = record.deleted
    source.deleted_at = now if record.deleted else None
    source.title = record.fields.title
    source.fields = fields_as_dict(record.fields)
    source.warnings = record.warnings
    source.linked_local_id = record.linked_local_id[:255]
    source.cluster_dirty = True
    source.updated_at = now


def _store_derived(library: Library, sources: list[tuple[int, str]], parsed: dict[str, ParsedRecord]) -> None:
    """Holdings and match keys of the stored records, inserted with executemany (no model objects)."""
    holdings: list[tuple] = []
    keys: list[tuple] = []
    for source_id, local_id in sources:
        record = parsed[local_id]
        if record.deleted:
            continue
        for h in record.holdings:
            holdings.append(
                (
                    source_id,
                    library.id,
                    h.call_number[:255],
                    h.barcode[:128],
                    h.location[:255],
                    str(h.status),
                    h.source_tag[:8],
                )
            )
        if record.kind == RecordKind.BIBLIOGRAPHIC:
            keys.extend((source_id, key) for key in block_keys(match_record(str(source_id), record.fields)))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {Holding._meta.db_table} "
            "(record_id, library_id, call_number, barcode, location, status, source_tag) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)",
            holdings,
        )
        cursor.executemany(f"INSERT INTO {MatchKey._meta.db_table} (record_id, key) VALUES (%s, %s)", keys)


def fields_as_dict(fields: BibFields) -> dict:
    """The JSON form of :class:`BibFields` (dataclasses.asdict deep-copies, and is ten times slower)."""
    out = {}
    for name in _BIB_FIELD_NAMES:
        value = getattr(fields, name)
        if isinstance(value, dict):
            value = {k: list(v) for k, v in value.items()}
        elif isinstance(value, list):
            value = list(value)
        out[name] = value
    return out


_BIB_FIELD_NAMES = tuple(f.name for f in dataclasses.fields(BibFields))


@dataclass
class Deletion:
    """What :func:`delete_records` did with the local ids it was given."""

    deleted: list[str] = dataclasses.field(default_factory=list)
    already_deleted: list[str] = dataclasses.field(default_factory=list)
    unknown: list[str] = dataclasses.field(default_factory=list)

    def __int__(self) -> int:
        return len(self.deleted)


def delete_records(
    library: Library,
    local_ids: Iterable[str],
    *,
    reason: str = "",
    run: ImportRun | None = None,
    cluster: bool = True,
) -> Deletion:
    """Mark the records of ``library`` with these local ids deleted, in one transaction.

    Their bytes stay what the library sent (a deletion is not a new record). As with the import of a
    deleted record, the state before the deletion goes to the history (a :class:`SourceRecordVersion`
    with the same bytes and ``deleted`` false), the record loses its holdings and match keys and leaves
    its work (a work left without records is removed), and the search index is told through
    ``works_changed``. Records already deleted are left alone (deleting twice is harmless); unknown
    local ids are returned in :attr:`Deletion.unknown` and logged, not raised. ``run`` (the import run
    the deletions arrived with) gets them in its counts: deleted, and already deleted as unchanged.
    ``reason`` goes to the log. ``cluster=False`` leaves the re-clustering to the caller (as with
    :func:`import_bytes`): the deleted records wait with ``cluster_dirty`` set for
    :func:`~khizana.catalog.clustering.recluster_dirty`, still in their works until then.
    """
    wanted = list(dict.fromkeys(local_id for local_id in local_ids if local_id))
    result = Deletion()
    if not wanted:
        return result
    with transaction.atomic():
        found: dict[str, SourceRecord] = {}
        for chunk in _batched(wanted, 1000):
            records = SourceRecord.objects.select_for_update().filter(library=library, local_id__in=chunk)
            found.update((r.local_id, r) for r in records.only(*_DELETION_COLUMNS))
        live: list[SourceRecord] = []
        for local_id in wanted:
            record = found.get(local_id)
            if record is None:
                result.unknown.append(local_id)
            elif record.deleted:
                result.already_deleted.append(local_id)
            else:
                result.deleted.append(local_id)
                live.append(record)
        if live:
            now = timezone.now()
            SourceRecordVersion.objects.bulk_create(
                SourceRecordVersion(
                    record_id=record.id,
                    raw=record.raw,
                    checksum=record.checksum,
                    deleted=False,
                    import_run_id=record.import_run_id,
                    received_at=record.received_at,
                )
                for record in live
            )
            ids = [record.id for record in live]
            for chunk in _batched(ids, 1000):
                SourceRecord.objects.filter(id__in=chunk).update(
                    deleted=True, deleted_at=now, updated_at=now, cluster_dirty=True
                )
                Holding.objects.filter(record_id__in=chunk).delete()
                MatchKey.objects.filter(record_id__in=chunk).delete()
            if cluster:
                clustering.recluster(set(ids))  # leaves the works, removes the empty ones, tells the index
        if run is not None and (result.deleted or result.already_deleted):
            ImportRun.objects.filter(pk=run.pk).update(
                records_deleted=F("records_deleted") + len(result.deleted),
                records_unchanged=F("records_unchanged") + len(result.already_deleted),
            )
            run.refresh_from_db(fields=["records_deleted", "records_unchanged"])
    if result.deleted:
        logger.info(
            "%s: %d record(s) deleted%s", library.code, len(result.deleted), f" ({reason})" if reason else ""
        )
    if result.unknown:
        logger.info(
            "%s: no record to delete under %d local id(s): %s",
            library.code,
            len(result.unknown),
            ", ".join(result.unknown[:20]) + (" ..." if len(result.unknown) > 20 else ""),
        )
    return result


_DELETION_COLUMNS = ("id", "local_id", "raw", "checksum", "deleted", "import_run_id", "received_at")
