"""Digital ingest rate: books per minute through validation and storage, then with text extraction.

    .venv/bin/python bench/digital_ingest_bench.py [--rounds 2] [--no-epubcheck] [--record]

A private data directory (SQLite database, file store) holds two libraries with the demo's Arabic records.
The books are the real, valid EPUBs and PDFs of ``../shared/data/digital`` (8 EPUBs, 9 PDFs from 10 kB to
1.4 MB, French, Arabic and English; the malformed ones are left out). Each round adds every book to a record
of its own with ``ingest.add_digital_item`` (a bounded temporary copy, the format checks -- pypdf, the ZIP
checks and Debian's EPUBCheck -- storage in the content-addressed store, the rows in one transaction), then
runs ``fulltext.extract_item_text`` on the new item in the same process (text layer or EPUB content; pages
without text are left for the OCR job, which ``bench/ocr_bench.py`` measures).

Printed: books per minute (validation + storage, and with extraction), the median per book for each kind,
and the ratio of the median ingest to the median plain store of the same bytes (hashing and copying only),
i.e. what validation costs. ``--no-epubcheck`` runs the structural EPUB checks alone (what happens where
EPUBCheck is not installed), to show EPUBCheck's share. ``--record`` appends the figures to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = REPO.parent / "shared" / "data" / "digital"
RECORDS = REPO / "demo" / "records" / "BNRM" / "rero_documents_arabic.xml"


def books() -> list[Path]:
    epubs = sorted((SHARED / "epub").glob("*.epub"))
    pdfs = sorted((SHARED / "pdf").glob("*.pdf"))
    return epubs + pdfs


def setup(data_dir: Path, epubcheck: bool):
    os.environ["KHIZANA_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khizana.settings")
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    if not epubcheck:
        settings.KHIZANA_EPUBCHECK = ""
    settings.KHIZANA_SYNC_INDEX_ON_COMMIT = False
    call_command("migrate", verbosity=0)


def make_records(count: int) -> list:
    from khizana.catalog.models import SourceRecord
    from khizana.catalog.services import import_file
    from khizana.libraries.models import Library

    records = []
    number = 0
    while len(records) < count:
        number += 1
        library = Library.objects.create(code=f"BENCH{number}", name_fr=f"Banc {number}", country="MA")
        import_file(library, RECORDS)
        records += list(SourceRecord.objects.filter(library=library, deleted=False).order_by("id"))
    return records[:count]


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000 if values else 0.0


def run(rounds: int, epubcheck: bool) -> dict:
    from khizana.digital.fulltext import services as fulltext
    from khizana.digital.ingest import services as ingest
    from khizana.digital.storage import default_store

    files = books()
    records = make_records(len(files) * rounds)
    ingest_times: dict[str, list[float]] = {"epub": [], "pdf": []}
    extract_times: list[float] = []
    store_times: list[float] = []
    refused: list[str] = []
    store = default_store()
    started = time.perf_counter()
    for round_number in range(rounds):
        for index, path in enumerate(files):
            record = records[round_number * len(files) + index]
            start = time.perf_counter()
            with open(path, "rb") as source:
                store.save(source, "bin")
            store_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            try:
                item = ingest.add_digital_item(record, path, path.name, access="open")
            except ingest.IngestError as error:
                refused.append(error.message())
                continue
            ingest_times[item.kind].append(time.perf_counter() - start)
            start = time.perf_counter()
            fulltext.extract_item_text(item.pk)
            extract_times.append(time.perf_counter() - start)
    total = time.perf_counter() - started
    ingest_total = sum(sum(values) for values in ingest_times.values())
    count = sum(len(values) for values in ingest_times.values())
    all_ingest = [value for values in ingest_times.values() for value in values]
    return {
        "books": count,
        "books_per_minute": count / ingest_total * 60,
        "books_per_minute_with_text": count / (ingest_total + sum(extract_times)) * 60,
        "median_epub_ms": median_ms(ingest_times["epub"]),
        "median_pdf_ms": median_ms(ingest_times["pdf"]),
        "median_ingest_ms": median_ms(all_ingest),
        "median_extract_ms": median_ms(extract_times),
        "median_store_ms": median_ms(store_times),
        "ratio": median_ms(all_ingest) / max(median_ms(store_times), 1e-6),
        "wall_s": total,
        "refused": sorted(set(refused)),
    }


def report(figures: dict, rounds: int, epubcheck: bool) -> str:
    checker = "EPUBCheck" if epubcheck else "structural EPUB checks only (no EPUBCheck)"
    return "\n".join(
        [
            f"- {figures['books']} books ({rounds} rounds of the shared valid EPUBs and PDFs), {checker}",
            f"- validation + storage: **{figures['books_per_minute']:.1f} books/min**; "
            f"with text extraction: **{figures['books_per_minute_with_text']:.1f} books/min**",
            f"- median per book: EPUB {figures['median_epub_ms']:.0f} ms, "
            f"PDF {figures['median_pdf_ms']:.0f} ms, all {figures['median_ingest_ms']:.0f} ms; "
            f"text extraction {figures['median_extract_ms']:.0f} ms",
            f"- plain store of the same bytes: median {figures['median_store_ms']:.1f} ms; "
            f"ingest / store ratio {figures['ratio']:.0f}x (what validation costs)",
            *(f"- refused: {reason}" for reason in figures["refused"]),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-epubcheck", action="store_true")
    parser.add_argument("--record", action="store_true", help="Append the figures to bench/RESULTS.md.")
    options = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"{SHARED} is absent: the bench needs the shared sample files")
    epubcheck = not options.no_epubcheck
    with tempfile.TemporaryDirectory(prefix="khizana-ingest-bench-") as data_dir:
        setup(Path(data_dir), epubcheck)
        figures = run(options.rounds, epubcheck)
    text = report(figures, options.rounds, epubcheck)
    print(text)
    if options.record:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        heading = "## Digital library: ingest"
        results = REPO / "bench" / "RESULTS.md"
        existing = results.read_text(encoding="utf-8")
        block = (
            f"\n### digital_ingest_bench.py --rounds {options.rounds}"
            f"{'' if epubcheck else ' --no-epubcheck'} ({stamp}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, SQLite)\n\n{text}\n"
        )
        if heading not in existing:
            block = f"\n{heading} (`bench/digital_ingest_bench.py`, issue 7)\n" + block
        with open(results, "a", encoding="utf-8") as handle:
            handle.write(block)


if __name__ == "__main__":
    main()
