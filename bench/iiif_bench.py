"""IIIF tile times over loopback HTTP against gunicorn, on scan-sized pages.

    .venv/bin/python bench/iiif_bench.py [--pages 3] [--rounds 3] [--record]

A private installation (its own data directory and database) holds one open digitised item whose pages are
4000 x 6000 JPEGs made from the IIIF validator's CC0 test image (resized, a different JPEG quality per page so
each page is its own file). For every page, every tile a deep-zoom viewer asks for (512-pixel tiles at scale
factors 16 down to 1, as the info.json announces them: 129 tiles a page) is requested:

- cold: the first request of each tile (the derivative is made: the source decoded, cropped, scaled, encoded,
  written to the on-disk cache);
- warm: the same tiles again, ``--rounds`` times (answered from the cache).

The baseline is a static file of tile size served by the same gunicorn (whitenoise): the ratio shows the cost
of Khizana's own work per tile (URL parsing, one database query, the access decision, the cache read).
Median and p95 in milliseconds; goal: warm tile p95 under 20 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from khizana.digital.iiif.image import tile_requests  # noqa: E402
from tests.support import PrivateInstallation  # noqa: E402

MAKE_ITEM = """
import django, io, json, sys
django.setup()
from PIL import Image
from khizana.digital.tests.iiif_support import image_item, large_jpeg, make_library, make_record
base = large_jpeg(4000, 6000)
pages = []
for number in range(int(sys.argv[1])):
    out = io.BytesIO()
    Image.open(io.BytesIO(base)).save(out, "JPEG", quality=90 - number)
    pages.append(out.getvalue())
record = make_record(make_library("BENCH"), "B1", "Bench scans")
item = image_item(record, pages)
print(json.dumps({"item": item.pk, "bytes": [len(p) for p in pages]}))
"""


class Client:
    def __init__(self, base_url: str) -> None:
        host, port = base_url.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=60)

    def get(self, path: str) -> tuple[float, int]:
        start = time.perf_counter()
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}")
        return elapsed, len(body)


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="warm passes over every tile")
    parser.add_argument("--record", action="store_true", help="append the figures to bench/RESULTS.md")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]

    site = PrivateInstallation(Path(tempfile.mkdtemp(prefix="khizana-iiif-bench-")))
    try:
        site.khizana("migrate", "--noinput")
        site.khizana("collectstatic", "--noinput", "--verbosity", "0")
        made = subprocess.run(
            [sys.executable, "-c", MAKE_ITEM, str(args.pages)],
            env=site.env,
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        )
        created = json.loads(made.stdout.strip().splitlines()[-1])
        base_url = site.serve()
        client = Client(base_url)
        item = created["item"]
        # A viewer asks for the overview first, then deeper levels: coarsest scale factor first.
        tiles = list(reversed(tile_requests(4000, 6000)))
        paths = [
            f"/iiif/3/{item}-{page}/{tile}/0/default.jpg"
            for page in range(1, args.pages + 1)
            for tile in tiles
        ]
        info_times = [client.get(f"/iiif/3/{item}-{page}/info.json")[0] for page in range(1, args.pages + 1)]
        cold, sizes = [], []
        for path in paths:
            elapsed, size = client.get(path)
            cold.append(elapsed)
            sizes.append(size)
        warm = [client.get(path)[0] for _round in range(args.rounds) for path in paths]
        static_path = "/static/digital/vendor/openseadragon/images/home_rest.png"
        client.get(static_path)
        static = [client.get(static_path)[0] for _ in range(len(paths))]
        info_again = [client.get(f"/iiif/3/{item}-{page}/info.json")[0] for page in range(1, args.pages + 1)]
    finally:
        site.close()

    first_of_page = [cold[i * len(tiles)] for i in range(args.pages)]
    rows = {
        "cold tile (derivative made)": summary(cold),
        "warm tile (on-disk cache)": summary(warm),
        "baseline: static file (whitenoise)": summary(static),
        "info.json": summary(info_times + info_again),
    }
    megabytes = ", ".join(f"{size / 1e6:.1f} MB" for size in created["bytes"])
    lines = [
        f"### iiif_bench.py --pages {args.pages} --rounds {args.rounds} "
        f"({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.python_implementation()} "
        f"{platform.python_version()}, gunicorn 2 workers, SQLite)",
        "",
        f"{args.pages} pages of 4000 x 6000 JPEG ({megabytes}), {len(tiles)} tiles a page (512 px, scale "
        f"factors 16..1), {len(cold)} cold and {len(warm)} warm requests; tiles "
        f"{statistics.median(sizes) / 1000:.0f} kB median.",
        "",
        "| request | median ms | p95 ms | p95 / baseline p95 |",
        "|---|---:|---:|---:|",
    ]
    base_p95 = rows["baseline: static file (whitenoise)"][1]
    for name, (median, p95) in rows.items():
        lines.append(f"| {name} | {median:.1f} | {p95:.1f} | {p95 / base_p95:.1f} x |")
    warm_p95 = rows["warm tile (on-disk cache)"][1]
    cold_median = rows["cold tile (derivative made)"][0]
    lines += [
        "",
        f"First tile of each page (the coarsest, decoded at a reduced scale): "
        f"{', '.join(f'{t:.0f}' for t in first_of_page)} ms; slowest cold tile {max(cold):.0f} ms "
        f"(the first full-resolution tile of a page, which decodes the whole 24-megapixel scan once per "
        f"worker). Cold / warm median: {cold_median / rows['warm tile (on-disk cache)'][0]:.1f} x. "
        f"Goal warm p95 < 20 ms: **{'met' if warm_p95 < 20 else 'not met'}** ({warm_p95:.1f} ms). "
        f"Load average on the 2 cores: {load_before:.1f} before, {os.getloadavg()[0]:.1f} after.",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.record:
        results = REPO / "bench" / "RESULTS.md"
        text = results.read_text()
        heading = "## Digital library: IIIF (`bench/iiif_bench.py`, issue 7)"
        if heading not in text:
            text = text.rstrip("\n") + f"\n\n{heading}\n"
        start = text.index(heading) + len(heading)
        end = text.find("\n## ", start)  # the end of this section: the next one, or the end of the file
        end = len(text) if end < 0 else end
        results.write_text(text[:end].rstrip("\n") + "\n\n" + report + text[end:])


if __name__ == "__main__":
    main()
