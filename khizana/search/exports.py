"""A search's results as a list of works: their ids in the order of the results page
(:func:`ranked_work_ids`, which SRU pages through too), and the first :data:`EXPORT_LIMIT` of them
streamed in one of the list formats of :mod:`khizana.catalog.serializers.lists` (:func:`export_search`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from khizana.catalog.serializers.lists import LIST_FORMATS, ExportFormat, list_export

from .services import MAX_PAGE_SIZE, search

EXPORT_LIMIT = 1000  # works in one result-list export (documented in docs/exports.md)


def ranked_work_ids(
    query: str,
    filters: dict[str, list[str]] | None = None,
    sort: str = "relevance",
    start: int = 0,
    count: int = EXPORT_LIMIT,
    year_from: int | None = None,
    year_to: int | None = None,
) -> tuple[int, list[int]]:
    """(total hits, ids of the works at positions ``start`` to ``start + count - 1`` of the results),
    from :func:`khizana.search.services.search` called as the results page calls it."""
    ids: list[int] = []
    end = start + count
    page = start // MAX_PAGE_SIZE + 1
    while True:
        results = search(
            query, filters, sort, page=page, page_size=MAX_PAGE_SIZE, year_from=year_from, year_to=year_to
        )
        if results.page != page:  # beyond the deepest page the search serves
            return results.total, ids
        offset = (page - 1) * MAX_PAGE_SIZE
        ids += [hit.work_id for i, hit in enumerate(results.hits, offset) if start <= i < end]
        if not results.hits or offset + MAX_PAGE_SIZE >= min(end, results.total):
            return results.total, ids
        page += 1


@dataclass(frozen=True)
class SearchExport:
    """The first works of a search in one list format: ``chunks`` stream them."""

    format: ExportFormat
    total: int  # hits of the search
    ids: list[int]  # the works exported
    chunks: Iterator[bytes]


def export_search(
    name: str,
    url_for: Callable[[int], str],
    query: str,
    filters: dict[str, list[str]] | None = None,
    sort: str = "relevance",
    year_from: int | None = None,
    year_to: int | None = None,
) -> SearchExport:
    """The first :data:`EXPORT_LIMIT` works of a search in the list format ``name`` (a key of
    :data:`LIST_FORMATS`; KeyError otherwise); ``url_for`` gives the URL of a work."""
    export_format = LIST_FORMATS[name]
    total, ids = ranked_work_ids(query, filters, sort, 0, EXPORT_LIMIT, year_from, year_to)
    return SearchExport(export_format, total, ids, list_export(name, ids, url_for))
