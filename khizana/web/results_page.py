"""The results page: facets with their check boxes, the hits, paging, the exports of the list, and how
the query was read. Every search goes through :func:`khizana.search.services.search`."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext

from khizana.core.vocabularies import (
    AVAILABILITY,
    FACET_LABELS,
    MATERIAL_TYPES,
    SORT_LABELS,
    facet_value_label,
)
from khizana.libraries.services import library_names
from khizana.search.exports import EXPORT_LIMIT
from khizana.search.services import FACETS, SearchHit, SearchResults, search

from .fragments import highlighted_html
from .reading import read_as, translate_note
from .search_params import SearchParams

PAGE_SIZE = 20
FACET_VALUES_SHOWN = 8  # more values are behind "show more" (all are shown without JavaScript)


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    checked: bool
    extra: bool  # beyond the first values shown


@dataclass
class FacetGroup:
    name: str
    label: str
    values: list[FacetValue]
    has_more: bool

    def items_html(self) -> SafeString:
        """The group's check boxes, built here rather than in a template loop: a results page holds
        some two hundred of them, and the template engine spent most of the page's time on them."""
        name = escape(self.name)
        items = []
        for number, value in enumerate(self.values, start=1):
            ident = f"f-{name}-{number}"
            extra = ' class="extra"' if value.extra else ""
            checked = " checked" if value.checked else ""
            items.append(
                f'<li{extra}><input type="checkbox" name="{name}"'
                f' value="{escape(value.value)}" id="{ident}"{checked}>'
                f'<label for="{ident}"><bdi>{escape(value.label)}</bdi></label> <span class="count">'
                f'{localize(value.count)}<span class="visually-hidden"> '
                f"{escape(ngettext('result', 'results', value.count))}</span></span></li>"
            )
        return mark_safe("\n".join(items))  # every value above is escaped


def results_context(params: SearchParams) -> dict[str, Any]:
    results: SearchResults = search(
        params.q,
        params.filters,
        sort=params.sort,
        page=params.page,
        page_size=PAGE_SIZE,
        year_from=params.year_from,
        year_to=params.year_to,
    )
    libraries = library_names()
    return {
        "params": params,
        "results": results,
        "hits": [_hit(hit, libraries) for hit in results.hits],
        "facet_groups": facet_groups(params, results, libraries),
        "active_filters": _active_filters(params, libraries),
        "clear_filters_url": params.url(**{name: [] for name in FACETS}, year_from="", year_to="", page=1),
        "read_as": read_as(results.reading),
        "notes": [translate_note(n) for n in results.notes],
        "did_you_mean_url": params.url(q=results.did_you_mean, page=1) if results.did_you_mean else "",
        "pages": paging(params, results),
        "sorts": [(key, str(label)) for key, label in SORT_LABELS.items()],
        "first_shown": (results.page - 1) * results.page_size + 1 if results.hits else 0,
        "last_shown": (results.page - 1) * results.page_size + len(results.hits),
        "exports": export_links(params) if results.total else [],
        "export_limit": EXPORT_LIMIT,
    }


def facet_groups(params: SearchParams, results: SearchResults, libraries: dict[str, str]) -> list[FacetGroup]:
    """The facets that have values: the chosen values first (counted or not), then by count."""
    groups = []
    for name in FACETS:
        counted = results.facets.get(name, [])
        selected = params.filters.get(name, [])
        values = []
        seen = set()
        for value, count in counted:
            seen.add(value)
            values.append(
                FacetValue(value, facet_value_label(name, value, libraries), count, value in selected, False)
            )
        values += [
            FacetValue(v, facet_value_label(name, v, libraries), 0, True, False)
            for v in selected
            if v not in seen
        ]
        values.sort(key=lambda v: not v.checked)  # chosen values first, then by count
        for index, value in enumerate(values):
            value.extra = index >= FACET_VALUES_SHOWN and not value.checked
        if values:
            groups.append(FacetGroup(name, str(FACET_LABELS[name]), values, any(v.extra for v in values)))
    return groups


def _active_filters(params: SearchParams, libraries: dict[str, str]) -> list[dict[str, str]]:
    return [
        {
            "label": f"{FACET_LABELS[name]}: {facet_value_label(name, value, libraries)}",
            "url": params.url(**{name: [v for v in values if v != value]}, page=1),
        }
        for name, values in params.filters.items()
        for value in values
    ]


_LIST_EXPORTS = [  # result-list export formats offered on the results page (docs/exports.md)
    ("ris", _("RIS (reference managers)")),
    ("bib", _("BibTeX")),
    ("csl.json", _("CSL-JSON (Zotero, citation styles)")),
    ("marc.xml", _("MARCXML")),
]


def export_links(params: SearchParams) -> list[dict[str, str]]:
    """The current search (without its page) exported in each list format."""
    query = urlencode(params.query_items(page=1))
    return [
        {"label": str(label), "url": f"{reverse('web:search-export', args=[fmt])}?{query}"}
        for fmt, label in _LIST_EXPORTS
    ]


def _hit(hit: SearchHit, libraries: dict[str, str]) -> dict[str, Any]:
    return {
        "hit": hit,
        "title_html": highlighted_html(hit.title_highlighted),
        "authors_html": highlighted_html(hit.authors_highlighted),
        "subjects_html": [highlighted_html(snippet) for snippet in hit.subject_snippets],
        "type_label": MATERIAL_TYPES.get(hit.material_type, hit.material_type),
        "library_names": pgettext("list separator", ", ").join(
            libraries.get(code, code) for code in hit.libraries
        ),
        "availability": [AVAILABILITY.get(a, a) for a in hit.availability],
        "url": reverse("web:work", args=[hit.work_id]),
    }


def paging(params: SearchParams, results: SearchResults) -> dict[str, Any]:
    last = min(results.pages, max(1, 10_000 // results.page_size))
    current = min(results.page, last)
    numbers = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    items: list[dict[str, Any]] = []
    previous = 0
    for number in numbers:
        if number - previous > 1:
            items.append({"gap": True})
        items.append({"number": number, "url": params.url(page=number), "current": number == current})
        previous = number
    return {
        "items": items if last > 1 else [],
        "previous": params.url(page=current - 1) if current > 1 else "",
        "next": params.url(page=current + 1) if current < last else "",
    }
