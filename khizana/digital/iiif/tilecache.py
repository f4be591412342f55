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
from stat import S_ISREG

STALE_TEMPORARY_SECONDS = 3600
# Names of partial writes. views._write_atomically spells ".tmp-" itself: it should use this.
TEMPORARY_PREFIX = ".tmp-"


@dataclass(frozen=True)
class Pruned:
    removed_files: int
    removed_bytes: int
    kept_bytes: int


def prune(root: Path, max_bytes: int, now: float | None = None) -> Pruned:
    """Remove the oldest files under ``root`` until the rest holds at most ``max_bytes``.

    One bottom-up walk, one stat per file: stale partial writes go at once, folders left empty on the
    way up; then the oldest files go, and with them the folders they leave empty."""
    now = time.time() if now is None else now
    top = os.path.normpath(os.fspath(root))
    files, removed_files, removed_bytes = [], 0, 0
    for folder, _subfolders, names in os.walk(top, topdown=False):
        kept = 0
        for name in names:
            path = os.path.join(folder, name)
            try:
                stat = os.stat(path, follow_symlinks=False)
            except FileNotFoundError:
                continue  # removed meanwhile
            if not S_ISREG(stat.st_mode):
                kept += 1
                continue
            if name.startswith(TEMPORARY_PREFIX) and now - stat.st_mtime > STALE_TEMPORARY_SECONDS:
                removed_files, removed_bytes = removed_files + 1, removed_bytes + _remove(path, stat.st_size)
                continue
            files.append((stat.st_mtime, stat.st_size, path))
            kept += 1
        if not kept and folder != top:
            with contextlib.suppress(OSError):  # still holds folders, or gone
                os.rmdir(folder)
    total = sum(size for _, size, _ in files)
    for _mtime, size, path in sorted(files, key=lambda entry: entry[0]):
        if total <= max_bytes:
            break
        total -= size
        removed_files, removed_bytes = removed_files + 1, removed_bytes + _remove(path, size)
        _remove_empty_folders(os.path.dirname(path), top)
    return Pruned(removed_files, removed_bytes, total)


def _remove(path: str, size: int) -> int:
    try:
        os.unlink(path)
    except FileNotFoundError:
        return 0
    return size


def _remove_empty_folders(folder: str, top: str) -> None:
    """``folder`` and its parents below ``top``, as long as they are empty."""
    while folder != top and folder.startswith(top):
        try:
            os.rmdir(folder)
        except OSError:  # not empty, or gone
            return
        folder = os.path.dirname(folder)
