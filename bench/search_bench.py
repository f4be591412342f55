"""Search latency and index cost on a synthetic catalogue: Khizana's search() vs bare tantivy vs FTS5.

    .venv/bin/python bench/search_bench.py [--works 2400000] [--queries 1000] [--record] [--no-fts]

Steps, all in one process and one fresh temporary data directory (SQLite, or DATABASE_URL):
1. load ``--works`` synthetic works (bench/search_corpus.py: Zipf French / English / Arabic vocabulary,
   50 libraries, ...) into the Work table;
2. build the tantivy index with ``khizana.search.services.rebuild_index()`` (time, size on disk). When
   the search service is not importable, a minimal tantivy index of the same works is built instead,
   so (b) and (c) still run (and (a) is skipped);
3. time, after one warm-up pass, every query of the mixed set (``--queries``, default 1,000: words,
   known titles, phrases, author surnames, queries with a facet filter) and of the broad set (~90
   frequent words), separately, p50 / p95 / p99 in ms:
   (a) ``search(q, filters)``: the full service call, top 20, total and all facet counts;
   (b) bare tantivy on the same index: ``parse_query`` of the same analysed words over the same default
       fields (conjunction, same boosts), ``searcher.search(limit=20, count=True)`` and one
       ``searcher.aggregate`` with a terms aggregation per facet field (query analysis not timed);
   (c) SQLite FTS5 (unicode61 remove_diacritics 2) over title, authors, subjects, publisher in a
       separate file, facet values in a side table: MATCH ... ORDER BY bm25 LIMIT 20, count(*), and one
       GROUP BY over the facet rows of the matching set;
4. memory: peak RSS of the process (ru_maxrss) and VmRSS after the index was opened and queried.
With --record the figures are appended to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import resource
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.search_corpus import (  # noqa: E402
    FACETS,
    Query,
    broad_queries,
    facet_values,
    iter_works,
    load_works_into_db,
    mixed_queries,
)

FACET_SIZE = 10
PAGE_SIZE = 20


# --- measurements ---------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(p / 100 * len(sorted_values)) - 1))]


def time_queries(run: Callable[[Query], int], queries: list[Query]) -> dict:
    """One warm-up pass, then one timed pass; ms percentiles and the mean number of hits."""
    for query in queries:
        run(query)
    times, hits = [], 0
    for query in queries:
        start = time.perf_counter()
        hits += run(query)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "p50": percentile(times, 50),
        "p95": percentile(times, 95),
        "p99": percentile(times, 99),
        "max": times[-1] if times else float("nan"),
        "mean_hits": hits / max(1, len(queries)),
    }


def vm_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def dir_size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


# --- tantivy --------------------------------------------------------------------------------------------


class TantivyTarget:
    """What the bare tantivy runs need to know about an index: its fields and its query analysis."""

    def __init__(
        self, index, text_fields, facet_fields, analyse, analyse_exact, exact_fields, aggregations=None
    ) -> None:
        self.index = index
        self.text_fields: dict[str, float] = text_fields  # field -> boost
        self.facet_fields: dict[str, tuple[str, int]] = facet_fields  # facet -> (index field, size)
        self.analyse = analyse  # query text -> tokens, as the index's stemmed fields were built
        self.analyse_exact = analyse_exact  # the same for the unstemmed fields
        self.exact_fields: set[str] = exact_fields
        # The aggregation request that counts the facets: a terms aggregation per facet field, or the
        # service's own request (its slot and group fields: services.facet_aggregations).
        self.aggregations: dict[str, dict] = aggregations or {
            field: {"terms": {"field": field, "size": size}} for field, size in facet_fields.values()
        }


def own_index(path: Path, n: int) -> tuple[TantivyTarget, float]:
    """A minimal index of the synthetic works, for when khizana.search.services is not there yet."""
    import tantivy

    from khizana.core.textnorm import words

    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    text_fields = {"title": 4.0, "author": 2.5, "subject": 1.5, "notes": 0.5}
    for name in text_fields:
        builder.add_text_field(name, tokenizer_name="tokens", index_option="position")
    facet_fields = {name: ("subject_facet" if name == "subject" else name, FACET_SIZE) for name in FACETS}
    for name, _ in facet_fields.values():
        builder.add_text_field(name, tokenizer_name="raw", fast=True, index_option="basic")
    path.mkdir(parents=True)
    index = tantivy.Index(builder.build(), path=str(path))
    index.register_tokenizer("tokens", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
    start = time.perf_counter()
    writer = index.writer(heap_size=512 * 1024 * 1024)
    for number, work in enumerate(iter_works(n), start=1):
        document = {
            "id": number,
            "title": " ".join(words(" ".join([work["title"], work["subtitle"], *work["parallel_titles"]]))),
            "author": " ".join(words(" ; ".join(work["authors"]))),
            "subject": " ".join(words(" ; ".join(work["subjects"]))),
            "notes": " ".join(words(f"{work['publisher']} {work['place']}")),
        }
        for name, values in facet_values(work).items():
            document[facet_fields[name][0]] = values
        writer.add_json(json.dumps(document, ensure_ascii=False))
    writer.commit()
    writer.wait_merging_threads()
    elapsed = time.perf_counter() - start
    index.reload()
    return TantivyTarget(index, text_fields, facet_fields, words, words, set(text_fields)), elapsed


def service_target(index_path: Path) -> TantivyTarget:
    """The service's own index, fields, facet sizes and analysers (analysis is not timed)."""
    from khizana.core.analysis import analyse, analyse_exact
    from khizana.search import engine, services

    return TantivyTarget(
        engine.open_index(index_path),
        dict(engine.TEXT_FIELDS),
        dict(services.FACETS),
        analyse,
        analyse_exact,
        {"title_exact", "author"},
        services.facet_aggregations(list(services.FACETS)),
    )


_PHRASE = re.compile(r'"([^"]*)"')


def bare_query(target: TantivyTarget, query: Query):
    """The plain boolean query of the words: every word must match one of the default fields
    (boosted as the service boosts them); a quoted query is a phrase on title_exact, author or subject.
    No exact-title / ISBN boosts, no ranking weight, no typo-tolerant retry, no database access."""
    import tantivy

    schema = target.index.schema
    phrase = _PHRASE.fullmatch(query.text.strip())
    text = phrase.group(1) if phrase else query.text
    stemmed, exact = target.analyse(text), target.analyse_exact(text)
    if not exact:
        return None
    should, must = tantivy.Occur.Should, tantivy.Occur.Must
    if phrase and len(exact) > 1:
        clauses = [
            (
                should,
                tantivy.Query.phrase_query(schema, field, exact if field in target.exact_fields else stemmed),
            )
            for field in target.text_fields
            if field in target.exact_fields or field == "subject"
        ]
        parsed = tantivy.Query.boolean_query(clauses)
    else:
        if len(stemmed) != len(exact):
            stemmed = exact
        words = []
        for stem, token in zip(stemmed, exact, strict=True):
            alternatives = [
                (
                    should,
                    tantivy.Query.boost_query(
                        tantivy.Query.term_query(
                            schema, field, token if field in target.exact_fields else stem
                        ),
                        boost,
                    ),
                )
                for field, boost in target.text_fields.items()
            ]
            words.append((must, tantivy.Query.boolean_query(alternatives)))
        parsed = tantivy.Query.boolean_query(words)
    if query.filters:
        clauses = [(must, parsed)]
        for name, values in query.filters.items():
            field = target.facet_fields[name][0]
            either = [(should, tantivy.Query.term_query(schema, field, v)) for v in values]
            clauses.append((must, tantivy.Query.boolean_query(either)))
        parsed = tantivy.Query.boolean_query(clauses)
    return parsed


def bare_tantivy_runner(target: TantivyTarget) -> Callable[[Query], int]:
    searcher = target.index.searcher()
    aggregations = target.aggregations
    prepared: dict[int, object] = {}

    def run(query: Query) -> int:
        if id(query) not in prepared:  # analysis and query building are done once, in the warm-up pass
            prepared[id(query)] = bare_query(target, query)
        parsed = prepared[id(query)]
        if parsed is None:
            return 0
        result = searcher.search(parsed, limit=PAGE_SIZE, count=True)
        [searcher.doc(address)["id"][0] for _, address in result.hits]  # the stored ids, as a page needs
        searcher.aggregate(parsed, aggregations)
        return result.count

    return run


def service_runner(caches: bool = True) -> Callable[[Query], int]:
    """search() as the pages call it; without ``caches``, every query is ranked and counts its facets
    afresh (the cold figure: a query nobody asked since the index last changed)."""
    from django.conf import settings

    from khizana.search import services

    for cache in (services._facet_cache, services._ranking_cache):
        cache.clear()
        cache.size = settings.KHIZANA_SEARCH_CACHE if caches else 0

    def run(query: Query) -> int:
        return services.search(query.text, filters=query.filters, page=1, page_size=PAGE_SIZE).total

    return run


# --- SQLite FTS5 ----------------------------------------------------------------------------------------


def build_fts(path: Path, n: int, batch: int = 20_000) -> float:
    connection = sqlite3.connect(path)
    connection.executescript(
        """
        PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
        CREATE VIRTUAL TABLE works USING fts5(
            title, authors, subjects, publisher, tokenize='unicode61 remove_diacritics 2');
        CREATE TABLE facet(work_id INTEGER, name TEXT, value TEXT, PRIMARY KEY (work_id, name, value))
            WITHOUT ROWID;
        """
    )
    start = time.perf_counter()
    texts: list[tuple] = []
    facets: list[tuple] = []

    def flush() -> None:
        with connection:
            connection.executemany(
                "INSERT INTO works(rowid, title, authors, subjects, publisher) VALUES (?,?,?,?,?)", texts
            )
            connection.executemany("INSERT OR IGNORE INTO facet VALUES (?,?,?)", facets)
        texts.clear()
        facets.clear()

    for number, work in enumerate(iter_works(n), start=1):
        title = " ".join(t for t in [work["title"], work["subtitle"], *work["parallel_titles"]] if t)
        texts.append(
            (number, title, " ; ".join(work["authors"]), " ; ".join(work["subjects"]), work["publisher"])
        )
        facets.extend(
            (number, name, value) for name, values in facet_values(work).items() for value in values
        )
        if len(texts) >= batch:
            flush()
    flush()
    with connection:
        connection.execute("INSERT INTO works(works) VALUES ('optimize')")
    connection.close()
    return time.perf_counter() - start


def fts_runner(path: Path) -> Callable[[Query], int]:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA cache_size=-262144")  # 256 MB, like a tuned server-side SQLite

    def match_and_filter(query: Query) -> tuple[str, list] | None:
        phrase = _PHRASE.fullmatch(query.text.strip())
        words = re.findall(r"\w+", phrase.group(1) if phrase else query.text)
        if not words:
            return None
        expression = '"' + " ".join(words) + '"' if phrase else " ".join(f'"{w}"' for w in words)
        sql, params = "works MATCH ?", [expression]
        for name, values in (query.filters or {}).items():
            marks = ",".join("?" * len(values))
            sql += (
                " AND EXISTS (SELECT 1 FROM facet x WHERE x.work_id = works.rowid"
                f" AND x.name = ? AND x.value IN ({marks}))"
            )
            params += [name, *values]
        return sql, params

    def run(query: Query) -> int:
        prepared = match_and_filter(query)
        if prepared is None:
            return 0
        where, params = prepared
        connection.execute(
            f"SELECT rowid FROM works WHERE {where} ORDER BY bm25(works) LIMIT {PAGE_SIZE}", params
        ).fetchall()
        total = connection.execute(f"SELECT count(*) FROM works WHERE {where}", params).fetchone()[0]
        counts: dict[str, list] = defaultdict(list)
        rows = connection.execute(
            "SELECT f.name, f.value, count(*) FROM facet f"
            f" JOIN (SELECT rowid AS id FROM works WHERE {where}) m ON f.work_id = m.id"
            " GROUP BY f.name, f.value",
            params,
        )
        for name, value, count in rows:
            counts[name].append((count, value))
        top = {name: sorted(values, reverse=True)[:FACET_SIZE] for name, values in counts.items()}
        return total if top is not None else 0

    return run


# --- main -----------------------------------------------------------------------------------------------


def _create_unmigrated_tables(connection) -> None:
    """Create the tables of models that have no migration yet (the search app while it is written)."""
    from django.apps import apps

    existing = set(connection.introspection.table_names())
    for model in apps.get_models():
        if model._meta.managed and model._meta.db_table not in existing:
            print(f"note: {model._meta.label} has no migration yet; its table is created directly")
            with connection.schema_editor() as editor:
                editor.create_model(model)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--works", type=int, default=2_400_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--no-fts", action="store_true", help="skip the SQLite FTS5 comparison")
    parser.add_argument(
        "--fts-sample",
        type=int,
        default=0,
        help="time FTS5 on every Nth query only (its tail at millions of works takes tens of minutes)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    parser.add_argument(
        "--data-dir",
        help="work in this directory and keep it; a database already holding the works is not reloaded",
    )
    parser.add_argument(
        "--reuse-index", action="store_true", help="with --data-dir: query the index already built there"
    )
    parser.add_argument("--record", action="store_true", help="append the figures to bench/RESULTS.md")
    args = parser.parse_args()

    if args.data_dir:
        work_dir = Path(args.data_dir).resolve()
        work_dir.mkdir(parents=True, exist_ok=True)
        args.keep = True
    else:
        work_dir = Path(tempfile.mkdtemp(prefix="khizana-search-bench-"))
    os.environ["KHIZANA_DATA_DIR"] = str(work_dir / "data")
    os.environ["DJANGO_SETTINGS_MODULE"] = "khizana.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    _create_unmigrated_tables(connection)
    print(f"data directory: {work_dir} ({connection.vendor})")
    lines: list[str] = []

    def report(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    batches = 0

    def load_progress(message: str) -> None:
        nonlocal batches
        batches += 1
        if batches % 10 == 1 or not message.startswith("  works inserted"):
            print(message, flush=True)

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_work")
        present = cursor.fetchone()[0]
    if present == args.works:
        report(f"database: {present:,} works already loaded in {work_dir}")
    else:
        load_time = load_works_into_db(args.works, progress=load_progress)
        report(
            f"database load: {args.works:,} works in {load_time:.1f} s = {args.works / load_time:,.0f} rows/s"
        )

    try:
        from khizana.search.services import rebuild_index

        have_service = True
    except ImportError as error:
        print(f"khizana.search.services not importable ({error}): minimal own tantivy index, no (a)")
        have_service = False

    if have_service:
        from khizana.search.engine import IndexLocation

        index_path = IndexLocation(settings.DATA_DIR).current()
        if args.reuse_index and index_path is not None:
            target = service_target(index_path)
            indexed = target.index.searcher().num_docs
            index_time, label = float("nan"), "reused, built by an earlier run"
        else:
            start = time.perf_counter()
            indexed = rebuild_index()
            index_time = time.perf_counter() - start
            index_path = IndexLocation(settings.DATA_DIR).current()
            target = service_target(index_path)
            label = "rebuild_index() from the Work table"
    else:
        index_path = work_dir / "own-index"
        target, index_time = own_index(index_path, args.works)
        indexed = target.index.searcher().num_docs
        label = "minimal own tantivy index (no service yet)"
    report(
        f"tantivy index: {indexed:,} works, {label}: {index_time:.1f} s "
        f"({indexed / index_time:,.0f} works/s), {dir_size_mb(index_path):,.0f} MB on disk"
    )

    fts_path = work_dir / "fts5.sqlite3"
    if not args.no_fts:
        fts_time = build_fts(fts_path, args.works)
        report(
            f"SQLite FTS5 index: {fts_time:.1f} s, {fts_path.stat().st_size / 1e6:,.0f} MB on disk "
            "(FTS table + facet side table)"
        )

    mixed, broad = mixed_queries(args.queries), broad_queries()
    rss_before = vm_rss_mb()
    results: dict[str, dict[str, dict]] = {}
    runners = []
    if have_service:
        runners.append(("search() service", service_runner))
        runners.append(("search(), no caches (cold)", lambda: service_runner(caches=False)))
    runners.append(("bare tantivy", lambda: bare_tantivy_runner(target)))
    rss_after_tantivy = None
    if not args.no_fts:
        runners.append(("SQLite FTS5", lambda: fts_runner(fts_path)))
    for name, make in runners:
        run = make()
        try:
            if name == "SQLite FTS5" and args.fts_sample > 1:
                sets = {"mixed": mixed[:: args.fts_sample], "broad": broad[:: args.fts_sample]}
                print(f"  SQLite FTS5 on every {args.fts_sample}th query", flush=True)
            else:
                sets = {"mixed": mixed, "broad": broad}
            results[name] = {key: time_queries(run, queries) for key, queries in sets.items()}
        except Exception as error:  # the service is still being written: report, go on with the others
            report(f"{name} FAILED: {type(error).__name__}: {error}")
            continue
        timed = results[name]
        print(
            f"  {name}: done: mixed p50/p95 {timed['mixed']['p50']:.2f}/{timed['mixed']['p95']:.2f} ms, "
            f"broad p50/p95 {timed['broad']['p50']:.2f}/{timed['broad']['p95']:.2f} ms",
            flush=True,
        )
        if name != "SQLite FTS5":
            rss_after_tantivy = vm_rss_mb()

    report("")
    report(
        f"warm latency, ms ({len(mixed)} mixed queries, {len(broad)} broad one-word queries; "
        f"top {PAGE_SIZE} + total + {len(FACETS)} facet counts):"
    )
    report("| engine | mixed p50 | p95 | p99 | broad p50 | p95 | p99 | mean hits mixed / broad |")
    report("|---|---|---|---|---|---|---|---|")
    for name, sets in results.items():
        m, b = sets["mixed"], sets["broad"]
        report(
            f"| {name} | {m['p50']:.2f} | {m['p95']:.2f} | {m['p99']:.2f} | {b['p50']:.2f} | {b['p95']:.2f} "
            f"| {b['p99']:.2f} | {m['mean_hits']:,.0f} / {b['mean_hits']:,.0f} |"
        )
    report("")
    for set_name in ("mixed", "broad"):
        if "search() service" in results and "bare tantivy" in results:
            service = results["search() service"][set_name]["p95"]
            bare = results["bare tantivy"][set_name]["p95"]
            report(f"p95 {set_name}: search() / bare tantivy = {service / bare:.2f}")
            if "search(), no caches (cold)" in results:
                cold = results["search(), no caches (cold)"][set_name]["p95"]
                report(f"p95 {set_name}: search() without caches / bare tantivy = {cold / bare:.2f}")
            if "SQLite FTS5" in results:
                fts = results["SQLite FTS5"][set_name]["p95"]
                report(f"p95 {set_name}: FTS5 / search() = {fts / service:.1f}")
        elif "SQLite FTS5" in results and "bare tantivy" in results:
            fts = results["SQLite FTS5"][set_name]["p95"]
            report(
                f"p95 {set_name}: FTS5 / bare tantivy = {fts / results['bare tantivy'][set_name]['p95']:.1f}"
            )
    report(
        f"memory: peak RSS {peak_rss_mb():,.0f} MB (whole run, load included); VmRSS {rss_before:,.0f} MB "
        f"before querying, {rss_after_tantivy:,.0f} MB after opening and querying the tantivy index"
    )
    if args.record:
        header = (
            f"\n### search_bench.py --works {args.works}\n\n"
            f"{time.strftime('%Y-%m-%d')}, {connection.vendor}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, {args.queries} mixed queries\n\n"
        )
        with (REPO / "bench" / "RESULTS.md").open("a", encoding="utf-8") as out:
            out.write(header + "\n".join(lines).strip() + "\n")
    if not args.keep:
        import shutil

        shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
