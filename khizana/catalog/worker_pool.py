"""Process pools whose workers end when the process that started them dies (no Django import).

A ``kill -9`` of an import left its spawn workers behind for good: each holds both ends of the pool's
pipes, so none ever sees end-of-file, and they stay blocked reading or writing a pipe, with the slice
of the file they were given, and the multiprocessing resource tracker (whose pipe they hold too) with
them. :func:`worker_pool` starts each worker with :func:`end_with_parent`: on Linux the kernel sends
the worker SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``); elsewhere a daemon thread of the
worker watches its parent's pid. Once the workers are gone the resource tracker reads end-of-file and
ends too.

The kernel's "parent" is the thread that started the worker: ProcessPoolExecutor starts spawn workers
in the thread that calls ``submit``, so a pool must be fed by one long-lived thread (as the import
reader and the index builder are: each consumes its pool's results where it submits).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCH_INTERVAL = 0.5  # seconds between two looks at the parent, where the kernel cannot be asked


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` spawn processes (not fork: the caller may hold database connections and
    threads) that end with this process, however it ends."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=end_with_parent,
        initargs=(os.getpid(),),
    )


def end_with_parent(parent: int) -> None:
    """Pool initializer: make this process end when ``parent`` (the pid that started it) dies."""
    if _kernel_signals_parent_death():
        if os.getppid() != parent:  # the parent died before the request reached the kernel
            os._exit(1)
        return
    threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent", daemon=True).start()


def _kernel_signals_parent_death() -> bool:
    """Ask Linux for SIGKILL when the parent dies (it cannot be ignored, even if SIGTERM was)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int, interval: float = WATCH_INTERVAL) -> None:
    while os.getppid() == parent:
        time.sleep(interval)
    os._exit(1)
