"""What the public pages show, computed from the catalog and the search service (views stay thin).

Every search goes through :func:`khizana.search.services.search`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from khizana.catalog.models import Holding, SourceRecord, Work
from khizana.core.vocabularies import (
    AVAILABILITY,
    COUNTRIES,
    FACET_LABELS,
    HOLDING_STATUS,
    MATERIAL_TYPES,
    SCRIPTS,
    SORT_LABELS,
    language_name,
    language_tag,
)
from khizana.libraries.models import Library
from khizana.search.query import Note, ParsedQuery, Term, parse_query
from khizana.search.services import FACETS, SORTS, SearchResults, search, search_ids, works_with_subject

from . import citations
from .exports import EXPORT_LIMIT

PAGE_SIZE = 20
FACET_VALUES_SHOWN = 8  # more values are behind "show more" (all are shown without JavaScript)
RELATED_COUNT = 5

def library_names() -> dict[str, str]:
    return {library.code: library.name for library in Library.objects.all()}


def facet_value_label(facet: str, value: str, libraries: dict[str, str]) -> str:
    if facet == "library":
        return libraries.get(value, value)
    if facet == "language":
        return language_name(value)
    if facet == "type":
        return str(MATERIAL_TYPES.get(value, value))
    if facet == "availability":
        return str(AVAILABILITY.get(value, value))
    if facet == "script":
        return str(SCRIPTS.get(value, value))
    if facet == "decade" and value.isdigit():
        return f"{value}–{int(value) + 9}"
    return value


# ------------------------------------------------------------------ how the query was read

_NOTES = {  # the search service's note codes (khizana.search.query.NOTE_TEXTS), in the reader's language
    "unbalanced_quote": _("An unbalanced quotation mark was ignored."),
    "empty_quotes": _("Empty quotation marks were ignored."),
    "stray_sign": _("The sign “%(x)s” was ignored."),
    "unknown_field": _("“%(x)s:” is not a known field: it was read as words."),
    "punctuation": _("The punctuation “%(x)s” was ignored."),
    "unbalanced_close": _("A closing parenthesis without its opening one was ignored."),
    "dangling_or": _("“OR” needs a word on each side: it was ignored."),
    "empty_field": _("“%(x)s:” was followed by nothing: it was ignored."),
    "too_deep": _("Too many parentheses inside each other: some ignored."),
    "unbalanced_open": _("An opening parenthesis was closed at the end."),
    "isbn_not_understood": _("The ISBN “%(x)s” was not understood: it was ignored."),
    "isbn_invalid": _("The ISBN “%(x)s” is not valid: it was searched as a word."),
    "year_whole_query": _("A year limit applies to the whole search."),
    "year_reversed": _("The years “%(x)s” were the wrong way round: they were swapped."),
    "year_not_understood": _("The year “%(x)s” was not understood: it was ignored."),
    "years_conflict": _("Several years were given: the last one was kept."),
    "too_complex": _("The search was too complex: each group was read as any of its words."),
    "exclusion_in_or": _("A “-” inside “OR” was read as a plain word."),
    "cut": _("The search was cut to %(x)s characters."),
    "not_understood": _("The search was not understood: it was read as plain words."),
    "index_missing": _("The search is not available yet. Please try again later."),
    "fuzzy_retry": _("Few exact matches: the results include close spellings."),
}


def translate_note(note: Note | str) -> str:
    text = _NOTES.get(getattr(note, "code", ""))
    if text is None:
        return str(note)
    return str(text) % {"x": note.value} if "%(x)s" in str(text) else str(text)


_FIELD_LABELS = {
    "title": pgettext_lazy("search field", "title"),
    "author": pgettext_lazy("search field", "author"),
    "subject": pgettext_lazy("search field", "subject"),
    "isbn": pgettext_lazy("search field", "ISBN"),
}


def _term(term: Term) -> str:
    shown = f"“{term.text}”" if term.phrase else term.text
    return f"{_FIELD_LABELS[term.field]}: {shown}" if term.field in _FIELD_LABELS else shown


def read_as(parsed: ParsedQuery) -> str:
    """How the query was understood, in the reader's language (mirrors ``ParsedQuery.explain``)."""
    parts = []
    for clause in parsed.clauses:
        if clause[0].negated:
            continue
        if len(clause) == 1:
            parts.append(_term(clause[0]))
        else:
            parts.append(gettext("one of %(terms)s") % {"terms": " | ".join(_term(t) for t in clause)})
    if parsed.excluded:
        parts.append(gettext("without %(terms)s") % {"terms": ", ".join(_term(t) for t in parsed.excluded)})
    if parsed.year_from is not None and parsed.year_from == parsed.year_to:
        parts.append(gettext("year %(year)s") % {"year": parsed.year_from})
    elif parsed.year_from is not None and parsed.year_to is not None:
        parts.append(
            gettext("years %(start)s to %(end)s") % {"start": parsed.year_from, "end": parsed.year_to}
        )
    elif parsed.year_from is not None:
        parts.append(gettext("from %(year)s") % {"year": parsed.year_from})
    elif parsed.year_to is not None:
        parts.append(gettext("until %(year)s") % {"year": parsed.year_to})
    return " + ".join(parts)


# ------------------------------------------------------------------ search parameters


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
        items = self.query_items(**changes)
        base = reverse("web:search")
        return f"{base}?{urlencode(items)}" if items else base


_MAX_QUERY = 1000


def _int(value: str | None, low: int, high: int) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def parse_params(data) -> SearchParams:
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


# ------------------------------------------------------------------ results page


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


def highlighted_html(pieces) -> SafeString:
    """Text pieces of a hit, the matching ones in <mark>."""
    return mark_safe(  # every piece is escaped
        "".join(f"<mark>{escape(p.text)}</mark>" if p.match else escape(p.text) for p in pieces)
    )


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
    active = [
        {
            "label": f"{FACET_LABELS[name]}: {facet_value_label(name, value, libraries)}",
            "url": params.url(**{name: [v for v in values if v != value]}, page=1),
        }
        for name, values in params.filters.items()
        for value in values
    ]
    parsed = parse_query(params.q)
    if params.year_from is not None:
        parsed.year_from = params.year_from
    if params.year_to is not None:
        parsed.year_to = params.year_to
    return {
        "params": params,
        "results": results,
        "hits": [_hit(hit, libraries) for hit in results.hits],
        "facet_groups": groups,
        "active_filters": active,
        "clear_filters_url": params.url(**{name: [] for name in FACETS}, year_from="", year_to="", page=1),
        "read_as": read_as(parsed),
        "notes": [translate_note(n) for n in results.notes],
        "did_you_mean_url": params.url(q=results.did_you_mean, page=1) if results.did_you_mean else "",
        "pages": paging(params, results),
        "sorts": [(key, str(label)) for key, label in SORT_LABELS.items()],
        "first_shown": (results.page - 1) * results.page_size + 1 if results.hits else 0,
        "last_shown": (results.page - 1) * results.page_size + len(results.hits),
        "exports": export_links(params) if results.total else [],
        "export_limit": EXPORT_LIMIT,
    }


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


def _hit(hit, libraries: dict[str, str]) -> dict[str, Any]:
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


# ------------------------------------------------------------------ home


NETWORK_COUNTS_KEY = "khizana:network-counts"
NETWORK_COUNTS_SECONDS = 300  # how stale the home page's figures may be after another process's import


def network_counts() -> dict[str, int]:
    """What the network holds, for the home page: counted once, then cached (full counts cost
    seconds over millions of records). Forgotten in this process whenever works change."""
    counts = cache.get(NETWORK_COUNTS_KEY)
    if counts is None:
        availability = dict(search("", page_size=1).facets.get("availability", []))
        counts = {
            "library_count": Library.objects.count(),
            "work_count": Work.objects.count(),
            "record_count": SourceRecord.objects.filter(deleted=False, kind="bibliographic").count(),
            "shared_work_count": Work.objects.filter(library_count__gt=1).count(),
            "digital_count": availability.get("digital", 0),
        }
        cache.set(NETWORK_COUNTS_KEY, counts, NETWORK_COUNTS_SECONDS)
    return counts


def forget_network_counts(**kwargs: Any) -> None:
    cache.delete(NETWORK_COUNTS_KEY)


def home_context() -> dict[str, Any]:
    # Work ids grow with creation (clustering allocates them upwards): the newest by primary key.
    fields = ("id", "title", "subtitle", "authors", "year", "material_type")
    recent = Work.objects.only(*fields).order_by("-id")[:8]
    return {
        **network_counts(),
        "recent": [{"work": w, "type_label": MATERIAL_TYPES.get(w.material_type, "")} for w in recent],
    }


# ------------------------------------------------------------------ work page


def work_dict(work: Work, holdings: list[dict] | None = None, url: str = "") -> dict[str, Any]:
    """The work as :mod:`khizana.web.citations` takes it."""
    return {
        "id": work.id,
        "title": work.title,
        "subtitle": work.subtitle,
        "parallel_titles": work.parallel_titles,
        "authors": work.authors,
        "identifiers": work.identifiers,
        "publisher": work.publisher,
        "place": work.place,
        "year": work.year,
        "edition": work.edition,
        "languages": work.languages,
        "language_tags": [language_tag(c) for c in work.languages],
        "material_type": work.material_type,
        "subjects": work.subjects,
        "classification": work.classification,
        "url": url,
        "holdings": holdings or [],
    }


def work_records(work: Work) -> list[SourceRecord]:
    return list(
        work.records.select_related("library")
        .prefetch_related("holdings")
        .defer("raw")
        .order_by("library__code", "local_id")
    )


def holding_rows(records: list[SourceRecord]) -> list[dict[str, Any]]:
    """One row per copy (the same copy sent in two records of a library shown once); a library whose
    records describe no copy gets one row 'held, no item details'."""
    rows: list[dict[str, Any]] = []
    seen: set[tuple] = set()
    without_items: dict[str, dict[str, Any]] = {}
    for record in records:
        if record.deleted:
            continue
        library = record.library
        base = {
            "library": library,
            "library_code": library.code,
            "library_name": library.name,
            "library_url": reverse("web:library", args=[library.code]),
            "record_id": record.id,
        }
        copies: list[Holding] = list(record.holdings.all())
        if not copies:
            without_items.setdefault(
                library.code, {**base, "call_number": "", "location": "", "status": "", "no_items": True}
            )
        for copy in copies:
            key = (library.code, copy.barcode, copy.call_number, copy.location, copy.status)
            if key in seen:
                continue
            seen.add(key)
            rows.append(
                {
                    **base,
                    "call_number": copy.call_number,
                    "location": copy.location,
                    "status": copy.status,
                    "status_label": HOLDING_STATUS.get(copy.status, copy.status),
                    "no_items": False,
                }
            )
    with_items = {row["library_code"] for row in rows}
    rows += [row for code, row in without_items.items() if code not in with_items]
    rows.sort(key=lambda r: (r["library_name"].casefold(), r["no_items"], r["call_number"]))
    return rows


RECORD_FORMATS = {"marc21": "MARC 21", "unimarc": "UNIMARC", "dc": "Dublin Core", "csv": "CSV"}
SERIALISATIONS = {"iso2709": "ISO 2709", "xml": "XML", "csv": "CSV"}


_FIELD_NAMES = {
    "title": _("Title"),
    "subtitle": _("Subtitle"),
    "parallel_titles": _("Other titles"),
    "authors": _("Authors"),
    "identifiers": _("Identifiers"),
    "publisher": _("Publisher"),
    "place": _("Place of publication"),
    "year": _("Year"),
    "edition": _("Edition"),
    "languages": _("Languages"),
    "material_type": _("Type of document"),
    "subjects": _("Subjects"),
    "classification": _("Classification"),
    "scripts": _("Writing systems"),
    "notes": _("Notes"),
}


# Identifier schemes whose key is not the name a reader knows (the others are shown in capitals: ISBN...).
_IDENTIFIER_SCHEMES = {
    "isbn_cancelled": _("ISBN (cancelled)"),
    "isbn_invalid": _("ISBN (invalid)"),
    "issn_invalid": _("ISSN (invalid)"),
    "nbn": _("National bibliography no."),
    "oclc": "OCLC",
    "doi": "DOI",
}


def identifier_scheme(scheme: str) -> str:
    return str(_IDENTIFIER_SCHEMES.get(scheme, scheme.upper()))


def _display_value(name: str, value: Any) -> list[str]:
    if value in (None, "", [], {}):
        return []
    if name == "identifiers" and isinstance(value, dict):
        return [f"{identifier_scheme(scheme)} {v}" for scheme, values in value.items() for v in values]
    if name == "languages":
        return [language_name(v) for v in value]
    if name == "material_type":
        return [str(MATERIAL_TYPES.get(value, value))]
    if name == "scripts":
        return [str(SCRIPTS.get(v, v)) for v in value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def display_fields(values: dict[str, Any]) -> list[dict[str, Any]]:
    """(label, values) of every non-empty display field, in a fixed order."""
    out = []
    for name, label in _FIELD_NAMES.items():
        shown = _display_value(name, values.get(name))
        if shown:
            out.append({"name": name, "label": label, "values": shown})
    return out


def related(work: Work, prefix: str, value: str) -> list[dict[str, Any]]:
    """Other works by ``author:"value"``, or under the same subject heading (the work itself left out)."""
    phrase = value.replace('"', " ").strip()
    if not phrase:
        return []
    if prefix == "subject":
        ids = works_with_subject(value, RELATED_COUNT + 1)
    else:
        ids = search_ids(f'{prefix}:"{phrase}"', RELATED_COUNT + 1)
    ids = [work_id for work_id in ids if work_id != work.id][:RELATED_COUNT]
    found = Work.objects.only("id", "title", "year").in_bulk(ids)
    return [{"hit": found[i], "url": reverse("web:work", args=[i])} for i in ids if i in found]


def json_for_script(data: Any) -> SafeString:
    """JSON safe inside a <script> element."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(text)


def work_context(work: Work, url: str) -> dict[str, Any]:
    records = work_records(work)
    rows = holding_rows(records)
    data = work_dict(work, rows, url)
    marc_count = sum(1 for r in records if r.format in {"marc21", "unimarc"} and not r.deleted)
    authors = work.authors[:1]
    subjects = work.subjects[:1]
    return {
        "work": work,
        "url": url,
        "author_links": [{"name": a, "url": _search_url(f'author:"{a}"')} for a in work.authors],
        "type_label": MATERIAL_TYPES.get(work.material_type, work.material_type),
        "fields": display_fields({f: getattr(work, f) for f in _FIELD_NAMES if hasattr(work, f)}),
        "holdings": rows,
        "library_count": len({r["library_code"] for r in rows}),
        "records": [
            {
                "record": r,
                "fields": display_fields(r.fields or {}),
                "format_label": f"{RECORD_FORMATS.get(r.format, r.format)}, "
                f"{SERIALISATIONS.get(r.serialisation, r.serialisation)}",
            }
            for r in records
        ],
        "citation": citations.plain_citation(data, get_language() or settings.LANGUAGE_CODE),
        "json_ld": json_for_script(citations.json_ld(data, url)),
        "marc_count": marc_count,
        "marc21_count": sum(1 for r in records if r.format == "marc21" and not r.deleted),
        "same_author": related(work, "author", authors[0]) if authors else [],
        "same_subject": related(work, "subject", subjects[0]) if subjects else [],
        "author_search_url": _search_url(f'author:"{authors[0]}"') if authors else "",
        "subject_search_url": _search_url(f'subject:"{subjects[0]}"') if subjects else "",
        "digital_copies": _digital_copies(work),
    }


def _digital_copies(work: Work) -> list[dict[str, Any]]:
    """The work's digital copies (the digital library's reader part says what they are)."""
    from khizana.digital.reading.services import work_digital_copies

    return work_digital_copies(work)


def _search_url(q: str) -> str:
    return SearchParams(q=q).url()


# ------------------------------------------------------------------ libraries


def libraries_context() -> dict[str, Any]:
    overview = search("", page_size=1)
    works = dict(overview.facets.get("library", []))
    libraries = list(
        Library.objects.annotate(
            record_count=Count("records", filter=Q(records__deleted=False, records__kind="bibliographic"))
        ).order_by("code")
    )
    rows = [
        {
            "library": library,
            "work_count": works.get(library.code, 0),
            "kind_label": library.get_kind_display(),
            "country_label": COUNTRIES.get(library.country, library.country),
            "url": reverse("web:library", args=[library.code]),
        }
        for library in libraries
    ]
    rows.sort(key=lambda r: r["library"].name.casefold())
    return {"rows": rows, "map": network_map(rows)}


_COMPASS = {
    "E": pgettext_lazy("compass point", "E"),
    "W": pgettext_lazy("compass point", "W"),
    "N": pgettext_lazy("compass point", "N"),
    "S": pgettext_lazy("compass point", "S"),
}


def _compass(degrees: float, positive: str, negative: str) -> str:
    return str(_COMPASS[positive]) if degrees > 0 else str(_COMPASS[negative]) if degrees < 0 else ""


def network_map(rows: list[dict[str, Any]], width: int = 600, height: int = 400) -> dict[str, Any] | None:
    """Points of an equirectangular map around the libraries that have coordinates, and a graticule."""
    placed = [r for r in rows if r["library"].latitude is not None and r["library"].longitude is not None]
    if not placed:
        return None
    lats = [r["library"].latitude for r in placed]
    lons = [r["library"].longitude for r in placed]
    margin = 2.0
    south, north = math.floor(min(lats) - margin), math.ceil(max(lats) + margin)
    west, east = math.floor(min(lons) - margin), math.ceil(max(lons) + margin)
    # Same scale on both axes (at the middle latitude), the box grown to the drawing's proportions.
    cos = math.cos(math.radians((south + north) / 2))
    span_x, span_y = (east - west) * cos, north - south
    if span_x / span_y < width / height:
        grow = (span_y * width / height - span_x) / cos / 2
        west, east = west - grow, east + grow
    else:
        grow = (span_x * height / width - span_y) / 2
        south, north = south - grow, north + grow

    def x(lon: float) -> float:
        return round((lon - west) / (east - west) * width, 1)

    def y(lat: float) -> float:
        return round((north - lat) / (north - south) * height, 1)

    step = 5 if max(east - west, north - south) > 12 else 2
    meridians = [
        {"x": x(lon), "label": f"{abs(lon)}°{_compass(lon, 'E', 'W')}"}
        for lon in range(math.ceil(west / step) * step, math.floor(east) + 1, step)
    ]
    parallels = [
        {"y": y(lat), "label": f"{abs(lat)}°{_compass(lat, 'N', 'S')}"}
        for lat in range(math.ceil(south / step) * step, math.floor(north) + 1, step)
    ]
    points = []
    for row in placed:
        library = row["library"]
        points.append(
            {
                "x": x(library.longitude),
                "y": y(library.latitude),
                "row": row,
                "label_y": y(library.latitude) - 9,
            }
        )
    # Libraries in one city share a label.
    cities: dict[str, dict[str, Any]] = {}
    for point in points:
        city = point["row"]["library"].city
        if city and city not in cities:
            cities[city] = {"x": point["x"] + 8, "y": point["y"] + 4, "name": city}
    return {
        "width": width,
        "height": height,
        "points": points,
        "cities": list(cities.values()),
        "meridians": meridians,
        "parallels": parallels,
    }


def _names_in_order(library: Library) -> list[dict[str, str]]:
    active = (get_language() or "fr")[:2]
    names = [
        {"lang": code, "name": getattr(library, f"name_{code}"), "language": label}
        for code, label in settings.LANGUAGES
        if getattr(library, f"name_{code}", "")
    ]
    names.sort(key=lambda n: n["lang"] != active)
    return names


def library_context(library: Library) -> dict[str, Any]:
    overview = search("", {"library": [library.code]}, page_size=1)
    records = SourceRecord.objects.filter(library=library, deleted=False, kind="bibliographic").count()
    own = {"library": [library.code]}
    languages = [
        {
            "label": language_name(code),
            "count": count,
            "url": SearchParams(filters={**own, "language": [code]}).url(),
        }
        for code, count in overview.facets.get("language", [])[:6]
    ]
    types = [
        {
            "label": MATERIAL_TYPES.get(code, code),
            "count": count,
            "url": SearchParams(filters={**own, "type": [code]}).url(),
        }
        for code, count in overview.facets.get("type", [])[:6]
    ]
    return {
        "library": library,
        "names": _names_in_order(library),
        "kind_label": library.get_kind_display(),
        "country_label": COUNTRIES.get(library.country, library.country),
        "record_count": records,
        "work_count": overview.total,
        "copy_count": Holding.objects.filter(library=library).count(),
        "shared_count": Work.objects.filter(records__library=library, library_count__gt=1).distinct().count(),
        "languages": languages,
        "types": types,
        "search_url": SearchParams(filters={"library": [library.code]}).url(),
    }
