"""Works read in bulk as plain rows, for the capabilities that read millions of them (the search index)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.db import connection

from .models import Work

ID_BATCH = 5000  # ids in one WHERE id IN (...)
# ids this dense or denser (at least one in DENSE_SHARE of their span) are asked as a range
DENSE_SHARE = 2


def ids_lookup(field: str, ids: Sequence[int]) -> dict[str, object]:
    """Filter arguments selecting rows whose ``field`` is one of ``ids``, for ``.filter(**...)``.

    Ids that fill most of their span (a batch of the index rebuild, which reads every work in id order)
    are asked as one range: the database answers it from its index, where ``IN`` with thousands of
    bound values costs more to compile than to run. The range may hold a few other ids: the caller keeps
    only the rows of ``ids``."""
    if len(ids) > 1:
        low, high = min(ids), max(ids)
        if high - low < DENSE_SHARE * len(ids):
            # (gte and lte: a foreign key has no range lookup)
            return {f"{field}__gte": low, f"{field}__lte": high}
    return {f"{field}__in": list(ids)}


def work_row_batches(
    columns: Sequence[str], work_ids: list[int] | None = None, size: int = 2000
) -> Iterator[list[tuple]]:
    """Rows of ``columns`` of the works (all of them in id order, or those of ``work_ids``), ``size`` at a
    time, streamed with a plain cursor: the ORM's per-field converters cost more than building index
    documents when millions of works are read. JSON columns come as the database gives them (text)."""
    known = {field.column for field in Work._meta.fields}
    unknown = [name for name in columns if name not in known]
    if unknown:
        raise ValueError(f"not columns of the work table: {', '.join(unknown)}")
    sql = f"SELECT {', '.join(columns)} FROM {Work._meta.db_table}"
    if work_ids is None:
        batches: list[list[int] | None] = [None]
    else:
        batches = [work_ids[i : i + ID_BATCH] for i in range(0, len(work_ids), ID_BATCH)]
    for batch in batches:
        with connection.chunked_cursor() as cursor:
            if batch is None:
                cursor.execute(f"{sql} ORDER BY id")
            else:
                cursor.execute(f"{sql} WHERE id IN ({', '.join(['%s'] * len(batch))})", batch)
            while rows := cursor.fetchmany(size):
                yield rows
