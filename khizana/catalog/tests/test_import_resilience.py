"""An import killed with SIGKILL and run again ends exactly where an uninterrupted one does."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from .conftest import DEMO, REPO

pytestmark = pytest.mark.slow

SOURCES = [
    DEMO / "records" / "BULAC" / "evergreen_lul_fre_500-subset.mrc",
    DEMO / "records" / "BULAC" / "traject_test_data.utf8.mrc",
    DEMO / "records" / "IMIST" / "medialab_periouni-subset.mrc",
    DEMO / "records" / "IMIST" / "medialab_cotes8.mrc",
]


class Catalog:
    """A private Khizana installation run through its command line, as an operator would."""

    def __init__(self, data_dir: Path):
        self.env = {
            **os.environ,
            "KHIZANA_DATA_DIR": str(data_dir),
            "DJANGO_SETTINGS_MODULE": "khizana.settings",
        }
        self.pg_url = None
        if os.environ.get("DATABASE_URL"):
            self.pg_url = _create_pg_database()
            self.env["DATABASE_URL"] = self.pg_url
        self.sqlite_path = data_dir / "khizana.sqlite3"

    def khizana(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "khizana", *args],
            env=self.env,
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
            **kwargs,
        )

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "khizana", *args],
            env=self.env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def query(self, sql: str) -> list[tuple]:
        if self.pg_url:
            with psycopg.connect(self.pg_url) as connection:
                return connection.execute(sql).fetchall()
        with sqlite3.connect(self.sqlite_path, timeout=30) as connection:
            return connection.execute(sql).fetchall()

    def state(self) -> dict:
        records = self.query(
            "select local_id, checksum, deleted, kind, work_id from catalog_sourcerecord order by local_id"
        )
        works: dict = {}
        for local_id, _, _, _, work_id in records:
            if work_id is not None:
                works.setdefault(work_id, set()).add(local_id)
        return {
            "records": [r[:4] for r in records],
            "works": sorted(sorted(w) for w in works.values()),
            "holdings": self.query("select count(*) from catalog_holding")[0][0],
            "dirty": self.query("select count(*) from catalog_sourcerecord where cluster_dirty")[0][0],
            "keys": self.query("select count(*) from catalog_matchkey")[0][0],
            "versions": self.query("select count(*) from catalog_sourcerecordversion")[0][0],
        }

    def close(self) -> None:
        if self.pg_url:
            _drop_pg_database(self.pg_url)


def _create_pg_database() -> str:
    base = os.environ["DATABASE_URL"]
    name = f"khizana_kill_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return base.rsplit("/", 1)[0] + "/" + name


def _drop_pg_database(url: str) -> None:
    base, name = os.environ["DATABASE_URL"], url.rsplit("/", 1)[1]
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _prepare(catalog: Catalog) -> None:
    catalog.khizana("migrate", "--noinput")
    catalog.khizana(
        "shell",
        "-c",
        "from khizana.libraries.models import Library; "
        "Library.objects.create(code='KILL', name_fr='Bibliothèque test', kind='public', country='DZ')",
    )


@pytest.fixture
def big_file(tmp_path) -> Path:
    path = tmp_path / "lot.mrc"
    path.write_bytes(b"".join(p.read_bytes() for p in SOURCES))
    return path


def test_import_killed_midway_and_rerun_equals_uninterrupted_import(tmp_path, big_file):
    total = big_file.read_bytes().count(b"\x1d")
    reference, killed = Catalog(tmp_path / "reference"), Catalog(tmp_path / "killed")
    try:
        _prepare(reference)
        reference.khizana("import", "--library", "KILL", "--no-progress", str(big_file))
        expected = reference.state()
        assert len(expected["records"]) == total and expected["dirty"] == 0

        _prepare(killed)
        process = killed.start(
            "import", "--library", "KILL", "--no-progress", "--batch-size", "3", str(big_file)
        )
        deadline = time.monotonic() + 60
        stored = 0
        while time.monotonic() < deadline and process.poll() is None:
            stored = killed.query("select count(*) from catalog_sourcerecord")[0][0]
            if stored >= total // 4:
                break
            time.sleep(0.01)
        assert process.poll() is None, "the import ended before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        partial = killed.state()
        assert 0 < len(partial["records"]) < total

        killed.khizana("import", "--library", "KILL", "--no-progress", str(big_file))
        assert killed.state() == expected
        statuses = [row[0] for row in killed.query("select status from catalog_importrun order by id")]
        assert statuses == ["interrupted", "finished"]
    finally:
        reference.close()
        killed.close()
