"""Server time per public page, measured over loopback HTTP against gunicorn.

    .venv/bin/python bench/page_bench.py [--requests 200] [--works N] [--record]

Without --works: the demo network (make run's catalog). With --works N: N synthetic works from
bench/search_corpus.py loaded into the database and indexed (the search benchmark's catalog).
For each page type (home, results with facets, work page) the same loopback client requests a set of
URLs round-robin; the baseline is a static file served by the same gunicorn (whitenoise), so the cost
of Khizana's own pages shows as a ratio. Median and p95 in milliseconds, warm (one warm-up pass).
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from tests.support import PrivateInstallation  # noqa: E402


def _timed_get(connection: http.client.HTTPConnection, path: str) -> float:
    start = time.perf_counter()
    connection.request("GET", path, headers={"Cookie": "django_language=fr"})
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"{path}: HTTP {response.status}")
    return (time.perf_counter() - start) * 1000


def measure(base_url: str, paths: list[str], requests: int) -> tuple[float, float]:
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    for path in paths:  # warm-up
        _timed_get(connection, path)
    times = sorted(_timed_get(connection, paths[i % len(paths)]) for i in range(requests))
    connection.close()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--works", type=int, default=0, help="synthetic works instead of the demo network")
    parser.add_argument("--record", action="store_true", help="append the figures to bench/RESULTS.md")
    parser.add_argument(
        "--data-dir",
        help="a data directory already holding the works and their index (search_bench.py --data-dir X "
        "leaves one in X/data): served as it is",
    )
    args = parser.parse_args()

    reuse = bool(args.data_dir)
    site = PrivateInstallation(
        Path(args.data_dir) if reuse else Path(tempfile.mkdtemp(prefix="khizana-page-bench-"))
    )
    site.env["PYTHONPATH"] = str(REPO / "bench")  # search_corpus, for --works
    try:
        site.khizana("migrate", "--noinput")
        if reuse:
            args.works = site.query("select count(*) from catalog_work")[0][0]
        elif args.works:
            site.khizana(
                "shell",
                "-c",
                f"from search_corpus import load_works_into_db; load_works_into_db({args.works})",
                timeout=7200,
            )
        else:
            site.khizana("demo", "--no-admin")
        if not reuse:
            site.khizana("index", "rebuild", "--no-progress", timeout=7200)
        site.khizana("collectstatic", "--noinput", "--verbosity", "0")
        site.serve()
        work_ids = [
            row[0] for row in site.query("select id from catalog_work order by library_count desc limit 20")
        ]
        words = [
            "histoire",
            "economie",
            "pride",
            "jazz",
            "revue",
            "maroc",
            "politique",
            "music",
            "الكتاب",
            "paris",
        ]
        pages = {
            "static file (baseline)": ["/static/web/khizana.css"],
            "home": ["/"],
            "results with facets": [f"/search?q={quote(w)}" for w in words],
            "results, facet selected": [f"/search?q={quote(w)}&decade=1990" for w in words],
            "work page": [f"/work/{i}/" for i in work_ids],
        }
        lines = []
        baseline = None
        for name, paths in pages.items():
            median, p95 = measure(site.base_url, paths, args.requests)
            baseline = baseline or median
            lines.append(f"| {name} | {median:.1f} | {p95:.1f} | {median / baseline:.1f} |")
        catalog = f"{args.works:,} synthetic works" if args.works else "the demo network"
        table = [
            f"server time per page on {catalog}, {args.requests} requests each, loopback client, ms:",
            "| page | median | p95 | median / static file |",
            "|---|---|---|---|",
            *lines,
        ]
        print("\n".join(table))
        if args.record:
            with (REPO / "bench" / "RESULTS.md").open("a", encoding="utf-8") as out:
                day = time.strftime("%Y-%m-%d")
                heading = f"\n### page_bench.py --works {args.works} ({day}, {os.cpu_count()} cores)\n\n"
                out.write(heading + "\n".join(table[1:]) + "\n")
    finally:
        site.close()


if __name__ == "__main__":
    main()
