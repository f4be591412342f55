"""The IIIF tile cache is kept within its size, oldest tiles first."""

from __future__ import annotations

import os

from khizana.digital.iiif import tilecache


def _tile(root, name: str, size: int, mtime: float):
    path = root / name[:2] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    os.utime(path, (mtime, mtime))
    return path


def test_the_oldest_tiles_go_first_until_the_cache_fits(tmp_path):
    old = _tile(tmp_path, "aa-old.jpg", 400, 1000)
    middle = _tile(tmp_path, "bb-middle.jpg", 400, 2000)
    new = _tile(tmp_path, "cc-new.jpg", 400, 3000)
    pruned = tilecache.prune(tmp_path, max_bytes=800, now=4000)
    assert (pruned.removed_files, pruned.removed_bytes, pruned.kept_bytes) == (1, 400, 800)
    assert not old.exists() and middle.exists() and new.exists()
    assert not (tmp_path / "aa").exists()  # its emptied folder went too


def test_a_cache_within_its_size_is_left_alone_but_stale_partial_writes_go(tmp_path):
    tile = _tile(tmp_path, "aa-tile.png", 100, 1000)
    stale = _tile(tmp_path, ".tmp-stale", 50, 1000)
    fresh = _tile(tmp_path, ".tmp-fresh", 50, 9000)  # a write in progress
    pruned = tilecache.prune(tmp_path, max_bytes=10_000, now=9500)
    assert pruned.removed_files == 1 and tile.exists() and fresh.exists() and not stale.exists()


def test_an_absent_cache_is_nothing_to_do(tmp_path):
    assert tilecache.prune(tmp_path / "none", max_bytes=0) == tilecache.Pruned(0, 0, 0)
