"""Backups and restore (issue 22).

The drill: a small installation (two libraries, imported demo records, a user, a digital file, its
preservation copies, the installation's secret key) is backed up, the archive restored by `khizana restore`
into a fresh empty installation in another process (its own data directory and database: SQLite, or a new
PostgreSQL database when the suite runs on PostgreSQL), and the two are compared table by table and file by
file; the restored installation's search finds the records. Damaged, truncated, altered, future and foreign
archives are refused with an error naming the archive and the problem, before anything is written.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from khizana.catalog.models import SourceRecord
from khizana.catalog.services import import_file
from khizana.digital.ingest import services as ingest
from khizana.operations import backup, backup_db, backup_services
from khizana.testing import DEMO, REPO, make_library, make_user

PDF = REPO / "khizana" / "digital" / "tests" / "data" / "loans" / "samplefiles_habibi.pdf"
RECORDS = [
    ("BNRM", DEMO / "records" / "BNRM" / "marc4j_azdoud.xml"),
    ("UM5", DEMO / "records" / "UM5" / "yaz_marc9.xml"),
]
SECRET = "the-backed-up-installation-key-" + "k" * 40
# What a fresh installation makes by itself, and derived data: never compared file by file.
NOT_COMPARED = {"search", "fulltext", "iiif-cache", "huey.sqlite3", "khizana.sqlite3", "ratelimit.sqlite3"}
PG_BASE = os.environ.get("KHIZANA_BACKUP_TEST_PG", "postgres://postgres@127.0.0.1:5432/postgres")


def _point_stores_at(settings, data: Path, backups: Path) -> None:
    """This test's installation keeps its data in ``data``, laid out as the default settings lay it out."""
    if connection.vendor == "postgresql":
        try:
            backup_db.pg_tool("pg_dump"), backup_db.pg_tool("pg_restore")
        except backup_db.DatabaseCopyError as error:
            pytest.skip(str(error))
    settings.DATA_DIR = data
    settings.KHIZANA_IMPORT_STORE = data / "imports"
    settings.KHIZANA_DIGITAL_STORE = data / "digital"
    settings.KHIZANA_DIGITISATION_STAGING = data / "digitisation"
    settings.KHIZANA_PRESERVATION_ROOT = data / "preservation" / "ocfl"
    settings.KHIZANA_PRESERVATION_COPY_ROOT = data / "preservation-copy" / "ocfl"
    settings.KHIZANA_ILL_COPY_DIR = data / "ill-copies"
    settings.KHIZANA_CALLS_FILES_DIR = data / "calls"
    settings.KHIZANA_SSO_DIR = data / "sso"
    settings.KHIZANA_IIIF_CACHE = data / "iiif-cache"
    settings.KHIZANA_ANNIF_DIR = data / "annif"
    settings.KHIZANA_INDEX_DIR = ""
    settings.KHIZANA_BACKUP_DIR = backups
    settings.KHIZANA_EPUBCHECK = ""
    data.mkdir(parents=True, exist_ok=True)


def _fill(data: Path, *, digital: bool = True) -> None:
    (data / "secret_key").write_text(SECRET)
    (data / "sso").mkdir(exist_ok=True)
    (data / "sso" / "pairwise-salt").write_text("kept with the installation")
    libraries = {code: make_library(code) for code, _ in RECORDS}
    for code, path in RECORDS:
        import_file(libraries[code], path)
    make_user("cataloguer", "cataloguer", libraries["BNRM"])
    if digital:
        record = SourceRecord.objects.filter(library=libraries["BNRM"]).first()
        ingest.add_digital_item(record, PDF, "habibi.pdf", access="open")
    # derived and transient files that must stay out of the archive
    (data / "iiif-cache").mkdir(exist_ok=True)
    (data / "iiif-cache" / "tile.jpg").write_bytes(b"a cached tile")
    (data / "digital" / ".incoming-abc").parent.mkdir(parents=True, exist_ok=True)
    (data / "digital" / ".incoming-abc").write_bytes(b"half a file")


def _files(data: Path) -> dict[str, str]:
    """SHA-256 of every kept file under ``data`` by its relative path (derived and temporary ones aside)."""
    found = {}
    for path in sorted(data.rglob("*")):
        relative = path.relative_to(data)
        top = relative.parts[0].split("-wal")[0].split("-shm")[0]
        if not path.is_file() or top in NOT_COMPARED or any(p.startswith(".") for p in relative.parts):
            continue
        found[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _khizana(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "khizana", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )


# ---------------------------------------------------------------- the drill


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_restore_drill_gives_back_every_row_and_file_and_a_working_search(settings, tmp_path):
    from tests.support import PrivateInstallation

    source = tmp_path / "source"
    _point_stores_at(settings, source, tmp_path / "backups")
    _fill(source)
    assert list((source / "preservation" / "ocfl").rglob("inventory.json")), "the digital item is preserved"

    result = backup_services.create_backup()
    source_counts = backup_services.table_counts()
    names = [entry["name"] for entry in result.manifest["members"]]
    assert result.path.parent == tmp_path / "backups"
    assert result.path.name.startswith("khizana-backup-") and result.path.name.endswith("Z.tar.gz")
    assert oct(result.path.stat().st_mode & 0o777) == "0o600"
    assert names[0] == backup_services.DATABASE_MEMBERS[connection.vendor]
    assert "files/DATA_DIR/secret_key" in names and "files/KHIZANA_SSO_DIR/pairwise-salt" in names
    assert any(name.startswith("files/KHIZANA_PRESERVATION_ROOT/") for name in names)
    assert not [n for n in names if "iiif-cache" in n or "/search/" in n or ".incoming-" in n]
    assert result.manifest["counts"] == source_counts
    with tarfile.open(result.path) as tar:
        assert tar.getnames()[0] == "manifest.json"

    target = PrivateInstallation(tmp_path / "target")
    try:
        restored = _khizana(target.env, "restore", str(result.path))
        assert restored.returncode == 0, restored.stderr
        assert "index rebuilt: 2 works" in restored.stdout

        tables = sorted(source_counts)
        union = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM \"{t}\"" for t in tables)
        assert dict(target.query(union)) == source_counts
        kept = _files(source)
        assert {"digital", "imports", "preservation", "preservation-copy", "sso", "secret_key"} <= {
            name.split("/")[0] for name in kept
        }
        assert _files(target.data_dir) == kept
        assert (target.data_dir / "secret_key").read_text() == SECRET
        assert not (target.data_dir / "iiif-cache").exists()

        found = _khizana(target.env, "search", "azdoud")
        assert found.returncode == 0, found.stderr
        assert "Azdoud" in found.stdout and "1 works" in found.stdout

    finally:
        target.close()


# ---------------------------------------------------------------- refusals: nothing is written


@pytest.fixture
def installation(db, settings, tmp_path):
    """A small installation (no digital file). Its rows are not committed (the test's transaction is rolled
    back), so its backups hold only the committed tables: enough to damage them; the drill checks rows."""
    data = tmp_path / "data"
    _point_stores_at(settings, data, tmp_path / "backups")
    _fill(data, digital=False)
    return data


@pytest.fixture
def plain(installation, tmp_path) -> Path:
    return backup_services.create_backup(tmp_path / "plain", compress="none").path


@pytest.fixture
def gzipped(installation, tmp_path) -> Path:
    return backup_services.create_backup(tmp_path / "gz").path


def _state(data: Path) -> tuple:
    return backup_services.table_counts(), _files(data), sorted(p.name for p in data.rglob(".restore-*"))


def _refused(archive: Path, data: Path, *expected: str) -> str:
    """Restore ``archive`` with --force (so only the archive's own checks stand in the way): refused with a
    message naming it and each ``expected`` phrase; the database and the files are as they were."""
    before = _state(data)
    with pytest.raises(CommandError) as refusal:
        call_command("restore", str(archive), "--force", "--no-index")
    message = str(refusal.value)
    assert str(archive) in message
    for phrase in expected:
        assert phrase in message
    assert _state(data) == before
    return message


def _member_offset(archive: Path, prefix: str) -> int:
    with tarfile.open(archive) as tar:
        return next(m.offset_data for m in tar.getmembers() if m.name.startswith(prefix))


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_flipped_byte_in_a_member_names_the_member(plain, installation):
    _flip(plain, _member_offset(plain, "files/KHIZANA_IMPORT_STORE/") + 5)
    _refused(plain, installation, "files/KHIZANA_IMPORT_STORE/", "is damaged")


def test_a_flipped_byte_in_the_database_copy_is_refused(plain, installation):
    _flip(plain, _member_offset(plain, "database/") + 2000)
    _refused(plain, installation, "member database/", "is damaged")


def test_a_flipped_byte_in_a_compressed_archive_is_refused(gzipped, installation):
    _flip(gzipped, gzipped.stat().st_size // 2)
    _refused(gzipped, installation, "damaged")


@pytest.mark.parametrize("kind", ["gzipped", "plain"])
def test_a_truncated_archive_is_refused(kind, request, installation):
    archive = request.getfixturevalue(kind)
    if kind == "plain":  # cut exactly before the last member: what is left reads as a shorter tar
        with tarfile.open(archive) as tar:
            cut = tar.getmembers()[-1].offset
    else:
        cut = archive.stat().st_size * 2 // 3
    os.truncate(archive, cut)
    _refused(archive, installation, "truncated")


def test_an_edited_manifest_is_refused(plain, installation):
    data = plain.read_bytes()
    start = _member_offset(plain, "manifest.json")
    manifest = json.loads(data[start : start + data[start:].index(b"\0")])
    original = f'"catalog_work": {manifest["counts"]["catalog_work"]}'.encode()
    edited = f'"catalog_work": {manifest["counts"]["catalog_work"] + 1}'.encode()
    assert len(original) == len(edited) and data.count(original) == 1
    plain.write_bytes(data.replace(original, edited))
    _refused(plain, installation, "its manifest was altered")


def _rewrite(archive: Path, change) -> None:
    """Write ``archive`` again with its manifest changed by ``change`` (and its own checksum made anew)."""
    with tarfile.open(archive) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    manifest = json.loads(members[0][1])
    change(manifest)
    manifest["manifest_sha256"] = backup.manifest_digest(manifest)
    body = json.dumps(manifest).encode()
    with tarfile.open(archive, "w") as tar:
        for member, content in [(members[0][0], body), *members[1:]]:
            member.size = len(content)
            tar.addfile(member, io.BytesIO(content))


def test_another_format_version_is_refused(plain, installation):
    _rewrite(plain, lambda manifest: manifest.update(format_version=2))
    _refused(plain, installation, "backup format version 2", "reads version 1 only")


def test_a_member_the_manifest_does_not_list_is_refused(plain, installation):
    with tarfile.open(plain, "a") as tar:
        extra = tarfile.TarInfo("files/DATA_DIR/planted")
        extra.size = 3
        tar.addfile(extra, io.BytesIO(b"bad"))
    _refused(plain, installation, "member files/DATA_DIR/planted is not in its manifest")


def test_an_archive_of_a_newer_khizana_is_refused(plain, installation):
    _rewrite(plain, lambda manifest: manifest["migrations"].append("catalog.9999_from_the_future"))
    _refused(plain, installation, "made by a newer Khizana", "catalog.9999_from_the_future", "upgrade")


def test_an_archive_of_another_kind_of_database_is_refused(plain, installation):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    _rewrite(plain, lambda manifest: manifest["database"].update(vendor=other))
    _refused(plain, installation, f"holds a {other} database", f"uses {connection.vendor}")


def test_what_is_not_a_backup_is_refused(installation, tmp_path):
    text = tmp_path / "notes.tar.gz"
    text.write_text("not an archive")
    _refused(text, installation, "damaged or truncated")
    _refused(tmp_path / "absent.tar.gz", installation, "cannot be read (No such file or directory)")
    no_manifest = tmp_path / "other.tar"
    with tarfile.open(no_manifest, "w") as tar:
        tar.add(PDF, arcname="habibi.pdf")
    _refused(no_manifest, installation, "not a Khizana backup")


def test_a_non_empty_installation_is_not_restored_over_without_force(gzipped, installation):
    before = _state(installation)
    with pytest.raises(CommandError, match=r"this installation is not empty.*--force"):
        call_command("restore", str(gzipped))
    assert _state(installation) == before


def test_backup_command_prints_the_archive_and_refuses_an_unknown_location(installation, tmp_path):
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "out"), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"{connection.vendor} database: libraries_library ")
    assert Path(lines[-1]).is_file() and Path(lines[-1]).parent == tmp_path / "out"
    with pytest.raises(CommandError, match="--skip KHIZANA_NOWHERE: not a kept-data location"):
        call_command("backup", "--skip", "KHIZANA_NOWHERE")
    skipped = backup_services.create_backup(tmp_path / "skip", skip=("KHIZANA_SSO_DIR",))
    assert "KHIZANA_SSO_DIR" not in skipped.manifest["locations"]
    assert not [e for e in skipped.manifest["members"] if e["name"].startswith("files/KHIZANA_SSO_DIR/")]


# ---------------------------------------------------------------- the archive format alone


def _tree(root: Path) -> dict[str, Path]:
    files = {
        "data/secret_key": b"key",
        "data/notes/a.txt": b"a",
        "data/store/ab/abc.pdf": b"%PDF",
        "data/store/.incoming-x": b"half",
        "data/store/ab/file.partial": b"half",
        "data/search/CURRENT": b"gen",
        "outside/kept.bin": bytes(range(256)) * 10,
    }
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    (root / "data" / "link").symlink_to(root / "outside" / "kept.bin")
    return {"DATA_DIR": root / "data", "STORE": root / "data" / "store", "OUTSIDE": root / "outside"}


def test_collect_puts_each_file_under_its_most_specific_location_and_leaves_out_the_rest(tmp_path):
    places = _tree(tmp_path)
    names = [s.name for s in backup.collect(places, [tmp_path / "data" / "search"])]
    assert sorted(names) == [
        "files/DATA_DIR/notes/a.txt",
        "files/DATA_DIR/secret_key",
        "files/OUTSIDE/kept.bin",
        "files/STORE/ab/abc.pdf",
    ]


def test_written_archive_verifies_and_unpacks_to_the_same_bytes_and_modes(tmp_path):
    places = _tree(tmp_path)
    os.chmod(places["DATA_DIR"] / "secret_key", 0o600)
    sources = backup.collect(places, [])
    created = datetime(2026, 12, 7, 14, 0, 5, tzinfo=UTC)
    path, manifest = backup.write(tmp_path / "out", {"counts": {}}, sources, created=created)
    assert path.name == "khizana-backup-20261207T140005Z.tar.gz"
    assert backup.verify(path) == manifest
    assert [p.name for p in (tmp_path / "out").iterdir()] == [path.name]  # no temporary left
    with pytest.raises(backup.ArchiveError, match="already exists"):
        backup.write(tmp_path / "out", {}, sources, created=created)

    unpacked = tmp_path / "unpacked"
    backup.unpack(path, lambda name: unpacked / name)
    for source in sources:
        assert (unpacked / source.name).read_bytes() == source.path.read_bytes()
    assert oct((unpacked / "files/DATA_DIR/secret_key").stat().st_mode & 0o777) == "0o600"


def test_a_file_changing_during_the_backup_stops_it_and_leaves_nothing(tmp_path):
    places = _tree(tmp_path)
    sources = backup.collect(places, [])
    victim = sources[-1].path

    def meanwhile(name: str) -> None:  # called after each member: the last file changes before its turn
        if name == sources[0].name:
            victim.write_bytes(b"changed since it was hashed")

    created = datetime.now(UTC)
    with pytest.raises(backup.ArchiveError, match=f"{victim} changed while it was being backed up"):
        backup.write(tmp_path / "out", {}, sources, created=created, progress=meanwhile)
    assert list((tmp_path / "out").iterdir()) == []


def test_unsafe_member_names_are_not_accepted():
    assert backup.safe_name("files/DATA_DIR/a/b.txt")
    for name in ("/etc/passwd", "files/../../x", "", "files\\x"):
        assert not backup.safe_name(name)


# ---------------------------------------------------------------- PostgreSQL's dump and restore alone


def _pg_or_skip() -> None:
    try:
        psycopg.connect(PG_BASE, connect_timeout=3).close()
    except psycopg.Error:
        pytest.skip(f"PostgreSQL does not answer at {PG_BASE}")
    try:
        backup_db.pg_tool("pg_dump"), backup_db.pg_tool("pg_restore")
    except backup_db.DatabaseCopyError as error:
        pytest.skip(str(error))


def _pg_params(name: str) -> dict:
    url = psycopg.conninfo.conninfo_to_dict(PG_BASE)
    return {"NAME": name, "USER": url.get("user"), "HOST": url.get("host"), "PORT": url.get("port")}


def test_pg_dump_and_restore_into_an_emptied_database(tmp_path):
    _pg_or_skip()
    names = (f"ops_backup_source_{os.getpid()}", f"ops_backup_target_{os.getpid()}")  # two suites may run
    with psycopg.connect(PG_BASE, autocommit=True) as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        source, target = (_pg_params(name) for name in names)
        with psycopg.connect(**{"dbname": names[0], "host": source["HOST"], "user": source["USER"]}) as db:
            db.execute("CREATE TABLE book (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, t text)")
            db.execute("INSERT INTO book (t) VALUES ('Muqaddima'), ('Rihla'), ('كتاب')")
            db.execute("CREATE TABLE django_migrations (app text, name text)")
            db.execute("INSERT INTO django_migrations VALUES ('catalog', '0001_initial')")
        with psycopg.connect(**{"dbname": names[1], "host": target["HOST"], "user": target["USER"]}) as db:
            db.execute("CREATE TABLE book (id bigint PRIMARY KEY, stale text)")  # a migrated, empty table

        dump = tmp_path / "khizana.pgdump"
        snapshot = backup_db.pg_dump(source, dump)
        assert snapshot.counts == {"book": 3, "django_migrations": 1}
        assert snapshot.migrations == ["catalog.0001_initial"]
        with pytest.raises(backup_db.DatabaseCopyError, match="pg_restore failed"):
            backup_db.pg_restore(target, dump)  # the table already exists: all or nothing
        backup_db.pg_empty(target)
        backup_db.pg_restore(target, dump)
        with psycopg.connect(**{"dbname": names[1], "host": target["HOST"], "user": target["USER"]}) as db:
            assert backup_db.pg_snapshot(db.cursor()) == snapshot
            assert db.execute("SELECT t FROM book ORDER BY id").fetchall()[2] == ("كتاب",)
            db.execute("INSERT INTO book (t) VALUES ('next')")  # the identity goes on from the dump
            assert db.execute("SELECT max(id) FROM book").fetchone() == (4,)
    finally:
        with psycopg.connect(PG_BASE, autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
