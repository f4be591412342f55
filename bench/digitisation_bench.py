"""Digitisation batches: pages per minute through a batch import (manifest, checks, staging) and through
publication, against the digital library's own ingest of the same pages.

    .venv/bin/python bench/digitisation_bench.py [--items 6] [--pages 20] [--rounds 3]

A private data directory (SQLite database, staging folder, file store) holds one library, its records
(the demo's Evergreen French subset) and one round. Each round delivers ``--items`` books of
``--pages`` scan-sized JPEG pages (2,480 x 3,508 px, A4 at 300 dpi, made from the IIIF validator's CC0
image of demo/digital, each page made distinct) with a manifest, imported by ``services.import_batch``
(every page identified and checked by the digital library's ``check_file``, copied to the staging
folder, the rows in one transaction); then the items are checked and published (``services.publish``:
the digital library's ``add_page_images``), OCR left out (``bench/ocr_bench.py`` measures it). The
baseline, in the same process on pages of the same kind: ``ingest.add_page_images`` straight onto a
record (the digital library's bulk import of a folder of page images). Printed: medians per book
and pages per minute.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
RECORDS = REPO / "demo" / "records" / "BNRM" / "evergreen_lul_fre_500-subset.mrc"
IMAGE = REPO / "demo" / "digital" / "imagevalidator_cc0"


def setup(data_dir: Path) -> None:
    os.environ["KHIZANA_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khizana.settings")
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.KHIZANA_SYNC_INDEX_ON_COMMIT = False
    call_command("migrate", verbosity=0)


def scan_pages(folder: Path, count: int, seed: int) -> list[Path]:
    from PIL import Image, ImageDraw

    source = next(IMAGE.glob("*.png"))
    folder.mkdir(parents=True)
    paths = []
    with Image.open(source) as image:
        page = image.convert("RGB").resize((2480, 3508))
    for number in range(1, count + 1):
        copy = page.copy()
        ImageDraw.Draw(copy).text((100, 100), f"{seed}-{number}", fill=(0, 0, 0))
        path = folder / f"{number:04d}.jpg"
        buffer = io.BytesIO()
        copy.save(buffer, "JPEG", quality=85)
        path.write_bytes(buffer.getvalue())
        paths.append(path)
    return paths


def run(items: int, pages: int, rounds: int, work: Path) -> dict:
    import datetime

    from khizana.catalog.models import SourceRecord
    from khizana.catalog.services import import_file
    from khizana.digital.ingest import services as ingest
    from khizana.heritage.digitisation import chain, services
    from khizana.heritage.digitisation.models import Candidate, Item, Round
    from khizana.libraries.models import Library

    library = Library.objects.create(code="BENCH", name_fr="Banc", country="MA")
    import_file(library, RECORDS)
    records = list(SourceRecord.objects.filter(library=library, deleted=False).order_by("id"))
    needed = items * rounds * 2
    if len(records) < needed:
        raise SystemExit(f"{len(records)} demo records, {needed} needed: fewer --items or --rounds")
    chosen = Round.objects.create(
        name="bench", starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2026, 12, 31)
    )
    batch_times, publish_times, baseline_times = [], [], []
    for round_number in range(rounds):
        batch = work / f"batch-{round_number}"
        lines = ["item,folder,file,order"]
        book_items = []
        for index in range(items):
            record = records[(round_number * items + index) * 2]
            candidate = Candidate.objects.create(
                record=record, library=library, copyright=Candidate.Copyright.CLEARED, cleared_note="bench"
            )
            item = services.select(None, chosen.pk, candidate.pk)
            services.move(None, item.pk, chain.PREPARED)
            paths = scan_pages(batch / f"book{index}", pages, seed=round_number * 1000 + index)
            lines += [f"{item.pk},book{index},{path.name},{n}" for n, path in enumerate(paths, start=1)]
            book_items.append(item)
            # the baseline: the same pages (other bytes: a fresh set), straight into the digital library
            fresh = scan_pages(
                work / f"base-{round_number}-{index}", pages, seed=-(round_number * 1000 + index)
            )
            other = records[(round_number * items + index) * 2 + 1]
            start = time.perf_counter()
            ingest.add_page_images(other, [(path, path.name) for path in fresh], access="open")
            baseline_times.append(time.perf_counter() - start)
        (batch / "manifest.csv").write_text("\n".join(lines) + "\n")
        start = time.perf_counter()
        services.import_batch(None, batch, chosen.pk, library)
        batch_times.append((time.perf_counter() - start) / items)
        for item in book_items:
            services.move(None, item.pk, chain.QUALITY_CHECKED)
            Item.objects.filter(pk=item.pk).update(step=chain.OCR)  # OCR measured by bench/ocr_bench.py
            start = time.perf_counter()
            services.publish(None, item.pk)
            publish_times.append(time.perf_counter() - start)
    batch_ms = statistics.median(batch_times) * 1000
    publish_ms = statistics.median(publish_times) * 1000
    baseline_ms = statistics.median(baseline_times) * 1000
    return {
        "books": items * rounds,
        "pages": pages,
        "batch_ms": batch_ms,
        "publish_ms": publish_ms,
        "baseline_ms": baseline_ms,
        "pages_per_minute": pages / ((batch_ms + publish_ms) / 1000) * 60,
        "baseline_pages_per_minute": pages / (baseline_ms / 1000) * 60,
        "ratio": (batch_ms + publish_ms) / baseline_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=6)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="khizana-digitisation-bench-") as folder:
        setup(Path(folder) / "data")
        figures = run(options.items, options.pages, options.rounds, Path(folder) / "work")
    print(
        f"{figures['books']} books of {figures['pages']} pages (2480x3508 JPEG); medians per book:\n"
        f"- batch import (manifest, checks, staging): {figures['batch_ms']:.0f} ms\n"
        f"- publication (digital ingest of the staged pages): {figures['publish_ms']:.0f} ms\n"
        f"- together: {figures['pages_per_minute']:.0f} pages/min\n"
        f"- baseline, add_page_images straight from the folder: {figures['baseline_ms']:.0f} ms "
        f"({figures['baseline_pages_per_minute']:.0f} pages/min)\n"
        f"- programme / baseline: {figures['ratio']:.2f}x"
    )


if __name__ == "__main__":
    main()
