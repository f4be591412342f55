"""A private Khizana installation for tests that need other processes: its own data directory and
database (SQLite, or a fresh PostgreSQL database when DATABASE_URL is set), driven through the
`khizana` command line and served by gunicorn, as an operator would run it."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[1]


class PrivateInstallation:
    def __init__(self, data_dir: Path, pg_template: str | None = None):
        self.data_dir = data_dir
        self.env = {
            **os.environ,
            "KHIZANA_DATA_DIR": str(data_dir),
            "DJANGO_SETTINGS_MODULE": "khizana.settings",
            "KHIZANA_PLAIN_STATIC": "1",
            # Fair use and load shedding off: tests send bursts from one address (bench/load_bench.py
            # turns them on for its runs)
            "KHIZANA_RATE_ENABLED": "0",
            "KHIZANA_SHED_ENABLED": "0",
        }
        self.pg_url = None
        if os.environ.get("DATABASE_URL"):
            self.pg_url = _create_pg_database(pg_template)
            self.env["DATABASE_URL"] = self.pg_url
        self.sqlite_path = data_dir / "khizana.sqlite3"
        self.server: subprocess.Popen | None = None
        self.base_url = ""

    def khizana(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "khizana", *args],
            env=self.env,
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
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

    def serve(self) -> str:
        """Start gunicorn on a free loopback port; returns the base URL once it answers."""
        port = _free_port()
        self.server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "khizana.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--log-level",
                "warning",
            ],
            env=self.env,
            cwd=REPO,
        )
        self.base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base_url + "/", timeout=2)
                return self.base_url
            except OSError:
                if self.server.poll() is not None:
                    raise RuntimeError("gunicorn exited before answering") from None
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def close(self) -> None:
        if self.server is not None:
            self.server.terminate()
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.server.kill()
        if self.pg_url:
            _drop_pg_database(self.pg_url)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _create_pg_database(template: str | None = None) -> str:
    base = os.environ["DATABASE_URL"]
    name = f"khizana_private_{uuid.uuid4().hex[:10]}"
    copy = f' TEMPLATE "{template.rsplit("/", 1)[1]}"' if template else ""
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"{copy}')
    return base.rsplit("/", 1)[0] + "/" + name


@functools.cache
def _migrated_template() -> PrivateInstallation:
    """The tables, nothing in them, made once per test session (the migrations take 15-20 s of one core)."""
    template = PrivateInstallation(Path(tempfile.mkdtemp(prefix="khizana-migrated-template-")))
    template.khizana("migrate", "--noinput")
    atexit.register(_remove_template, template)
    return template


@functools.cache
def _demo_template() -> PrivateInstallation:
    """A copy of the migrated template holding the demo network, indexed, made once per test session."""
    template = _copy_of(_migrated_template(), Path(tempfile.mkdtemp(prefix="khizana-demo-template-")))
    template.khizana("demo", "--no-admin")
    template.khizana("eresources", "demo")
    template.khizana("index", "rebuild", "--no-progress")
    template.khizana("labelling", "demo")  # labelled collections (their searches need the index)
    atexit.register(_remove_template, template)
    return template


def _copy_of(
    template: PrivateInstallation, data_dir: Path, kind: type[PrivateInstallation] = PrivateInstallation
) -> PrivateInstallation:
    """An installation of its own (the data directory copied, and on PostgreSQL a database created from
    the template's), which its caller may change freely."""
    shutil.copytree(template.data_dir, data_dir, dirs_exist_ok=True)
    return kind(data_dir, pg_template=template.pg_url)


def migrated_installation(data_dir: Path, kind: type[PrivateInstallation] = PrivateInstallation):
    """A private installation (of ``kind``) whose tables are made (`khizana migrate`) and empty."""
    return _copy_of(_migrated_template(), data_dir, kind)


def demo_installation(data_dir: Path) -> PrivateInstallation:
    """A private installation holding the demo network's catalogue, migrated and indexed: what `make run`
    loads without the demo's digital items, its institution registry and its admin account."""
    return _copy_of(_demo_template(), data_dir)


def _remove_template(template: PrivateInstallation) -> None:
    template.close()
    shutil.rmtree(template.data_dir, ignore_errors=True)


def _drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
