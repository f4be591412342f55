"""The search parameters of the results page and its exports, read from a query string and written back
into URLs (:class:`SearchParams`, :func:`parse_params`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse

from khizana.search.services import FACETS, SORTS

_MAX_QUERY = 1000


@dataclass
class SearchParams:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    year_from: int | None = None
    year_to: int | None = None

    def query_items(self, **changes: Any) -> list[tuple[str, str]]:
        """The parameters as (name, value) pairs for a URL, with ``changes`` applied."""
        values = {
            "q": self.q,
            "sort": self.sort if self.sort != "relevance" else "",
            "year_from": "" if self.year_from is None else str(self.year_from),
            "year_to": "" if self.year_to is None else str(self.year_to),
            "page": str(self.page) if self.page > 1 else "",
        }
        filters = {name: list(values_) for name, values_ in self.filters.items()}
        for name, value in changes.items():
            if name in FACETS:
                filters[name] = value
            else:
                values[name] = "" if value in (None, 1) and name == "page" else str(value or "")
        items = [("q", values["q"])] if values["q"] else []
        for name in FACETS:
            items += [(name, v) for v in filters.get(name, [])]
        items += [(name, values[name]) for name in ("year_from", "year_to", "sort", "page") if values[name]]
        return items

    def url(self, **changes: Any) -> str:
        """The results page's URL for these parameters, with ``changes`` applied."""
        items = self.query_items(**changes)
        base = reverse("web:search")
        return f"{base}?{urlencode(items)}" if items else base


def search_url(q: str) -> str:
    """The results page of the query ``q``."""
    return SearchParams(q=q).url()


def _int(value: str | None, low: int, high: int) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def parse_params(data: QueryDict) -> SearchParams:
    """Search parameters from a QueryDict; anything odd is dropped, never an error."""
    filters = {}
    for name in FACETS:
        values = [v.strip()[:200] for v in data.getlist(name) if v.strip()][:50]
        if values:
            filters[name] = list(dict.fromkeys(values))
    sort = data.get("sort", "relevance")
    return SearchParams(
        q=(data.get("q") or "")[:_MAX_QUERY].replace("\x00", ""),
        filters=filters,
        sort=sort if sort in SORTS else "relevance",
        page=_int(data.get("page"), 1, 100_000) or 1,
        year_from=_int(data.get("year_from"), -9999, 9999),
        year_to=_int(data.get("year_to"), -9999, 9999),
    )
