"""Private PostgreSQL clusters for tests: a primary and a streaming standby of it, on free loopback ports,
in a temporary directory, started with Debian's binaries (``$KHIZANA_PG_BIN``, else the newest
/usr/lib/postgresql/<version>/bin). As root the server runs as the ``postgres`` OS user (PostgreSQL
refuses root).

Never the shared server on 5432: each cluster is made here and removed by :meth:`Cluster.destroy`.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg


def _server_bin() -> Path:
    """``$KHIZANA_PG_BIN``, else the newest /usr/lib/postgresql/<version>/bin that has initdb."""
    if os.environ.get("KHIZANA_PG_BIN"):
        return Path(os.environ["KHIZANA_PG_BIN"])
    found = [path.parent for path in Path("/usr/lib/postgresql").glob("*/bin/initdb")]
    found.sort(key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0)
    return found[-1] if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _server_bin()
TOOLS = ("initdb", "pg_ctl", "pg_basebackup", "postgres")


def unavailable() -> str | None:
    """Why private clusters cannot be started here (a sentence), or None when they can."""
    missing = [tool for tool in TOOLS if not (PG_BIN / tool).exists()]
    if missing:
        return f"PostgreSQL server binaries not found in {PG_BIN} ({', '.join(missing)}); set KHIZANA_PG_BIN"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' OS user to run PostgreSQL as"
        if not shutil.which("runuser"):
            return "running as root and runuser is missing (needed to run PostgreSQL as 'postgres')"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _run(args: list[str], timeout: float = 60) -> None:
    done = subprocess.run(_as_server_user(args), capture_output=True, text=True, timeout=timeout)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr or done.stdout}")


class Cluster:
    """One PostgreSQL server: its data directory under ``root`` and its loopback port."""

    def __init__(self, root: Path, name: str) -> None:
        self.root = root
        self.data = root / name
        self.port = free_port()
        self.log = root / f"{name}.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def configure(self, **values: str | int) -> None:
        lines = [f"{key} = '{value}'" for key, value in values.items()]
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n".join(["", *lines, ""]))

    def start(self) -> None:
        _run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start"])

    def stop(self, mode: str = "fast") -> None:
        """``mode`` "immediate" is a crash: no shutdown checkpoint, clients cut off."""
        if (self.data / "postmaster.pid").exists():
            _run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def sql(self, query: str, database: str = "postgres") -> list[tuple]:
        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=5) as connection:
            cursor = connection.execute(query)
            return cursor.fetchall() if cursor.description else []


def _server_settings(cluster: Cluster) -> dict[str, str | int]:
    return {
        "port": cluster.port,
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": str(cluster.root),
        "max_connections": 40,
        "shared_buffers": "32MB",
        # a test cluster: speed over durability
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
    }


class ReplicatedPair:
    """A primary (``wal_level=replica``) and a hot standby made by ``pg_basebackup -R -X stream``."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="khizana-pg-"))
        if os.geteuid() == 0:
            server_user = pwd.getpwnam("postgres")
            os.chown(self.root, server_user.pw_uid, server_user.pw_gid)
        self.primary = Cluster(self.root, "primary")
        self.standby = Cluster(self.root, "standby")

    def start(self, timeout: float = 30) -> None:
        primary, standby = self.primary, self.standby
        initdb = [str(PG_BIN / "initdb"), "-D", str(primary.data), "-U", "postgres", "--auth=trust", "-N"]
        _run([*initdb, "-E", "UTF8"])
        primary.configure(**_server_settings(primary), wal_level="replica", max_wal_senders=4)
        primary.start()
        _run(
            [
                str(PG_BIN / "pg_basebackup"),
                *("-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
                *("-D", str(standby.data), "-R", "-X", "stream", "-c", "fast", "--no-sync"),
            ]
        )
        standby.configure(**_server_settings(standby), hot_standby="on", wal_receiver_status_interval="1s")
        standby.start()
        self.wait_streaming(timeout)

    def wait_streaming(self, timeout: float = 30) -> None:
        """Until the standby is in recovery and the primary sends it WAL."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                recovering = self.standby.sql("SELECT pg_is_in_recovery()")[0][0]
                senders = self.primary.sql(
                    "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
                )
                if recovering and senders[0][0]:
                    return
            except psycopg.OperationalError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the standby did not stream within {timeout} s; see {self.standby.log}")

    def wait_replayed(self, timeout: float = 20) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        target = self.primary.sql("SELECT pg_current_wal_insert_lsn()")[0][0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            behind = self.standby.sql(f"SELECT pg_wal_lsn_diff('{target}', pg_last_wal_replay_lsn())")[0][0]
            if behind <= 0:
                return
            time.sleep(0.05)
        raise RuntimeError(f"the standby did not replay up to {target} within {timeout} s")

    def destroy(self) -> None:
        for cluster in (self.standby, self.primary):
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                cluster.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
