"""Works read in bulk as plain rows, for the capabilities that read millions of them (the search index)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.db import connection

from .models import Work

ID_BATCH = 5000  # ids in one WHERE id IN (...)


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
