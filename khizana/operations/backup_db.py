"""Consistent copies of the database for backups, and putting them back, without Django.

- SQLite: the sqlite3 online backup API copies the database page by page while the server keeps running
  (readers and writers included); the copy is one consistent state.
- PostgreSQL: a REPEATABLE READ transaction exports its snapshot, counts the rows of every table in it and
  holds it while ``pg_dump -Fc --snapshot`` dumps exactly that state; ``pg_restore --no-owner
  --no-privileges --single-transaction --exit-on-error`` loads it into an empty database.

Each copy comes with the row count of every table and the migrations applied, read from the same state.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

_COUNTED = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"


class DatabaseCopyError(Exception):
    """The database could not be copied or put back; the message says why."""


@dataclass
class Snapshot:
    """What a database copy holds: the row count of every table, the migrations applied."""

    counts: dict[str, int] = field(default_factory=dict)
    migrations: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- SQLite


def sqlite_copy(database: Path, target: Path) -> Snapshot:
    """Copy the live SQLite ``database`` into ``target`` (a new file) with the online backup API."""
    if not Path(database).is_file():
        raise DatabaseCopyError(f"no SQLite database at {database}")
    try:
        source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=60)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy, pages=4096)
            return sqlite_snapshot(copy)
        finally:
            source.close()
            copy.close()
    except sqlite3.Error as error:
        raise DatabaseCopyError(f"cannot copy {database}: {error}") from None


def sqlite_snapshot(connection: sqlite3.Connection) -> Snapshot:
    tables = [row[0] for row in connection.execute(_COUNTED)]
    counts = {table: connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}
    migrations = []
    if "django_migrations" in counts:
        migrations = [
            f"{app}.{name}" for app, name in connection.execute("SELECT app, name FROM django_migrations")
        ]
    return Snapshot(counts, sorted(migrations))


def sqlite_check(path: Path) -> None:
    """Refuse a file that is not a sound SQLite database."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            result = connection.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.Error as error:
        raise DatabaseCopyError(f"the database copy is not a readable SQLite database ({error})") from None
    if result != "ok":
        raise DatabaseCopyError(f"the database copy fails SQLite's integrity check ({result})")


def sqlite_put_in_place(copy: Path, database: Path) -> None:
    """Replace ``database`` by ``copy`` (moved, not copied). Its old write-ahead log and shared-memory files
    go first: SQLite would otherwise replay the old log onto the new file. Call with no connection open."""
    database.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    os.replace(copy, database)


# ---------------------------------------------------------------- PostgreSQL


def pg_tool(name: str, bin_dir: str = "") -> str:
    """The path of ``pg_dump`` or ``pg_restore``: in ``bin_dir`` when given, else on PATH, else in the newest
    of Debian's /usr/lib/postgresql/*/bin."""
    if bin_dir:
        candidate = Path(bin_dir) / name
        if candidate.is_file():
            return str(candidate)
        raise DatabaseCopyError(f"{name} not found in {bin_dir} (KHIZANA_PG_BIN)")
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: _version(p.parts[-3]))
    if versions:
        return str(versions[-1])
    raise DatabaseCopyError(f"{name} not found: install PostgreSQL's client tools or set KHIZANA_PG_BIN")


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def pg_environment(params: dict) -> dict[str, str]:
    """libpq's environment for a Django-style connection dict (NAME, USER, PASSWORD, HOST, PORT)."""
    env = {**os.environ}
    for key, var in (
        ("NAME", "PGDATABASE"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
    ):
        if params.get(key):
            env[var] = str(params[key])
    sslmode = (params.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return env


def _pg_connect(params: dict):
    import psycopg

    keys = {"NAME": "dbname", "USER": "user", "PASSWORD": "password", "HOST": "host", "PORT": "port"}
    kwargs = {libpq: str(params[key]) for key, libpq in keys.items() if params.get(key)}
    try:
        return psycopg.connect(**kwargs)
    except psycopg.Error as error:
        raise DatabaseCopyError(
            f"cannot connect to PostgreSQL database {params.get('NAME')}: {error}"
        ) from None


_PG_TABLES = (
    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
    "AND table_type = 'BASE TABLE' ORDER BY table_name"
)


def pg_snapshot(cursor) -> Snapshot:
    tables = [row[0] for row in cursor.execute(_PG_TABLES).fetchall()]
    counts = {}
    for table in tables:
        counts[table] = cursor.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
    migrations = []
    if "django_migrations" in counts:
        rows = cursor.execute("SELECT app, name FROM django_migrations").fetchall()
        migrations = [f"{app}.{name}" for app, name in rows]
    return Snapshot(counts, sorted(migrations))


def pg_dump(params: dict, target: Path, bin_dir: str = "") -> Snapshot:
    """Dump the database of ``params`` into ``target`` (custom format), counted in the same snapshot."""
    import psycopg

    tool = pg_tool("pg_dump", bin_dir)
    connection = _pg_connect(params)
    try:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with connection.cursor() as cursor:
            snapshot_id = cursor.execute("SELECT pg_export_snapshot()").fetchone()[0]
            snapshot = pg_snapshot(cursor)
            _run([tool, "--format=custom", f"--snapshot={snapshot_id}", f"--file={target}"], params)
        connection.rollback()
    finally:
        connection.close()
    return snapshot


def pg_tables(params: dict) -> list[str]:
    """The tables of the database of ``params`` (its current schema)."""
    connection = _pg_connect(params)
    try:
        with connection.cursor() as cursor:
            return [row[0] for row in cursor.execute(_PG_TABLES).fetchall()]
    finally:
        connection.close()


def pg_empty(params: dict) -> None:
    """Drop every table and view of the current schema (what a migrated but empty installation holds), so
    the dump is restored into an empty database. Call only once the caller has accepted to lose them."""
    connection = _pg_connect(params)
    try:
        with connection.cursor() as cursor:
            views = cursor.execute(
                "SELECT table_name FROM information_schema.views WHERE table_schema = current_schema()"
            ).fetchall()
            for (view,) in views:
                cursor.execute(f'DROP VIEW IF EXISTS "{view}" CASCADE')
            for table in [row[0] for row in cursor.execute(_PG_TABLES).fetchall()]:
                cursor.execute(f'DROP TABLE IF EXISTS "{table}" CASCADE')
        connection.commit()
    finally:
        connection.close()


def pg_readable(dump: Path, bin_dir: str = "") -> None:
    """Refuse a dump this pg_restore cannot read (made by a newer pg_dump), before anything is dropped."""
    _run([pg_tool("pg_restore", bin_dir), "--list", str(dump)], {})


def pg_restore(params: dict, dump: Path, bin_dir: str = "") -> None:
    """Load ``dump`` into the (empty) database of ``params``, all or nothing."""
    tool = pg_tool("pg_restore", bin_dir)
    _run(
        [
            tool,
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={params.get('NAME')}",
            str(dump),
        ],
        params,
    )


def _run(command: list[str], params: dict) -> None:
    result = subprocess.run(command, env=pg_environment(params), capture_output=True, text=True)
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        detail = message[-1] if message else f"exit status {result.returncode}"
        raise DatabaseCopyError(f"{Path(command[0]).name} failed: {detail}")
