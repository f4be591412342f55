"""Time to first page in the online readers, in Debian's Chromium against gunicorn on loopback.

    .venv/bin/python bench/reader_bench.py [--loads 10] [--record] [--screenshots DIR]

A private installation with one library, one work and four real files (tests/data/reader, and the IDPF
Arabic sample when ../shared is there): a French PDF and an Arabic PDF (PDF.js, with the text layer), the
Arabic right-to-left EPUB and a right-to-left-spine EPUB (epub.js). Each load is a new browser context (a
first-time reader: empty cache), and the time is the reader's own mark, set when the first page is drawn,
from the start of navigation (performance.now()). Median, min and max of --loads loads per book, and the
median for a returning reader (same context: PDF.js, epub.js and the fonts come from the browser's cache).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support import PrivateInstallation  # noqa: E402

CHROMIUM = os.environ.get("KHIZANA_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
SETUP = (
    "from khizana.testing import make_library; "
    "from khizana.digital.tests.reader_items import make_record, add_demo_items; "
    "make_record(make_library('BENCH'), 'READER-1', 'Reader benchmark'); print(add_demo_items())"
)
BOOKS = {
    "pdf": ("PDF, French, 1 page (pdfjs_french_diacritics)", "#pdf-page[data-state=ready]"),
    "pdf_ar": ("PDF, Arabic, 1 page (samplefiles_habibi)", "#pdf-page[data-state=ready]"),
    "epub": ("EPUB, Arabic, right to left", "#book[data-state=ready]"),
    "epub_spine_rtl": ("EPUB, right-to-left spine (W3C test)", "#book[data-state=ready]"),
}


def first_page_ms(context, url: str, ready: str, screenshot: Path | None = None) -> float:
    page = context.new_page()
    try:
        page.goto(url)
        page.wait_for_selector(ready, timeout=60000)
        if screenshot:
            page.screenshot(path=str(screenshot))
        return float(page.locator("html").get_attribute("data-first-page-ms"))
    finally:
        page.close()


def cold_load_ms(browser, url: str, ready: str, screenshot: Path | None = None) -> float:
    """A first-time reader: a new browser context, nothing cached."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ar")
    try:
        return first_page_ms(context, url, ready, screenshot)
    finally:
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--loads", type=int, default=10)
    parser.add_argument("--record", action="store_true", help="append the figures to bench/RESULTS.md")
    parser.add_argument("--screenshots", help="save one screenshot of each reader in this folder")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    data_dir = Path(tempfile.mkdtemp(prefix="khizana-reader-bench-"))
    site = PrivateInstallation(data_dir)
    try:
        site.khizana("migrate", "--noinput")
        ids = json.loads(site.khizana("shell", "-c", SETUP).stdout.strip().splitlines()[-1])
        site.khizana("collectstatic", "--noinput", "--verbosity", "0")
        site.serve()
        rows = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            for key, (label, ready) in BOOKS.items():
                url = f"{site.base_url}/digital/{ids[key]}/read"
                cold_load_ms(browser, url, ready)  # warm-up: gunicorn workers, Python imports
                shot = Path(args.screenshots) / f"reader-{key}.png" if args.screenshots else None
                if shot:
                    shot.parent.mkdir(parents=True, exist_ok=True)
                cold = [cold_load_ms(browser, url, ready, shot if not i else None) for i in range(args.loads)]
                returning = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ar")
                first_page_ms(returning, url, ready)  # fills this reader's cache
                warm = [first_page_ms(returning, url, ready) for _ in range(args.loads)]
                returning.close()
                rows.append(
                    f"| {label} | {statistics.median(cold):.0f} | {min(cold):.0f} | {max(cold):.0f} "
                    f"| {statistics.median(warm):.0f} |"
                )
            browser.close()
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        table = [
            f"time to first page from navigation start, {args.loads} loads each, ms (load average {load}):",
            "",
            "| book | first visit: median | min | max | returning reader (cached scripts): median |",
            "|---|---|---|---|---|",
            *rows,
        ]
        print("\n".join(t for t in table if t))
        if args.record:
            with (REPO / "bench" / "RESULTS.md").open("a", encoding="utf-8") as out:
                day = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
                out.write(
                    f"\n## Digital library: reader (`bench/reader_bench.py`, issue 7), {day}\n\n"
                    f"{os.cpu_count()} cores, gunicorn (2 workers) on loopback, headless Debian Chromium; "
                    + "\n".join(table)
                    + "\n"
                )
    finally:
        site.close()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
