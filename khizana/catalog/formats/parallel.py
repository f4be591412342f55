"""Read a large ISO 2709 file on several cores (no Django import).

The file is cut at record terminators into slices of whole records; worker processes read the
slices with :func:`read_iso2709` and the records come back in file order, numbered and placed as a
single read of the whole file would number and place them. The workers end with the process that
started them, even when it is killed (:mod:`khizana.catalog.worker_pool`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future

from khizana.catalog.records import ParsedRecord, RecordFormat, RejectedRecord
from khizana.catalog.worker_pool import worker_pool

RECORD_TERMINATOR = 0x1D


def slice_boundaries(data: bytes, records_per_slice: int) -> list[tuple[int, int, int]]:
    """(start, end, records before start) for slices of ``records_per_slice`` whole records."""
    slices = []
    start, count, position = 0, 0, 0
    while True:
        end = start
        taken = 0
        while taken < records_per_slice:
            found = data.find(RECORD_TERMINATOR, end)
            if found < 0:
                end = len(data)
                break
            end = found + 1
            taken += 1
        if end <= start:
            break
        slices.append((start, end, count))
        count += taken
        position = end
        start = end
        if position >= len(data):
            break
    return slices


def _read_slice(job: tuple[bytes, int, int, RecordFormat | None]) -> list[ParsedRecord | RejectedRecord]:
    from khizana.catalog.formats.iso2709 import read_iso2709

    chunk, offset, before, format_hint = job
    return list(read_iso2709(chunk, format_hint=format_hint, first_number=before + 1, first_offset=offset))


def read_iso2709_parallel(
    data: bytes,
    *,
    format_hint: RecordFormat | None,
    workers: int = 2,
    records_per_slice: int = 1000,
) -> Iterator[ParsedRecord | RejectedRecord]:
    """The records of ``data`` in file order, read by ``workers`` processes."""
    slices = slice_boundaries(data, records_per_slice)
    pending: deque[Future] = deque()
    # spawn workers that end with this process, even when it is killed (see worker_pool)
    with worker_pool(workers) as pool:
        for start, end, before in slices:
            pending.append(pool.submit(_read_slice, (data[start:end], start, before, format_hint)))
            if len(pending) > workers * 2:  # bound memory: a few slices in flight
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
