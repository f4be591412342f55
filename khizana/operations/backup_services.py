"""Back up an installation into one archive, and restore an archive into an empty installation.

What a restore needs is kept: the database (its consistent copy: :mod:`.backup_db`), the data directory
(the installation's ``secret_key`` file among others: without it sessions, signed links and tickets of the
restored installation would no longer be valid) and every kept-data directory named by a setting
(:data:`KEPT`: kept import files, digital files, preservation roots, the single sign-on keys...). What is
derived or transient is left out (:func:`left_out`): the search index (rebuilt at the end of a restore), the
full-text page indexes, the IIIF tile cache, Annif's trained models, the job queue, collected static files,
earlier backups. The archive format is :mod:`.backup`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader

from khizana.operations import backup, backup_db
from khizana.operations.backup import ArchiveError

# Settings naming folders of kept data, each its own location in the archive (the rest of the data
# directory is the location DATA_DIR).
KEPT = (
    "KHIZANA_IMPORT_STORE",
    "KHIZANA_DIGITAL_STORE",
    "KHIZANA_DIGITISATION_STAGING",
    "KHIZANA_PRESERVATION_ROOT",
    "KHIZANA_PRESERVATION_COPY_ROOT",
    "KHIZANA_ILL_COPY_DIR",
    "KHIZANA_CALLS_FILES_DIR",
    "KHIZANA_SSO_DIR",
)
# Settings naming derived or transient data, never backed up.
DERIVED = (
    "KHIZANA_INDEX_DIR",
    "KHIZANA_IIIF_CACHE",
    "KHIZANA_ANNIF_DIR",
    "KHIZANA_RATE_STORE",
    "STATIC_ROOT",
)
# Derived folders and files of the data directory: the search index, full-text page indexes (rebuilt from
# the database when needed), caches, the job queue.
DERIVED_IN_DATA_DIR = ("search", "fulltext", "cache", "iiif-cache", "huey.sqlite3")
# An installation holding any of these rows is not empty.
MAIN_MODELS = ("libraries.Library", "catalog.SourceRecord", "catalog.Work", "digital.DigitalItem")
DATABASE_MEMBERS = {"sqlite": "database/khizana.sqlite3", "postgresql": "database/khizana.pgdump"}


@dataclass
class BackupResult:
    path: Path
    manifest: dict


@dataclass
class RestoreResult:
    manifest: dict
    files: int = 0
    notes: list[str] = field(default_factory=list)


def khizana_version() -> str:
    try:
        return metadata.version("khizana")
    except metadata.PackageNotFoundError:
        return "unknown"


def locations() -> dict[str, Path]:
    """The kept-data folders of this installation, by name (DATA_DIR first)."""
    found = {"DATA_DIR": Path(settings.DATA_DIR)}
    for name in KEPT:
        value = getattr(settings, name, None)
        if value and Path(value).absolute() not in {p.absolute() for p in found.values()}:
            found[name] = Path(value)
    return found


def left_out(output_dir: Path) -> list[Path]:
    """Paths never backed up: derived data, the job queue, the database files, the backups themselves."""
    data = Path(settings.DATA_DIR)
    paths = [data / name for name in DERIVED_IN_DATA_DIR] + [output_dir]
    for name in DERIVED:
        value = getattr(settings, name, None)
        if value and "://" not in str(value):
            paths.append(Path(value))
    huey_file = (getattr(settings, "HUEY", {}) or {}).get("filename")
    if huey_file:
        paths.append(Path(huey_file))
    database = _sqlite_path()
    if database:
        paths.append(database)
    return [variant for path in paths for variant in _with_side_files(path)]


def _with_side_files(path: Path) -> list[Path]:
    return [path] + [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal")]


def _sqlite_path() -> Path | None:
    if connection.vendor != "sqlite":
        return None
    return Path(connection.settings_dict["NAME"])


# ---------------------------------------------------------------- backup


def create_backup(
    output_dir: Path | None = None, *, compress: str = "gz", skip: tuple[str, ...] = (), progress=None
) -> BackupResult:
    """Write a consistent, dated archive of this installation into ``output_dir`` (KHIZANA_BACKUP_DIR)."""
    output_dir = Path(output_dir or settings.KHIZANA_BACKUP_DIR).absolute()
    places = locations()
    unknown = [name for name in skip if name not in places]
    if unknown:
        raise ArchiveError(f"--skip {unknown[0]}: not a kept-data location (one of: {', '.join(places)})")
    output_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=output_dir, prefix=".backup-"))
    try:
        member, copy, snapshot = _copy_database(work)
        kept = {name: path for name, path in places.items() if name not in skip}
        sources = [backup.Source(member, copy), *backup.collect(kept, left_out(output_dir))]
        path, manifest = backup.write(
            output_dir,
            _manifest(snapshot, kept, skip),
            sources,
            created=datetime.now(UTC),
            compress=compress,
            progress=progress,
        )
    except backup_db.DatabaseCopyError as error:
        raise ArchiveError(str(error)) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BackupResult(path, manifest)


def _copy_database(work: Path) -> tuple[str, Path, backup_db.Snapshot]:
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBERS:
        raise ArchiveError(f"cannot back up a {vendor} database (SQLite and PostgreSQL only)")
    member = DATABASE_MEMBERS[vendor]
    copy = work / Path(member).name
    if vendor == "sqlite":
        return member, copy, backup_db.sqlite_copy(_sqlite_path(), copy)
    return member, copy, backup_db.pg_dump(connection.settings_dict, copy, settings.KHIZANA_PG_BIN)


def _manifest(snapshot: backup_db.Snapshot, kept: dict[str, Path], skip: tuple[str, ...]) -> dict:
    return {
        "khizana_version": khizana_version(),
        "database": {"vendor": connection.vendor, "member": DATABASE_MEMBERS[connection.vendor]},
        "counts": snapshot.counts,
        "migrations": snapshot.migrations,
        "locations": {name: str(path) for name, path in kept.items()},
        "skipped": list(skip),
        "secret_key": "environment" if os.environ.get("SECRET_KEY") else "file",
    }


# ---------------------------------------------------------------- restore


def restore_backup(
    archive: Path, *, force: bool = False, rebuild_index: bool = True, stdout=None
) -> RestoreResult:
    """Put ``archive`` back into this installation. Everything is checked before anything is written: the
    archive against its manifest, its database vendor and migrations against this installation, and that
    this installation is empty (unless ``force``)."""
    archive = Path(archive)
    manifest = backup.verify(archive)
    targets = _check_fits(archive, manifest)
    if not force:
        _check_empty(archive)
    result = RestoreResult(manifest)
    _restore_database(archive, manifest)
    _check_counts(archive, manifest)
    result.files = _restore_files(archive, targets)
    call_command("migrate", interactive=False, verbosity=0)
    if rebuild_index:
        call_command("index", "rebuild", "--no-progress", stdout=stdout)
    result.notes = _notes(manifest)
    return result


def _check_fits(archive: Path, manifest: dict) -> dict[str, Path]:
    vendor = manifest.get("database", {}).get("vendor")
    if vendor != connection.vendor:
        raise ArchiveError(
            f"{archive}: holds a {vendor} database, this installation uses {connection.vendor}: restore it "
            f"into an installation with the same kind of database"
        )
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    newer = [name for name in manifest.get("migrations", []) if tuple(name.split(".", 1)) not in known]
    if newer:
        raise ArchiveError(
            f"{archive}: made by a newer Khizana ({manifest.get('khizana_version')}; migration {newer[0]} is "
            f"unknown here): upgrade this installation first"
        )
    targets = {}
    for name in manifest.get("locations", {}):
        value = settings.DATA_DIR if name == "DATA_DIR" else getattr(settings, name, None)
        if not value:
            raise ArchiveError(f"{archive}: holds files of {name}, a setting this Khizana does not have")
        targets[name] = Path(value)
    names = [entry["name"] for entry in manifest["members"]]
    if manifest["database"].get("member") not in names:
        raise ArchiveError(f"{archive}: holds no copy of the database")
    for name in names:
        _check_member_name(archive, name, manifest, targets)
    return targets


def _check_member_name(archive: Path, name: str, manifest: dict, targets: dict[str, Path]) -> None:
    if name == manifest["database"].get("member"):
        return
    location, _, relative = name.removeprefix("files/").partition("/")
    if not name.startswith("files/") or location not in targets or not relative:
        raise ArchiveError(f"{archive}: member {name} belongs to no kept-data location of its manifest")


def is_empty() -> bool:
    """No library, user, source record, work or digital item (tables not created yet count as empty)."""
    tables = set(connection.introspection.table_names())
    models = [apps.get_model(label) for label in MAIN_MODELS] + [get_user_model()]
    with connection.cursor() as cursor:
        for model in models:
            if model._meta.db_table in tables:
                cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(model._meta.db_table)} LIMIT 1")
                if cursor.fetchone():
                    return False
    return True


def _check_empty(archive: Path) -> None:
    if not is_empty():
        raise ArchiveError(
            f"{archive}: not restored: this installation is not empty (it has libraries, users, records, "
            f"works or digital items); restore into an empty one, or pass --force to replace its database"
        )


def _restore_database(archive: Path, manifest: dict) -> None:
    member = manifest["database"]["member"]
    base = _sqlite_path().parent if connection.vendor == "sqlite" else Path(settings.DATA_DIR)
    base.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=base, prefix=".restore-"))
    copy = work / Path(member).name
    try:
        backup.unpack(archive, lambda name: copy if name == member else None, last=member)
        if connection.vendor == "sqlite":
            backup_db.sqlite_check(copy)
            connections.close_all()
            backup_db.sqlite_put_in_place(copy, _sqlite_path())
        else:
            params = dict(connection.settings_dict)
            backup_db.pg_readable(copy, settings.KHIZANA_PG_BIN)  # before dropping anything
            connections.close_all()
            backup_db.pg_empty(params)
            backup_db.pg_restore(params, copy, settings.KHIZANA_PG_BIN)
    except backup_db.DatabaseCopyError as error:
        raise ArchiveError(f"{archive}: the database could not be restored: {error}") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _restore_files(archive: Path, targets: dict[str, Path]) -> int:
    written = 0

    def target(name: str) -> Path | None:
        nonlocal written
        if not name.startswith("files/"):
            return None
        location, _, relative = name[len("files/") :].partition("/")
        written += 1
        return targets[location] / relative

    backup.unpack(archive, target)
    return written


def table_counts() -> dict[str, int]:
    """The row count of every table of this installation's database."""
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _check_counts(archive: Path, manifest: dict) -> None:
    counts = table_counts()
    for table, expected in sorted(manifest.get("counts", {}).items()):
        if counts.get(table) != expected:
            raise ArchiveError(
                f"{archive}: the restored database differs from the archive: table {table} has "
                f"{counts.get(table)} rows, the manifest says {expected}"
            )


def _notes(manifest: dict) -> list[str]:
    notes = []
    if manifest.get("secret_key") == "environment":
        notes.append("the backed-up installation read SECRET_KEY from the environment: set the same one here")
    elif os.environ.get("SECRET_KEY"):
        notes.append("SECRET_KEY is set in this environment: it wins over the restored secret_key file")
    for name in manifest.get("skipped", []):
        notes.append(f"{name} was left out of this backup (--skip): put its files back separately")
    return notes
