"""Full-text benchmarks: search inside a 500-page book, and the catalog search with 10,000 books' text.

    .venv/bin/python bench/fulltext_bench.py [--works 200000] [--books 10000] [--queries 1000] [--record]

One process, one fresh temporary data directory (SQLite, or DATABASE_URL):

1. Search inside one book (``khizana.digital.fulltext.search_item``, what ``/digital/<id>/search`` runs):
   a synthetic 500-page book made of real text, pages of about 2,000 characters cut in turn from French
   (Romain Rolland, *Jean-Christophe* vol. 4, and *Les louanges de la Folie*, Project Gutenberg EPUBs) and
   Arabic (the IDPF Arabic EPUB sample and the Egyptian gazette PDF) in ../shared/data/digital, stored as
   PageText rows; time of building its page index; then p50/p95 of 400 queries (frequent, medium and rare
   words of the book, two-word queries, French without accents, Arabic with and without hamza), first result
   page with snippets, after one warm-up pass.
2. Catalog search before and after full text, in the same run: ``--works`` synthetic works
   (bench/search_corpus.py), index rebuilt, mixed and broad query sets timed with ``search()`` (facet cache
   off, so every query really counts its facets); then ``--books`` of those works (every Nth) given the
   vocabulary of a book (distinct analysed words of a random 60,000-word window of the same real French or
   Arabic text, capped as in production, khizana.digital.fulltext.MAX_WORK_TERMS) through
   ``work_index_terms`` (replaced here: materialising 10,000 books of pages is the ingest benchmark's job,
   not this one's), written as a second index beside the first. Both are then queried in the same pass,
   each query on one index and then the other (order alternating), so the load of the shared machine
   weighs on both alike. Ratio after / before of p95 (goal <= 1.10), index size and build time.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.search_bench import dir_size_mb, percentile  # noqa: E402
from bench.search_corpus import SHARED, broad_queries, load_works_into_db, mixed_queries  # noqa: E402

DIGITAL = SHARED / "digital"
FRENCH_SOURCES = [
    DIGITAL / "epub" / "cops_Jean-Christophe, Volume 4 (of 4 - Romain Rolland.epub",
    DIGITAL / "epub" / "cops_Les louanges de la Folie _ Trai - Anonymous.epub",
]
ARABIC_EPUB = DIGITAL / "epub" / "idpf_regime-anticancer-arabic"
ARABIC_PDF = DIGITAL / "pdf" / "naturalpdf_arabic.pdf"
PAGE_CHARS = 2000
BOOK_PAGES = 500


def real_texts() -> tuple[str, str]:
    from khizana.digital.fulltext.services import epub_pages, pdf_pages

    french = "\n\n".join(text for source in FRENCH_SOURCES for text in epub_pages(source))
    arabic = "\n\n".join(epub_pages(ARABIC_EPUB) + [page.text for page in pdf_pages(ARABIC_PDF)])
    return french, arabic


def book_pages(french: str, arabic: str, pages: int = BOOK_PAGES) -> list[str]:
    """Pages cut in turn from the French and the Arabic text (three French pages for one Arabic)."""
    out, positions = [], {"fre": 0, "ara": 0}
    for number in range(pages):
        lang = "ara" if number % 4 == 3 else "fre"
        text = arabic if lang == "ara" else french
        start = positions[lang] % max(1, len(text) - PAGE_CHARS)
        end = text.find(" ", start + PAGE_CHARS)
        end = end if end > 0 else start + PAGE_CHARS
        out.append(text[start:end].strip())
        positions[lang] = end
    return out


def inside_queries(pages: list[str], rng: random.Random) -> list[str]:
    from collections import Counter

    from khizana.core.textnorm import words

    counts = Counter(w for page in pages for w in words(page) if len(w) > 3)
    ranked = [w for w, _ in counts.most_common()]
    frequent, middle, rare = ranked[:40], ranked[200:2000], ranked[-3000:]
    queries = [rng.choice(frequent) for _ in range(80)] + [rng.choice(middle) for _ in range(120)]
    queries += [rng.choice(rare) for _ in range(80)]
    queries += [f"{rng.choice(middle)} {rng.choice(frequent)}" for _ in range(60)]
    queries += [
        "eleve",
        "ELEVE",
        "ecole",
        "musique",
        "Christophe",
        "pensee",
        "maitre",
        "etre",
        "coeur",
        "ame",
    ] * 3
    queries += [
        "مسألة",
        "مسالة",
        "السرطان",
        "الاغذية",
        "الأغذية",
        "الفندقية",
        "قانون",
        "الحياة",
        "أن",
        "ان",
    ] * 3
    return queries


def bench_inside(report, rng: random.Random) -> None:
    from khizana.catalog.models import SourceRecord, Work
    from khizana.digital.fulltext import services as fulltext
    from khizana.digital.models import DigitalItem, PageText
    from khizana.libraries.models import Library

    french, arabic = real_texts()
    pages = book_pages(french, arabic)
    library = Library.objects.create(code="BENCH", name_fr="Banc d'essai", kind="university", country="MA")
    work = Work.objects.create(title="Livre de 500 pages", material_type="book")
    record = SourceRecord.objects.create(
        library=library,
        local_id="B1",
        format="dc",
        serialisation="xml",
        raw=b"-",
        checksum="-",
        title="Livre de 500 pages",
        fields={},
        work=work,
        cluster_dirty=False,
    )
    item = DigitalItem.objects.create(
        record=record,
        library=library,
        kind="epub",
        media_type="application/epub+zip",
        sha256="-",
        page_count=len(pages),
        text_status=DigitalItem.TextStatus.EXTRACTED,
        access="open",
    )
    PageText.objects.bulk_create(
        [PageText(item=item, page=i, text=text, source="epub") for i, text in enumerate(pages, start=1)]
    )
    characters = sum(len(p) for p in pages)
    start = time.perf_counter()
    path = fulltext.build_page_index(item.pk)
    build = time.perf_counter() - start
    queries = inside_queries(pages, rng)
    for query in queries:  # warm-up
        fulltext.search_item(item.pk, query)
    times, hit_pages = [], []
    for query in queries:
        start = time.perf_counter()
        found = fulltext.search_item(item.pk, query)
        times.append((time.perf_counter() - start) * 1000)
        hit_pages.append(found.total_pages)
    times.sort()
    hit_pages.sort()
    report(
        f"search inside a {len(pages)}-page book ({characters / 1e6:.2f} M characters, French and Arabic): "
        f"page index built in {build:.2f} s, {path.stat().st_size / 1e6:.1f} MB; {len(queries)} queries: "
        f"p50 {percentile(times, 50):.2f} ms, p95 {percentile(times, 95):.2f} ms, "
        f"p99 {percentile(times, 99):.2f} ms, max {times[-1]:.2f} ms "
        f"(pages with hits: median {percentile(hit_pages, 50)}, max {hit_pages[-1]})"
    )


def book_vocabularies(count: int, rng: random.Random) -> tuple[list[str], list[str]]:
    """``count`` vocabularies (analysed, space-separated) of 60,000-word windows of the real texts."""
    from khizana.digital.fulltext.services import MAX_WORK_TERMS
    from khizana.digital.fulltext.textclean import page_tokens, vocabulary

    french, arabic = real_texts()
    streams = {"fre": page_tokens(french), "ara": page_tokens(arabic)}
    out = {"fre": [], "ara": []}
    for lang, tokens in streams.items():
        size = min(60_000, len(tokens))
        for _ in range(count if lang == "fre" else max(1, count // 4)):
            start = rng.randrange(len(tokens))
            window = tokens[start : start + size] + tokens[: max(0, start + size - len(tokens))]
            out[lang].append(" ".join(vocabulary([" ".join(window)], MAX_WORK_TERMS)))
    return out["fre"], out["ara"]


def time_interleaved(runs: dict[str, object], queries) -> dict[str, dict]:
    """Each query on every index in turn (the order alternating), after one warm-up pass: the load of a
    shared machine weighs on both sides alike. ms percentiles per index."""
    names = list(runs)
    for query in queries:
        for name in names:
            runs[name](query)
    times: dict[str, list[float]] = {name: [] for name in names}
    for i, query in enumerate(queries):
        for name in names if i % 2 == 0 else reversed(names):
            start = time.perf_counter()
            runs[name](query)
            times[name].append((time.perf_counter() - start) * 1000)
    out = {}
    for name, values in times.items():
        values.sort()
        out[name] = {
            "p50": percentile(values, 50),
            "p95": percentile(values, 95),
            "p99": percentile(values, 99),
        }
    return out


def index_runner(handle):
    """search() reading one given index (facet cache off, so every query counts its facets)."""
    from khizana.search import services

    services._facet_cache.size = 0  # every query computed, none answered from a cache
    services._ranking_cache.size = 0

    def run(query) -> int:
        services._handle = handle
        return services.search(query.text, filters=query.filters, page=1, page_size=20).total

    return run


FULLTEXT_BELOW = 2000


def two_phase_runner(handle):
    """A variant not in the service (yet): the words inside digital copies are searched only when the
    metadata alone match fewer than FULLTEXT_BELOW works (a metadata-only count first). With more, the
    full-text matches would rank after all of those anyway, beyond the pages a reader looks at."""
    from khizana.search import engine, services
    from khizana.search.query import parse_query

    full = services._FIELD_SETS[None]
    metadata = {name: boost for name, boost in full.items() if name != engine.FULLTEXT}

    def run(query) -> int:
        services._handle = handle
        index = handle.get()
        services._FIELD_SETS[None] = metadata
        try:
            parsed = parse_query(query.text)
            only_metadata = services._text_query(index.schema, parsed, fuzzy=False)
            filtered = services._filtered(index.schema, only_metadata, query.filters or {})
            if index.searcher().search(filtered, 1, count=True).count < FULLTEXT_BELOW:
                services._FIELD_SETS[None] = full
            return services.search(query.text, filters=query.filters, page=1, page_size=20).total
        finally:
            services._FIELD_SETS[None] = full

    return run


def build_index(data_dir: Path):
    """A search-index handle of its own in ``data_dir``, filled by rebuild_index(); (handle, seconds, MB)."""
    from khizana.search import engine, services

    handle = services._IndexHandle()
    handle.location = lambda: engine.IndexLocation(data_dir)
    services._handle = handle
    start = time.perf_counter()
    services.rebuild_index()
    elapsed = time.perf_counter() - start
    return handle, elapsed, dir_size_mb(engine.IndexLocation(data_dir).current())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--works", type=int, default=200_000)
    parser.add_argument("--books", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over each query set")
    parser.add_argument("--skip-catalog", action="store_true")
    parser.add_argument("--record", action="store_true", help="append the figures to bench/RESULTS.md")
    args = parser.parse_args()
    if not DIGITAL.is_dir():
        sys.exit(f"{DIGITAL} is not here: the benchmark reads real text from it")

    work_dir = Path(tempfile.mkdtemp(prefix="khizana-fulltext-bench-"))
    os.environ["KHIZANA_DATA_DIR"] = str(work_dir / "data")
    os.environ["DJANGO_SETTINGS_MODULE"] = "khizana.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    lines: list[str] = []

    def report(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    report(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{connection.vendor}"
    )
    rng = random.Random(20261126)
    report(f"load average at the start: {os.getloadavg()[0]:.1f} (the machine is shared)")
    bench_inside(report, rng)

    if not args.skip_catalog:
        from khizana.digital.fulltext import services as fulltext

        load = load_works_into_db(args.works, progress=lambda message: None)
        report(f"catalog: {args.works:,} synthetic works loaded in {load:.0f} s")
        mixed, broad = mixed_queries(args.queries), broad_queries()
        before, before_build, before_size = build_index(work_dir / "index-metadata-only")

        from khizana.catalog.models import Work

        ids = list(Work.objects.order_by("id").values_list("id", flat=True))
        step = max(1, len(ids) // args.books)
        with_text = ids[::step][: args.books]
        french_books, arabic_books = book_vocabularies(len(with_text), rng)
        vocabularies = {}
        for n, work_id in enumerate(with_text):
            vocabularies[work_id] = arabic_books[n % len(arabic_books)] if n % 4 == 3 else french_books[n]
        terms = sum(len(v.split()) for v in vocabularies.values())
        fulltext.work_index_terms = lambda work_ids: {
            w: vocabularies[w] for w in work_ids if w in vocabularies
        }
        after, after_build, after_size = build_index(work_dir / "index-with-text")
        report(
            f"catalog index: {args.works:,} works, {before_build:.0f} s, {before_size:,.0f} MB -> "
            f"with the text of {len(with_text):,} books ({terms / len(with_text):,.0f} distinct words "
            f"per book on average): {after_build:.0f} s, {after_size:,.0f} MB "
            f"(x{after_size / before_size:.2f})"
        )
        runs = {
            "before": index_runner(before),
            "after": index_runner(after),
            "two-phase": two_phase_runner(after),
        }
        report(f"load average before timing: {os.getloadavg()[0]:.1f}")
        report(
            "| query set, round | p50 before | p95 before | p50 after | p95 after | p95 after / before "
            "| p50 two-phase | p95 two-phase | p95 two-phase / before |"
        )
        report("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for round_number in range(1, args.rounds + 1):
            for name, queries in (("mixed", mixed), ("broad", broad)):
                timed = time_interleaved(runs, queries)
                b, a, t = timed["before"], timed["after"], timed["two-phase"]
                report(
                    f"| {name} ({len(queries)}), {round_number} | {b['p50']:.1f} | {b['p95']:.1f} "
                    f"| {a['p50']:.1f} | {a['p95']:.1f} | **{a['p95'] / b['p95']:.2f}** "
                    f"| {t['p50']:.1f} | {t['p95']:.1f} | {t['p95'] / b['p95']:.2f} |"
                )
        report(f"load average after timing: {os.getloadavg()[0]:.1f}")

    if args.record:
        with (REPO / "bench" / "RESULTS.md").open("a", encoding="utf-8") as results:
            results.write("\n### fulltext_bench.py (" + time.strftime("%Y-%m-%d") + ")\n\n")
            results.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
