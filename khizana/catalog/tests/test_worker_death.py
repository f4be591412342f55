"""Worker processes end with the process that started them, even when it is killed with SIGKILL.

Before, ``kill -9`` of an import left its two reader workers (about 45 MB each) and the multiprocessing
resource tracker blocked on a pipe for good. Processes are found in /proc: Linux only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from khizana.testing import REPO
from tests.support import PrivateInstallation, migrated_installation

from .reject_files import file_with_rejects

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")

END_WITHIN = 5.0  # seconds, after the parent's death

READER = """
import sys, time
from khizana.catalog.formats.parallel import read_iso2709_parallel
records = read_iso2709_parallel(open(sys.argv[1], "rb").read(), format_hint=None, workers=2)
next(records)
print("reading", flush=True)
time.sleep(600)
"""

INDEXER = """
import os, time
os.environ["DJANGO_SETTINGS_MODULE"] = "khizana.test_settings"
import django
django.setup()
from khizana.search import services
services._fulltext_terms = lambda rows: {}  # no database: the pool is what is tested
documents = services._documents(([] for _ in range(10_000)), workers=2)
next(documents)
print("indexing", flush=True)
time.sleep(600)
"""


@dataclass(frozen=True)
class Proc:
    pid: int
    started: int  # clock ticks after boot: tells a pid reused by another process apart
    command: str


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, start time) of a process, or None when there is no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[19])


def children(parent: int) -> list[Proc]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or (stat := _stat(int(entry.name))) is None or stat[1] != parent:
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        found.append(Proc(int(entry.name), stat[2], command))
    return found


def alive(process: Proc) -> bool:
    stat = _stat(process.pid)
    return stat is not None and stat[0] != "Z" and stat[2] == process.started  # a zombie is dead


def pool_of(parent: int, workers: int, timeout: float = 60) -> list[Proc]:
    """The parent's spawn workers (at least ``workers``) and its resource tracker, once they run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = children(parent)
        spawned = [p for p in found if "multiprocessing.spawn" in p.command]
        trackers = [p for p in found if "resource_tracker" in p.command]
        if len(spawned) >= workers and trackers:
            return spawned + trackers
        time.sleep(0.05)
    raise AssertionError(f"no pool of {workers} workers under {parent}: {children(parent)}")


def kill_and_expect_the_pool_to_end(process: subprocess.Popen, pool: list[Proc]) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + END_WITHIN
    try:
        while time.monotonic() < deadline and any(alive(p) for p in pool):
            time.sleep(0.05)
        left = [p for p in pool if alive(p)]
        assert not left, f"still running {END_WITHIN} s after the parent was killed: {left}"
    finally:
        for leftover in (p for p in pool if alive(p)):  # leave nothing behind when the test fails
            os.kill(leftover.pid, signal.SIGKILL)


def start(script: str, *args: str, ready: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", script, *args], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    line = process.stdout.readline().strip()
    if line != ready:
        process.kill()
        process.wait()
        raise AssertionError(f"the child said {line!r}, not {ready!r}")
    return process


def test_reader_workers_and_resource_tracker_end_when_the_reader_is_killed(tmp_path):
    big = file_with_rejects(tmp_path / "big.mrc", every=10, copies=20)  # about 9 MB
    process = start(READER, str(big), ready="reading")
    kill_and_expect_the_pool_to_end(process, pool_of(process.pid, workers=2))


def test_index_workers_end_when_the_indexer_is_killed():
    process = start(INDEXER, ready="indexing")
    kill_and_expect_the_pool_to_end(process, pool_of(process.pid, workers=1))


WATCHED = """
import os, time
from khizana.catalog import worker_pool
worker_pool._kernel_signals_parent_death = lambda: False  # as where prctl is not available
worker_pool.end_with_parent(os.getppid())
print("watching", flush=True)
time.sleep(600)
"""

MIDDLE = """
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", sys.argv[1]])
time.sleep(600)
"""


def test_without_the_kernels_help_a_thread_of_the_worker_watches_its_parent():
    process = start(MIDDLE, WATCHED, ready="watching")
    [worker] = children(process.pid)
    kill_and_expect_the_pool_to_end(process, [worker])


def test_a_worker_whose_parent_is_already_gone_ends_at_once():
    script = "from khizana.catalog.worker_pool import end_with_parent; end_with_parent(0); print('alive')"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout) == (1, "")


# --- a real import, killed --------------------------------------------------------------------------


class Catalog(PrivateInstallation):
    def prepare(self) -> Catalog:
        self.env["KHIZANA_IMPORT_WORKERS"] = "2"
        self.khizana(
            "shell",
            "-c",
            "from khizana.libraries.models import Library; "
            "Library.objects.create(code='KILL', name_fr='Bibliothèque test', kind='public', country='DZ')",
        )
        return self

    def rejects(self) -> int:
        return self.query("select count(*) from catalog_importreject")[0][0]

    def wait_for_rejects(self, process: subprocess.Popen, timeout: float = 120) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            if count := self.rejects():
                return count
            time.sleep(0.02)
        raise AssertionError("the import stored no reject before it ended")


@pytest.mark.slow
def test_killed_import_leaves_no_process_and_its_rerun_has_the_rejects_of_one_run(tmp_path):
    lot = file_with_rejects(tmp_path / "lot.mrc", every=2, copies=4)  # 2 MB: read by 2 workers
    reference = migrated_installation(tmp_path / "reference", Catalog)
    killed = migrated_installation(tmp_path / "killed", Catalog)
    try:
        reference.prepare().khizana("import", "--library", "KILL", "--no-progress", str(lot))
        expected = reference.rejects()
        assert expected == 4 * 228

        killed.prepare()
        process = killed.start("import", "--library", "KILL", "--no-progress", "--batch-size", "20", str(lot))
        pool = pool_of(process.pid, workers=2)
        killed.wait_for_rejects(process)
        assert process.poll() is None, "the import ended before it could be killed"
        kill_and_expect_the_pool_to_end(process, pool)
        assert 0 < killed.rejects() < expected

        killed.khizana("import", "--library", "KILL", "--no-progress", str(lot))
        assert killed.rejects() == expected
        statuses = killed.query("select status, records_rejected from catalog_importrun order by id")
        assert statuses == [("interrupted", 0), ("finished", expected)]
    finally:
        reference.close()
        killed.close()
