"""Search over the network's works: the one entry point for pages and API (:func:`search`), and the
upkeep of the index (:func:`rebuild_index`, :func:`sync_index`).

Consistency with the database: every change to works queues their ids in :class:`IndexQueue` inside
the same transaction; after the commit, :func:`sync_index` re-indexes the queued works and only then
removes them from the queue. A crash at any point leaves either the queue entries (redone next
time) or an index that already reflects them (redoing them is harmless). ``khizana index rebuild``
writes a new index generation from the database and switches to it atomically.
"""

from __future__ import annotations

import logging
import math
import os
import re
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

import tantivy
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from rapidfuzz.distance import Levenshtein

from khizana.catalog import extensions
from khizana.catalog.models import SourceRecord, Work
from khizana.catalog.rows import ids_lookup, work_row_batches
from khizana.catalog.worker_pool import worker_pool
from khizana.core.analysis import STOPWORDS, analyse, analyse_exact

from . import engine
from .documents import INDEX_COLUMNS, documents_from_rows, title_key
from .models import IndexQueue
from .query import Note, ParsedQuery, Term, parse_query
from .signals import search_finished

logger = logging.getLogger(__name__)

FACETS = {  # facet name -> (index field, number of values shown)
    "library": ("library", 60),
    "language": ("language", 30),
    "type": ("type", 20),
    "decade": ("decade", 40),
    "subject": ("subject_facet", 25),
    "script": ("script", 20),
    "availability": ("availability", 5),
}
SORTS = {
    "relevance": None,
    "year": ("year", tantivy.Order.Desc),
    "year_asc": ("year", tantivy.Order.Asc),
    "title": ("title_sort", tantivy.Order.Asc),
    "author": ("author_sort", tantivy.Order.Asc),
}
FUZZY_RETRY_BELOW = 3  # hits under which the query is retried with typo tolerance
MAX_PAGE_SIZE = 200
MAX_OFFSET = 10_000  # deep paging is refused: refine the query or the facets instead
WRITER_HEAP = 128 * 1024 * 1024
RERANK_WINDOW = 100  # the first BM25 hits, re-ordered by the ranking weight (the same for every page)
# A rebuild writes with a larger heap: fewer, larger segments make every later query and facet count
# cheaper (4 -> 2 segments at 300k works: broad p95 31.8 -> 24.1 ms, bench/RESULTS.md).
REBUILD_WRITER_HEAP = 512 * 1024 * 1024
PARALLEL_REBUILD_FROM = 50_000  # works; below, starting worker processes costs more than it saves
REBUILD_WORKERS = min(4, os.cpu_count() or 1)
# Phrase boosts (title_exact) and exact-match boosts sit on top of BM25: an exact title or ISBN
# outranks any partial match.
EXACT_BOOST = 50.0


# ---------------------------------------------------------------- results


@dataclass
class Highlighted:
    """A piece of display text; ``match`` when it matches a word of the query."""

    text: str
    match: bool


@dataclass
class SearchHit:
    work_id: int
    score: float
    title: str
    subtitle: str
    authors: list[str]
    year: int | None
    publisher: str
    material_type: str
    library_count: int
    libraries: list[str]
    availability: list[str]
    title_highlighted: list[Highlighted]
    authors_highlighted: list[Highlighted]
    subject_snippets: list[list[Highlighted]]


@dataclass
class SearchResults:
    query: str
    reading: ParsedQuery  # how the query was read: its terms and years, and its notes (codes and values)
    notes: list[Note]  # what was repaired in a malformed query, what was retried
    total: int
    page: int
    page_size: int
    sort: str
    hits: list[SearchHit]
    facets: dict[str, list[tuple[str, int]]]
    filters: dict[str, list[str]]
    did_you_mean: str = ""
    fuzzy: bool = False  # results come from the typo-tolerant retry
    elapsed_ms: float = 0.0

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def read_as(self) -> str:
        """How the query was understood, in English (the API's and the command line's words)."""
        return self.reading.explain()


# ---------------------------------------------------------------- the index, per process


class _IndexHandle:
    """The live index generation of this process, reopened when a rebuild switches generations."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation: Path | None = None
        self._index: tantivy.Index | None = None
        self._checked = 0.0
        self.version: tuple = ()  # changes whenever the index this process reads changes

    def location(self) -> engine.IndexLocation:
        return engine.IndexLocation(root=index_root())

    def get(self) -> tantivy.Index | None:
        now = time.monotonic()
        with self._lock:
            if self._index is None or now - self._checked > 1.0:
                self._checked = now
                generation = self.location().current()
                # Read before reloading: a commit in between gives a newer index under the older
                # version, never the other way round.
                self.version = _generation_version(generation)
                if generation != self._generation:
                    self._index = engine.open_index(generation) if generation else None
                    self._generation = generation
                elif self._index is not None:
                    self._index.reload()
            return self._index

    def forget(self) -> None:
        with self._lock:
            self._index, self._generation = None, None

    def stale(self) -> None:
        """This process has just committed to the index: reload before the next search."""
        with self._lock:
            self._checked = 0.0


def _generation_version(generation: Path | None) -> tuple:
    if generation is None:
        return ()
    try:
        meta = (generation / "meta.json").stat()
    except FileNotFoundError:
        return (generation.name,)
    return (generation.name, meta.st_mtime_ns, meta.st_size)


_handle = _IndexHandle()


def index_root() -> Path:
    """This node's index directory: KHIZANA_INDEX_DIR, else ``<data dir>/search``."""
    if settings.KHIZANA_INDEX_DIR:
        return Path(settings.KHIZANA_INDEX_DIR)
    return Path(settings.DATA_DIR) / "search"


class IndexReadOnly(RuntimeError):
    """This node only reads an index published to it (KHIZANA_INDEX_READ_ONLY): it never writes one."""


def _refuse_if_read_only() -> None:
    if settings.KHIZANA_INDEX_READ_ONLY:
        raise IndexReadOnly(
            f"this node reads a published search index ({index_root()}, KHIZANA_INDEX_READ_ONLY=1): "
            "index on the indexer node, then publish with `khizana index_publish --to DIR`"
        )


class _CostlyResultCache:
    """Results of recent costly queries, per index version (as Elasticsearch's request cache keeps
    aggregations, and Solr's query result cache the top documents, until the next refresh). Counting
    the facets of a head term over a million matches, or ranking them, costs tens of milliseconds; the
    result does not change until the index does.

    Only results that took at least ``min_seconds`` to compute are kept: the others cost less to compute
    again than the room they would take, and a stream of cheap one-off queries must not push the costly
    ones out.
    """

    def __init__(self, size: int, min_seconds: float = 0.0) -> None:
        self.size = size
        self.min_seconds = min_seconds
        self._entries: OrderedDict[tuple, tuple] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple):
        if not self.size:
            return None
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: tuple, value: tuple, cost: float) -> None:
        if not self.size or cost < self.min_seconds:
            return
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_MIN_COST = settings.KHIZANA_SEARCH_CACHE_MIN_MS / 1000
_facet_cache = _CostlyResultCache(settings.KHIZANA_SEARCH_CACHE, _MIN_COST)
_ranking_cache = _CostlyResultCache(settings.KHIZANA_SEARCH_CACHE, _MIN_COST)


# ---------------------------------------------------------------- searching


def search(
    query: str,
    filters: dict[str, list[str]] | None = None,
    sort: str = "relevance",
    page: int = 1,
    page_size: int = 20,
    year_from: int | None = None,
    year_to: int | None = None,
    facets: bool = True,
) -> SearchResults:
    """Search the works of the network. Never raises on what a reader types. ``facets=False`` leaves the
    facet counts out (the costliest part over a large result set) when only the hits are wanted."""
    started = time.perf_counter()
    filters = {k: [v for v in vs if v] for k, vs in (filters or {}).items() if k in FACETS and vs}
    sort = sort if sort in SORTS else "relevance"
    page_size = min(max(1, page_size), MAX_PAGE_SIZE)
    page = min(max(1, page), max(1, MAX_OFFSET // page_size))
    parsed = parse_query(query or "")
    if year_from is not None or year_to is not None:
        parsed.year_from = year_from if year_from is not None else parsed.year_from
        parsed.year_to = year_to if year_to is not None else parsed.year_to
    index = _handle.get()
    results = SearchResults(
        query=query,
        reading=parsed,
        notes=list(parsed.notes),
        total=0,
        page=page,
        page_size=page_size,
        sort=sort,
        hits=[],
        facets={},
        filters=filters,
    )
    if index is None:
        results.notes.append(Note("index_missing"))
        return _finished(results, started)
    searcher = index.searcher()
    schema = index.schema
    text_query = _text_query(schema, parsed, fuzzy=False)
    total, hits, counts = _execute(searcher, schema, text_query, filters, sort, page, page_size, facets)
    if total < FUZZY_RETRY_BELOW and _unknown_words(searcher, parsed):
        suggestion = _did_you_mean(searcher, parsed)
        fuzzy_query = _text_query(schema, parsed, fuzzy=True)
        fuzzy = _execute(searcher, schema, fuzzy_query, filters, sort, page, page_size, facets)
        if fuzzy[0] > total:
            total, hits, counts = fuzzy
            results.fuzzy = True
            results.notes.append(Note("fuzzy_retry"))
        if suggestion and suggestion != query:
            results.did_you_mean = suggestion
    results.total = total
    results.facets = counts
    results.hits = _hydrate(hits, parsed)
    return _finished(results, started)


def _finished(results: SearchResults, started: float) -> SearchResults:
    """``results`` with their time, told to whoever listens to :data:`signals.search_finished`."""
    seconds = time.perf_counter() - started
    results.elapsed_ms = seconds * 1000
    search_finished.send(sender=SearchResults, seconds=seconds, results=results)
    return results


def works_with_subject(heading: str, limit: int = 6) -> list[int]:
    """Ids of works indexed under exactly this subject heading, those held by most libraries first: a
    term lookup, cheaper than the phrase query a reader's ``subject:"..."`` search runs."""
    index = _handle.get()
    if index is None or not heading:
        return []
    searcher = index.searcher()
    query = tantivy.Query.term_query(index.schema, "subject_facet", heading[:200])
    result = searcher.search(query, limit, count=False, order_by_field="weight", order=tantivy.Order.Desc)
    addresses = [address for _, address in result.hits]
    return searcher.fast_field_values("id", addresses) if addresses else []


def search_ids(query: str, limit: int = 6) -> list[int]:
    """Ids of the best works for a query, ranked as :func:`search` ranks them, with nothing else: no
    count, no facets, no database access (for lists such as "by the same author")."""
    index = _handle.get()
    if index is None:
        return []
    searcher = index.searcher()
    text_query = _text_query(index.schema, parse_query(query), fuzzy=False)
    return [work_id for work_id, _ in _run(searcher, text_query, "relevance", 1, limit, count=False)[1]]


def _plain_words(parsed: ParsedQuery) -> list[Term]:
    return [
        t
        for clause in _required_clauses(parsed)
        for t in clause
        if not t.phrase and not t.negated and t.field != "isbn" and not _is_stopword(t)
    ]


def _known(searcher, term_text: str) -> bool:
    """Whether the index holds every token of a word, in any of its analysed forms."""
    for exact, stem in zip(analyse_exact(term_text), analyse(term_text), strict=False):
        if exact.isdigit():
            continue
        if not (
            searcher.doc_freq("title_exact", exact)
            or searcher.doc_freq("author", exact)
            or searcher.doc_freq("title", stem)
            or searcher.doc_freq("subject", stem)
            or searcher.doc_freq(engine.FULLTEXT, stem)
        ):
            return False
    return True


def _unknown_words(searcher, parsed: ParsedQuery) -> list[Term]:
    """Words of the query the index has never seen: typo tolerance is only tried for those."""
    return [t for t in _plain_words(parsed) if not _known(searcher, t.text)]


_FIELD_SETS = {
    None: engine.TEXT_FIELDS,
    "title": {"title": 4.0, "title_exact": 2.0},
    "author": {"author": 1.0},
    "subject": {"subject": 1.0},
}


def _term_query(schema, term: Term, fuzzy: bool):
    if term.field == "isbn":
        return tantivy.Query.term_query(schema, "isbn", term.text)
    fields = _FIELD_SETS.get(term.field, engine.TEXT_FIELDS)
    stemmed, exact = analyse(term.text), analyse_exact(term.text)  # as the index was analysed
    if not exact:
        return None
    if term.phrase and len(exact) > 1:
        targets = [f for f in fields if f in {"title_exact", "author"}] or ["title_exact"]
        phrases = [
            (tantivy.Occur.Should, tantivy.Query.phrase_query(schema, name, exact)) for name in targets
        ]
        if term.field in (None, "subject"):
            phrases.append((tantivy.Occur.Should, tantivy.Query.phrase_query(schema, "subject", stemmed)))
        return tantivy.Query.boolean_query(phrases)
    parts = []
    for stem, exact_token in zip(stemmed, exact, strict=False):
        alternatives = {}
        for name, boost in fields.items():
            token = exact_token if name in {"title_exact", "author"} else stem
            alternatives[(name, token)] = boost
        parts.append(_alternatives(schema, alternatives, fuzzy))
    if len(stemmed) != len(exact):  # the stemmer dropped or split a token: fall back to exact forms
        parts = [_alternatives(schema, {(n, t): b for n, b in fields.items()}, fuzzy) for t in exact]
    if len(parts) == 1:
        return parts[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, p) for p in parts])


def _alternatives(schema, alternatives: dict[tuple[str, str], float], fuzzy: bool):
    clauses = []
    for (name, token), boost in alternatives.items():
        if fuzzy and name == engine.FULLTEXT:
            continue  # typo tolerance on metadata only: the full text's dictionary is large and noisy (OCR)
        if fuzzy and len(token) >= 4 and name != "author":
            base = tantivy.Query.fuzzy_term_query(schema, name, token, distance=2 if len(token) >= 8 else 1)
        elif fuzzy and len(token) >= 4:
            base = tantivy.Query.fuzzy_term_query(schema, name, token, distance=1)
        else:
            base = tantivy.Query.term_query(schema, name, token)
        clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(base, boost)))
    return tantivy.Query.boolean_query(clauses)


def _is_stopword(term: Term) -> bool:
    if term.field is not None or term.phrase or term.negated:
        return False
    tokens = analyse_exact(term.text)
    return bool(tokens) and all(token in STOPWORDS for token in tokens)


def _required_clauses(parsed: ParsedQuery) -> list[list[Term]]:
    """The query's clauses without those made only of stop words (unless nothing else is left)."""
    meaningful = [c for c in parsed.clauses if not all(_is_stopword(t) for t in c)]
    return meaningful if any(t for c in meaningful for t in c if not t.negated) else parsed.clauses


def _text_query(schema, parsed: ParsedQuery, fuzzy: bool):
    clauses = []
    for alternatives in _required_clauses(parsed):
        positive = [t for t in alternatives if not t.negated]
        negative = [t for t in alternatives if t.negated]
        for term in negative:
            query = _term_query(schema, term, fuzzy=False)
            if query is not None:
                clauses.append((tantivy.Occur.MustNot, query))
        queries = [q for q in (_term_query(schema, t, fuzzy) for t in positive) if q is not None]
        if len(queries) == 1:
            clauses.append((tantivy.Occur.Must, queries[0]))
        elif queries:
            clauses.append(
                (
                    tantivy.Occur.Must,
                    tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in queries]),
                )
            )
    if parsed.year_from is not None or parsed.year_to is not None:
        clauses.append((tantivy.Occur.Must, _year_range(schema, parsed.year_from, parsed.year_to)))
    if not any(occur == tantivy.Occur.Must for occur, _ in clauses):
        clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
    # Exact title and ISBN matches first.
    whole = title_key(
        " ".join(t.text for c in parsed.clauses for t in c if not t.negated and t.field in (None, "title"))
    )
    if whole:
        exact = tantivy.Query.term_query(schema, "title_key", whole)
        clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(exact, EXACT_BOOST)))
    for value in parsed.isbn:
        exact = tantivy.Query.term_query(schema, "isbn", value)
        clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(exact, EXACT_BOOST)))
    return tantivy.Query.boolean_query(clauses)


def _year_range(schema, year_from: int | None, year_to: int | None):
    return tantivy.Query.range_query(schema, "year", tantivy.FieldType.Integer, year_from, year_to)


def _filter_clauses(schema, filters: dict[str, list[str]], skip: str | None = None) -> list:
    clauses = []
    for name, values in filters.items():
        if name == skip:
            continue
        field_name = FACETS[name][0]
        either = [(tantivy.Occur.Should, tantivy.Query.term_query(schema, field_name, v)) for v in values]
        clauses.append((tantivy.Occur.Must, tantivy.Query.boolean_query(either)))
    return clauses


def _filtered(schema, text_query, filters, skip: str | None = None):
    clauses = _filter_clauses(schema, filters, skip)
    if not clauses:
        return text_query
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, text_query), *clauses])


def _execute(searcher, schema, text_query, filters, sort, page, page_size, facets: bool) -> tuple:
    """(total, hits of the page, facet counts). With facets, the total comes from the same aggregation
    pass, so the ranked search need not visit every match (tantivy then skips blocks it cannot rank)."""
    query = _filtered(schema, text_query, filters)
    if not facets:
        total, hits = _run(searcher, query, sort, page, page_size, count=True)
        return total, hits, {}
    total, counts = _facet_counts(searcher, schema, text_query, filters)
    return total, _run(searcher, query, sort, page, page_size, count=False)[1], counts


def _run(searcher, query, sort, page, page_size, count: bool) -> tuple[int, list]:
    offset = (page - 1) * page_size
    key = (_handle.version, repr(query), sort, offset, page_size, count)
    cached = _ranking_cache.get(key)
    if cached is not None:
        return cached
    start = time.perf_counter()
    found = _rank(searcher, query, sort, offset, page_size, count)
    _ranking_cache.put(key, found, time.perf_counter() - start)
    return found


def _rank(searcher, query, sort, offset, page_size, count: bool) -> tuple[int, list]:
    order = SORTS[sort]
    if order is not None:
        result = searcher.search(
            query, page_size, count=count, offset=offset, order_by_field=order[0], order=order[1]
        )
        addresses = [address for _, address in result.hits]
        ids = searcher.fast_field_values("id", addresses) if addresses else []
        return result.count or 0, [(work_id, 0.0) for work_id in ids]
    # Relevance: BM25, then the ranking weight (libraries holding the work, a digital copy) applied in
    # Python to the first RERANK_WINDOW hits only (tantivy's own weight_by_field would score every match).
    # The window is the same for every page, so pages follow one order: no work twice, none skipped.
    result = searcher.search(query, max(offset + page_size, RERANK_WINDOW), count=count)
    addresses = [address for _, address in result.hits]
    if not addresses:
        return result.count or 0, []
    ids = searcher.fast_field_values("id", addresses)
    weights = searcher.fast_field_values("weight", addresses)
    scored = [
        (score * math.log2(2 + weight), work_id)
        for (score, _), work_id, weight in zip(result.hits, ids, weights, strict=True)
    ]
    ordered = sorted(scored[:RERANK_WINDOW], key=lambda item: -item[0]) + scored[RERANK_WINDOW:]
    return result.count or 0, [(work_id, score) for score, work_id in ordered[offset : offset + page_size]]


def _facet_counts(searcher, schema, text_query, filters) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    """(total, counts) over the whole result set; a facet's own selection does not narrow its counts (OR)."""
    shared = [name for name in FACETS if name not in filters]
    total, counts = _count_facets(searcher, _filtered(schema, text_query, filters), shared)
    for name in filters:
        counts.update(_count_facets(searcher, _filtered(schema, text_query, filters, skip=name), [name])[1])
    return total, {name: counts.get(name, []) for name in FACETS}


def _count_facets(searcher, query, names: list[str]) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    """One aggregation pass: the number of matches, each facet's slot counts, and the overflow values of
    the works that have any (a sub-aggregation of the overflow bucket); summed per facet value."""
    key = (_handle.version, repr(query), tuple(names))
    cached = _facet_cache.get(key)
    if cached is not None:
        return cached[0], dict(cached[1])
    start = time.perf_counter()
    total, counts = _aggregate_facets(searcher, query, names)
    _facet_cache.put(key, (total, counts), time.perf_counter() - start)
    return total, dict(counts)


def facet_aggregations(names: list[str]) -> dict[str, dict]:
    """The one tantivy aggregation request that counts the facets ``names`` and the matches (public: the
    search benchmark times the same request on the bare engine)."""
    aggregations: dict[str, dict] = {"_total": {"value_count": {"field": "id"}}}
    more: dict[str, dict] = {}
    groups: set[str] = set()
    for name in names:
        field_name = FACETS[name][0]
        group = engine.group_of(field_name)
        if group is not None:
            groups.add(group)
            continue
        for slot in engine.slot_fields(field_name):
            aggregations[slot] = {"terms": {"field": slot, "size": _slot_size(name)}}
        if engine.FACET_SLOTS[field_name] > 1:
            more[engine.more_field(field_name)] = {
                "terms": {"field": engine.more_field(field_name), "size": _slot_size(name)}
            }
    for group in sorted(groups):
        # Every combination is needed for exact sums: a few hundred, at most GROUP_BUCKETS.
        aggregations[group] = {
            "terms": {"field": group, "size": GROUP_BUCKETS, "segment_size": GROUP_BUCKETS}
        }
    if more:
        aggregations["_overflow"] = {"terms": {"field": engine.OVERFLOW, "size": 2}, "aggs": more}
    return aggregations


GROUP_BUCKETS = 20_000


def _aggregate_facets(searcher, query, names: list[str]) -> tuple[int, dict[str, list[tuple[str, int]]]]:
    result = searcher.aggregate(query, facet_aggregations(names))
    total = int(result.pop("_total", {}).get("value") or 0)
    totals: dict[str, Counter] = {name: Counter() for name in names}
    for bucket in result.pop("_overflow", {}).get("buckets", []):
        if bucket["key"] == "1":
            _add_buckets(totals, {k: v for k, v in bucket.items() if isinstance(v, dict)})
    for group in engine.FACET_GROUPS:
        _add_group_buckets(totals, group, result.pop(group, {}).get("buckets", []))
    _add_buckets(totals, result)
    return total, {
        name: sorted(counter.items(), key=lambda item: (-item[1], item[0]))[: FACETS[name][1]]
        for name, counter in totals.items()
    }


def _slot_size(name: str) -> int:
    # Room beyond the values shown, so a value first in few works but second in many is still summed.
    return max(2 * FACETS[name][1], 50)


_FACET_OF_FIELD = {
    field: name
    for name, (facet_field, _) in FACETS.items()
    for field in [*engine.slot_fields(facet_field), engine.more_field(facet_field), facet_field]
}


def _add_buckets(totals: dict[str, Counter], result: dict) -> None:
    for field_name, value in result.items():
        counter = totals[_FACET_OF_FIELD[field_name]]
        for bucket in value.get("buckets", []):
            if bucket["key"] != engine.EMPTY_SLOT:
                counter[bucket["key"]] += int(bucket["doc_count"])


def _add_group_buckets(totals: dict[str, Counter], group: str, buckets: list[dict]) -> None:
    for bucket in buckets:
        count = int(bucket["doc_count"])
        for field_name, value in engine.split_group_value(group, bucket["key"]):
            counter = totals.get(_FACET_OF_FIELD[field_name])
            if counter is not None:
                counter[value] += count


def _did_you_mean(searcher, parsed: ParsedQuery) -> str:
    """The query with each unknown word replaced by the most frequent close term of the index."""
    changed = False
    words = []
    for clause in parsed.clauses:
        for term in clause:
            if term.phrase or term.negated or term.field == "isbn":
                continue
            if _known(searcher, term.text) or _is_stopword(term):
                words.append(term.text)  # what the reader typed, as typed
                continue
            replacement = []
            for token in analyse_exact(term.text):
                better = _closest_term(searcher, token)
                changed |= better != token
                replacement.append(better)
            words.append(" ".join(replacement))
    return " ".join(words) if changed else ""


def _closest_term(searcher, token: str) -> str:
    if len(token) < 3 or searcher.doc_freq("title_exact", token) + searcher.doc_freq("author", token) > 0:
        return token
    limit = 2 if len(token) >= 8 else 1
    best, best_count = token, 0
    for field_name in ("title_exact", "author"):
        for candidate, count in searcher.terms_with_prefix(field_name, token[:2], limit=5000):
            if abs(len(candidate) - len(token)) > limit or count <= best_count:
                continue
            if Levenshtein.distance(candidate, token, score_cutoff=limit) <= limit:
                best, best_count = candidate, count
    return best


# ---------------------------------------------------------------- hits for display


def _query_tokens(parsed: ParsedQuery) -> set[str]:
    tokens: set[str] = set()
    for clause in parsed.clauses:
        for term in clause:
            if not term.negated:
                tokens.update(analyse(term.text))
                tokens.update(analyse_exact(term.text))
    return tokens


def highlight(text: str, tokens: set[str]) -> list[Highlighted]:
    """``text`` cut into words and the spaces between them, words matching the query marked."""
    if not tokens or not (set(analyse(text)) & tokens or set(analyse_exact(text)) & tokens):
        return [Highlighted(text or "", False)]
    pieces: list[Highlighted] = []
    for chunk in _split_words(text):
        matched = (
            bool(tokens)
            and chunk.strip() != ""
            and bool(set(analyse(chunk)) & tokens or set(analyse_exact(chunk)) & tokens)
        )
        if pieces and pieces[-1].match == matched:
            pieces[-1].text += chunk
        else:
            pieces.append(Highlighted(chunk, matched))
    return pieces


_SPACES = re.compile(r"(\s+)")


def _split_words(text: str) -> list[str]:
    return [piece for piece in _SPACES.split(text or "") if piece]


def _hydrate(hits: list[tuple[int, float]], parsed: ParsedQuery) -> list[SearchHit]:
    ids = [work_id for work_id, _ in hits]
    shown = Work.objects.filter(id__in=ids).only(
        "id",
        "title",
        "subtitle",
        "authors",
        "year",
        "publisher",
        "material_type",
        "library_count",
        "libraries",
        "availability",
        "subjects",
    )
    works = {w.id: w for w in shown}
    tokens = _query_tokens(parsed)
    results = []
    for work_id, score in hits:
        work = works.get(work_id)
        if work is None:  # deleted since the index was last synchronised
            continue
        title = work.title or "[sans titre]"
        subject_snippets = [highlight(s, tokens) for s in work.subjects[:8]]
        results.append(
            SearchHit(
                work_id=work.id,
                score=score,
                title=title,
                subtitle=work.subtitle,
                authors=work.authors,
                year=work.year,
                publisher=work.publisher,
                material_type=work.material_type,
                library_count=work.library_count,
                libraries=work.libraries,
                availability=work.availability,
                title_highlighted=highlight(title, tokens),
                authors_highlighted=highlight("; ".join(work.authors[:5]), tokens),
                subject_snippets=[s for s in subject_snippets if any(p.match for p in s)][:3],
            )
        )
    return results


# ---------------------------------------------------------------- keeping the index up to date


def queue_works(sender, work_ids: Iterable[int], **kwargs) -> None:
    """Signal receiver: queue works for re-indexing in the current transaction; sync after commit."""
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {IndexQueue._meta.db_table} (work_id, queued_at) VALUES (%s, %s)",
            [(work_id, stamp) for work_id in sorted(work_ids)],
        )
    # A read-only node leaves the queued works to the indexer's next sync.
    if settings.KHIZANA_SYNC_INDEX_ON_COMMIT and not settings.KHIZANA_INDEX_READ_ONLY:
        transaction.on_commit(_sync_after_commit)


def _sync_after_commit() -> None:
    try:
        sync_index()
    except Exception:  # the queue keeps the work: the next sync or rebuild will do it
        logger.exception("search index synchronisation failed; queued works stay queued")


def _fulltext_terms(rows: list[tuple]) -> dict[int, str]:
    """The words the capabilities give for these works (the digital copies' text; the first column of a
    row is the work id), through the catalog's hook."""
    return extensions.work_texts([row[0] for row in rows])


def _more_languages(rows: list[tuple]) -> dict[int, list[str]]:
    """The languages the capabilities add to these works' language facet (a language detected from the
    title of a work whose records code none), through the catalog's hook."""
    return extensions.work_languages([row[0] for row in rows])


def _original_script(rows: list[tuple]) -> dict[int, dict[str, list[str]]]:
    """Work id -> the original-script forms (MARC 880) of all its live member records, by role (see
    ``BibFields.original_script``), each value once; only the works that have any. The first column of
    a row is the work id. A work's display columns come from one record per field, so these are read
    from every member: a name only one library transcribed in its script still finds the work."""
    found: dict[int, dict[str, list[str]]] = {}
    work_ids = [row[0] for row in rows]
    wanted = set(work_ids)
    records = SourceRecord.objects.filter(
        **ids_lookup("work_id", work_ids), deleted=False, fields__original_script__isnull=False
    )
    for work_id, original in records.order_by("id").values_list("work_id", "fields__original_script"):
        if work_id not in wanted or not isinstance(original, dict):
            continue
        roles = found.get(work_id)
        for role, values in original.items():
            if not isinstance(values, list):
                continue
            for value in values:
                if not value or not isinstance(value, str):
                    continue
                if roles is None:
                    roles = found[work_id] = {}
                bucket = roles.setdefault(role, [])
                if value not in bucket:
                    bucket.append(value)
    return found


def _documents(batches: Iterable[list[tuple]], workers: int) -> Iterator[list[str]]:
    """Index documents of the row batches, built on ``workers`` processes when there are several."""
    if workers <= 1:
        for rows in batches:
            yield documents_from_rows(
                rows, _fulltext_terms(rows), _original_script(rows), _more_languages(rows)
            )
        return
    pending: deque[Future] = deque()
    # spawn, not fork (the parent holds a database connection and tantivy's threads); the workers end
    # with this process, even when it is killed
    with worker_pool(workers) as pool:
        for rows in batches:
            pending.append(
                pool.submit(
                    documents_from_rows,
                    rows,
                    _fulltext_terms(rows),
                    _original_script(rows),
                    _more_languages(rows),
                )
            )
            if len(pending) > workers * 3:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def rebuild_index(progress: Callable[[int], None] | None = None) -> int:
    """Build a new index generation from the database and switch to it; returns the works indexed."""
    _refuse_if_read_only()
    with _handle.location().writer_lock():
        count = _write_new_generation(progress)
    sync_index()  # works changed while the new generation was being written
    return count


def _write_new_generation(progress: Callable[[int], None] | None = None) -> int:
    """Index every work into a new generation and make it live. The caller holds the writer lock."""
    location = _handle.location()
    last_queued = IndexQueue.objects.order_by("-id").values_list("id", flat=True).first() or 0
    generation = location.new_generation()
    writer = engine.create_index(generation).writer(REBUILD_WRITER_HEAP)
    count = 0
    workers = REBUILD_WORKERS if Work.objects.count() >= PARALLEL_REBUILD_FROM else 1
    for documents in _documents(work_row_batches(INDEX_COLUMNS), workers):
        for document in documents:
            writer.add_json(document)
        count += len(documents)
        if progress:
            progress(count)
    writer.commit()
    writer.wait_merging_threads()
    location.switch_to(generation)
    IndexQueue.objects.filter(id__lte=last_queued).delete()
    _handle.forget()
    return count


def sync_index(batch_size: int = 5000) -> int:
    """Re-index the queued works (the whole catalog when there is no index yet); returns how many."""
    _refuse_if_read_only()
    location = _handle.location()
    done = 0
    with location.writer_lock():
        generation = location.current()
        if generation is None:
            return _write_new_generation()
        index = engine.open_index(generation)
        writer = None
        while True:
            queued = list(IndexQueue.objects.order_by("id").values_list("id", "work_id")[:batch_size])
            if not queued:
                break
            if writer is None:
                writer = index.writer(WRITER_HEAP)
            work_ids = sorted({work_id for _, work_id in queued})
            for work_id in work_ids:
                writer.delete_documents_by_term("id", work_id)
            for rows in work_row_batches(INDEX_COLUMNS, work_ids):
                for document in documents_from_rows(
                    rows, _fulltext_terms(rows), _original_script(rows), _more_languages(rows)
                ):
                    writer.add_json(document)
            writer.commit()
            IndexQueue.objects.filter(id__lte=queued[-1][0]).delete()
            done += len(work_ids)
        if writer is not None:
            writer.wait_merging_threads()
            _handle.stale()
    return done


@dataclass
class IndexStatus:
    generation: str
    documents: int
    queued: int
    size_bytes: int


def index_status() -> IndexStatus:
    generation = _handle.location().current()
    index = _handle.get()
    size = sum(p.stat().st_size for p in generation.rglob("*") if p.is_file()) if generation else 0
    return IndexStatus(
        generation=generation.name if generation else "",
        documents=index.searcher().num_docs if index else 0,
        queued=IndexQueue.objects.count(),
        size_bytes=size,
    )
