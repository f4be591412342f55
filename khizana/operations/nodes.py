"""Several web nodes: publishing the indexer's search index to the index directories of other nodes.

One node (the indexer) writes the tantivy index; every web node reads a copy of its own (settings
KHIZANA_INDEX_DIR and KHIZANA_INDEX_READ_ONLY=1). A publication is an immutable generation directory:

1. on the source, under the index's writer lock (a few milliseconds), the live generation's files are
   hard-linked into a snapshot: tantivy never rewrites a segment file and replaces ``meta.json`` by a
   rename, so the snapshot stays whole while the indexer goes on committing;
2. on each destination, the snapshot is copied under a temporary name, every file synced to disk, then
   renamed to ``<generation>.<digest of meta.json>``: the name says which commit it holds, so publishing
   the same commit again copies nothing;
3. the copy is opened once (a broken copy is never made live), then ``CURRENT`` is replaced by an atomic
   rename: the node's web processes (which look at ``CURRENT`` every second) switch to it, and search the
   old generation until then;
4. the older generations beyond ``keep`` are removed (searches in flight in a process that has not yet
   switched still hold the files they opened).

The files of a published generation are read-only; tantivy's readers still open ``.tantivy-meta.lock``
for writing, so it is made writable by the owner and the group (run the web processes as the publishing
user or in its group).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from khizana.search import engine

READER_LOCK = ".tantivy-meta.lock"
SKIPPED = {READER_LOCK, ".tantivy-writer.lock"}  # lock files: made fresh on the destination
INCOMING = ".incoming-"
SNAPSHOT = ".publish-"
STALE_SECONDS = 3600  # leftovers of an interrupted publication older than this are removed


class PublishError(Exception):
    """A publication that cannot be done; the message names the directory and the reason."""


@dataclass
class Snapshot:
    path: Path  # a directory of the generation's files, whole
    name: str  # the name of the published generation: source generation + digest of its meta.json
    temporary: bool  # made for this publication, removed after it


@dataclass
class Published:
    destination: Path
    generation: str
    copied: bool  # False: the destination already served this generation
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    error: str = ""  # why this destination could not be published (the others still were)


def publish(
    source_root: Path,
    destinations: list[Path],
    *,
    keep: int = 2,
    immutable_source: bool = False,
    on_file: Callable[[Path], None] | None = None,
) -> list[Published]:
    """Publish the live generation of the index in ``source_root`` to each destination index directory.
    ``immutable_source``: the source is itself a published copy (a read-only node), no snapshot needed.
    ``on_file(path)`` is called after each file copied (progress)."""
    if keep < 1:
        raise PublishError(f"--keep {keep}: at least 1 (the live generation)")
    source_root = source_root.resolve()
    _live_generation(engine.IndexLocation(root=source_root))  # before any destination is made
    targets = [_check_destination(source_root, destination) for destination in destinations]
    results = []
    with _snapshot(source_root, immutable_source) as snapshot:
        for target in targets:
            try:
                results.append(_publish_one(snapshot, target, keep, on_file))
            except PublishError as error:
                results.append(Published(target, snapshot.name, copied=False, error=str(error)))
    return results


def _check_destination(source_root: Path, destination: Path) -> Path:
    destination = destination.resolve()
    if destination == source_root:
        raise PublishError(f"{destination}: this is the index being published, not another node's")
    if destination.exists() and not destination.is_dir():
        raise PublishError(f"{destination}: not a directory")
    try:
        destination.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PublishError(f"{destination}: cannot be created ({error.strerror})") from None
    if not os.access(destination, os.W_OK | os.X_OK):
        raise PublishError(f"{destination}: not writable by this user")
    return destination


@contextmanager
def _snapshot(source_root: Path, immutable_source: bool):
    location = engine.IndexLocation(root=source_root)
    if immutable_source:
        generation = _live_generation(location)
        yield Snapshot(generation, _published_name(generation), temporary=False)
        return
    _remove_stale(source_root, SNAPSHOT)
    path = source_root / f"{SNAPSHOT}{os.getpid()}-{time.monotonic_ns()}"
    try:
        with location.writer_lock():
            generation = _live_generation(location)
            path.mkdir()
            for source in _files(generation):
                _link_or_copy(source, path / source.name)
        yield Snapshot(path, _published_name(path, generation.name), temporary=True)
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _live_generation(location: engine.IndexLocation) -> Path:
    generation = location.current()
    if generation is None:
        raise PublishError(
            f"{location.root}: no search index to publish (run `khizana index rebuild` on this node first)"
        )
    return generation


def _published_name(generation: Path, source_name: str | None = None) -> str:
    """``<source generation>.<12 hex digits of meta.json's SHA-256>``; a published copy keeps its name."""
    name = source_name or generation.name
    if "." in name:  # already a published name: publishing a published copy on
        return name
    digest = hashlib.sha256((generation / "meta.json").read_bytes()).hexdigest()[:12]
    return f"{name}.{digest}"


def _files(generation: Path) -> list[Path]:
    return sorted(p for p in generation.iterdir() if p.is_file() and p.name not in SKIPPED)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or no hard links: a copy (under the lock, so still whole)
        shutil.copy2(source, target)


def _publish_one(
    snapshot: Snapshot, destination: Path, keep: int, on_file: Callable[[Path], None] | None
) -> Published:
    started = time.perf_counter()
    target = destination / snapshot.name
    live = engine.IndexLocation(root=destination).current()
    if live == target:
        _prune(destination, target, keep)
        return Published(destination, snapshot.name, copied=False)
    result = Published(destination, snapshot.name, copied=True)
    if not (target / "meta.json").exists():  # else: copied whole by an interrupted run, switched next
        _remove_stale(destination, INCOMING)
        _copy_generation(snapshot.path, destination, target, result, on_file)
    _verify(target)
    _switch(destination, target)
    _prune(destination, target, keep)
    result.seconds = time.perf_counter() - started
    return result


def _copy_generation(
    source: Path, destination: Path, target: Path, result: Published, on_file: Callable[[Path], None] | None
) -> None:
    incoming = destination / f"{INCOMING}{target.name}-{os.getpid()}"
    shutil.rmtree(incoming, ignore_errors=True)
    incoming.mkdir()
    try:
        for path in _files(source):
            copied = incoming / path.name
            _copy_synced(path, copied)
            result.files += 1
            result.bytes += copied.stat().st_size
            if on_file:
                on_file(copied)
        _make_reader_lock(incoming / READER_LOCK)
        _sync_directory(incoming)
        shutil.rmtree(target, ignore_errors=True)  # a half-copied leftover without meta.json
        incoming.rename(target)
        _sync_directory(destination)
    except OSError as error:
        shutil.rmtree(incoming, ignore_errors=True)
        raise PublishError(f"{destination}: copy failed ({error.strerror or error})") from None


def _copy_synced(source: Path, target: Path) -> None:
    with source.open("rb") as reader, target.open("wb") as writer:
        shutil.copyfileobj(reader, writer, 1024 * 1024)
        writer.flush()
        os.fsync(writer.fileno())
    os.chmod(target, 0o444)  # a published generation is never written again


def _make_reader_lock(path: Path) -> None:
    descriptor = os.open(path, os.O_CREAT | os.O_WRONLY, 0o664)
    try:
        os.fchmod(descriptor, 0o664)  # whatever the umask: readers of the group open it for writing
    finally:
        os.close(descriptor)


def _sync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _verify(target: Path) -> None:
    """Open the copy as a web process will, before anyone is sent to it."""
    if engine.schema_version(target) != engine.SCHEMA_VERSION:
        raise PublishError(f"{target}: not an index of this Khizana version (schema)")
    try:
        engine.open_index(target).searcher()
    except ValueError as error:
        raise PublishError(f"{target}: the copy cannot be opened ({error})") from None


def _switch(destination: Path, target: Path) -> None:
    pointer = destination / "CURRENT"
    partial = destination / f".CURRENT.{os.getpid()}"
    with partial.open("w") as handle:
        handle.write(f"{target.name}\n")
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(pointer)
    _sync_directory(destination)


def _prune(destination: Path, live: Path, keep: int) -> None:
    """Keep the live generation and the ``keep - 1`` most recent others."""
    others = [p for p in destination.glob("gen-*") if p.is_dir() and p != live]
    others.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for old in others[keep - 1 :]:
        shutil.rmtree(old, ignore_errors=True)


def _remove_stale(root: Path, prefix: str) -> None:
    limit = time.time() - STALE_SECONDS
    for leftover in root.glob(f"{prefix}*"):
        if leftover.is_dir() and leftover.stat().st_mtime < limit:
            shutil.rmtree(leftover, ignore_errors=True)


def served_generation(index_root: Path) -> str:
    """The name of the generation an index directory serves ("" when none)."""
    current = engine.IndexLocation(root=index_root).current()
    return current.name if current else ""
