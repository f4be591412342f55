"""The counters of the rate limits (khizana/operations/shedding.py), kept where every worker sees them.

A counter is a fixed window: ``hit(key, window)`` adds one to the count of ``key`` in the window of
``window`` seconds that holds the present moment (windows start at multiples of ``window`` since the
epoch) and gives back the count and the seconds until that window ends (the Retry-After of a refusal).

Two stores, chosen by ``KHIZANA_RATE_STORE``:

- Redis (``redis://…``, by default ``REDIS_URL`` when it is set): Django's cache framework, its
  ``RedisCache`` backend. ``add`` (SET NX with the window's expiry) then ``incr`` (INCRBY) are each one
  atomic Redis command, so workers on every machine behind a load balancer share the counts.
- SQLite (a file path; by default ``ratelimit.sqlite3`` in the data directory): for the processes of one
  machine. One ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` statement adds and reads the count under
  SQLite's write lock, which every process opening the file takes, so two gunicorn workers never lose an
  increment. Django's other shared caches would: the database and file caches implement ``incr`` as a
  read followed by a write, and the local-memory cache is one per process. Counts are not fsynced (a
  crash loses at most the current window, which is harmless).

A store that fails (Redis gone, disk full) lets the request through: shedding load must never turn an
outage of its store into an outage of the site.
"""

from __future__ import annotations

import logging
import math
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Protocol

logger = logging.getLogger(__name__)

PRUNE_EVERY = 2000  # hits of one process between two removals of ended windows (SQLite store)


class Store(Protocol):
    def hit(self, key: str, window: int) -> tuple[int, int]:
        """Count one more hit of ``key``: (hits in the current window, seconds until it ends)."""


def window_bounds(window: int, now: float | None = None) -> tuple[int, int]:
    """The fixed window of ``window`` seconds holding ``now``: (its start, seconds until its end, ≥ 1)."""
    if window < 1:
        raise ValueError(f"a rate-limit window must be at least 1 second, not {window}")
    now = time.time() if now is None else now
    start = int(now // window) * window
    return start, max(1, math.ceil(start + window - now))


class SQLiteStore:
    """Counters in one SQLite file shared by the processes of a machine."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._local = threading.local()
        self._hits = 0

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():  # a forked worker opens its own
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=2, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=OFF")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS counter (key TEXT PRIMARY KEY, ends REAL NOT NULL,"
                " hits INTEGER NOT NULL) WITHOUT ROWID"
            )
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    def hit(self, key: str, window: int) -> tuple[int, int]:
        start, remaining = window_bounds(window)
        connection = self._connection()
        # fetchall steps the statement to its end, which commits: a cursor left on its RETURNING row
        # would keep the write lock and stall every other worker.
        [(hits,)] = connection.execute(
            "INSERT INTO counter (key, ends, hits) VALUES (?, ?, 1)"
            " ON CONFLICT (key) DO UPDATE SET hits = hits + 1 RETURNING hits",
            (f"{key}@{start}", start + window),
        ).fetchall()
        self._hits += 1
        if self._hits % PRUNE_EVERY == 0:
            connection.execute("DELETE FROM counter WHERE ends < ?", (time.time(),))
        return hits, remaining


class CacheStore:
    """Counters in a Django cache whose ``add`` and ``incr`` are atomic (Redis)."""

    def __init__(self, cache):
        self.cache = cache

    def hit(self, key: str, window: int) -> tuple[int, int]:
        start, remaining = window_bounds(window)
        name = f"{key}@{start}"
        for _attempt in range(2):
            self.cache.add(name, 0, timeout=remaining + 1)
            try:
                return self.cache.incr(name), remaining
            except ValueError:  # expired between add and incr: add it again
                continue
        return 1, remaining


def redis_store(url: str) -> CacheStore:
    """A store in Redis at ``url``, through Django's RedisCache backend."""
    from django.core.cache.backends.redis import RedisCache

    return CacheStore(RedisCache(url, {"KEY_PREFIX": "khizana-rate", "TIMEOUT": None}))


def open_store(spec: str) -> Store:
    """The store that ``spec`` names: a redis:// or rediss:// URL, else the path of a SQLite file."""
    if spec.startswith(("redis://", "rediss://", "unix://")):
        return redis_store(spec)
    if not spec:
        raise ValueError("KHIZANA_RATE_STORE is empty: give a redis:// URL or the path of a SQLite file")
    return SQLiteStore(spec)


_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def store_for(spec: str) -> Store:
    """The one store of this process for ``spec`` (opened at first use)."""
    store = _stores.get(spec)
    if store is None:
        with _stores_lock:
            store = _stores.setdefault(spec, open_store(spec))
    return store


def hit(spec: str, key: str, window: int) -> tuple[int, int] | None:
    """One hit of ``key`` in the store ``spec``; None when the store failed (the request goes through)."""
    try:
        return store_for(spec).hit(key, window)
    except Exception:  # the store's failure must not become the site's
        logger.warning("rate-limit store %s failed; request let through", spec, exc_info=True)
        return None
