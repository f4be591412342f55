"""Keeping the IIIF derivative cache (tiles, thumbnails) within a size (no Django import).

The cache is derived data: any file may go. The oldest files (by modification time: a tile is written
once, when first asked for) go first until the cache fits; leftovers of interrupted writes go too.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

STALE_TEMPORARY_SECONDS = 3600


@dataclass(frozen=True)
class Pruned:
    removed_files: int
    removed_bytes: int
    kept_bytes: int


def prune(root: Path, max_bytes: int, now: float | None = None) -> Pruned:
    """Remove the oldest files under ``root`` until the rest holds at most ``max_bytes``."""
    now = time.time() if now is None else now
    files, removed_files, removed_bytes = [], 0, 0
    for path in Path(root).rglob("*"):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue  # removed meanwhile
        if not path.is_file():
            continue
        if path.name.startswith(".tmp-") and now - stat.st_mtime > STALE_TEMPORARY_SECONDS:
            removed_files, removed_bytes = removed_files + 1, removed_bytes + _remove(path, stat.st_size)
            continue
        files.append((stat.st_mtime, stat.st_size, path))
    total = sum(size for _, size, _ in files)
    for _mtime, size, path in sorted(files, key=lambda entry: entry[0]):
        if total <= max_bytes:
            break
        total -= size
        removed_files, removed_bytes = removed_files + 1, removed_bytes + _remove(path, size)
    _remove_empty_folders(Path(root))
    return Pruned(removed_files, removed_bytes, total)


def _remove(path: Path, size: int) -> int:
    try:
        path.unlink()
    except FileNotFoundError:
        return 0
    return size


def _remove_empty_folders(root: Path) -> None:
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        with contextlib.suppress(OSError):  # not empty, or gone
            os.rmdir(folder)
