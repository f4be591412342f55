"""Labelled collections: what a work page pays to list the collections of excellence a work belongs to,
and the Dublin Core Collections export of the whole list.

    .venv/bin/python bench/labelling_bench.py [--collections 200] [--works 100000] [--per 2000] [--runs 301]

Builds a throw-away SQLite database in a temporary data directory (or uses DATABASE_URL): 6 libraries,
``--works`` bare works, ``--collections`` labelled collections each holding ``--per`` works drawn at
random (CollectionWork rows, the table a saved search fills). Times, as medians, ``services.for_work`` on
random works against the baseline of reading the same work by its primary key (what the work page does
anyway), and ``services.dcc_xml`` of every labelled collection (the /network/labelling/collections.xml
response body) with the pure writer alone beside it.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def median_ms(work, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collections", type=int, default=200)
    parser.add_argument("--works", type=int, default=100_000)
    parser.add_argument("--per", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=301)
    args = parser.parse_args()
    os.environ.setdefault("KHIZANA_DATA_DIR", tempfile.mkdtemp(prefix="khizana-labelling-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khizana.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from khizana.catalog.models import Work
    from khizana.libraries.models import Library
    from khizana.programmes.labelling import dcc, services
    from khizana.programmes.labelling.models import Campaign, Collection, CollectionWork

    call_command("migrate", verbosity=0)
    rng = random.Random(20)
    libraries = [
        Library.objects.create(
            code=f"L{n}", name_fr=f"Bibliothèque {n}", kind="university", country="MA", city=f"Ville {n}",
            latitude=30 + rng.random() * 6, longitude=-9 + rng.random() * 8,
        )
        for n in range(6)
    ]  # fmt: skip
    Work.objects.bulk_create(
        [Work(title=f"Œuvre {n}", material_type="book") for n in range(args.works)], batch_size=5000
    )
    work_ids = list(Work.objects.values_list("pk", flat=True))
    today = timezone.localdate()
    campaign = Campaign.objects.create(name="Bench", text_fr="Texte.", opens_on=today, closes_on=today)
    collections = Collection.objects.bulk_create(
        [
            Collection(
                campaign=campaign, library=rng.choice(libraries), name_fr=f"Fonds {n}",
                name_en=f"Collection {n}", description_fr="Un fonds d'excellence. " * 10,
                subjects=["900", "200"], languages=["ara", "fre"],
                periods="XVIe-XIXe siècles", size=1000 + n, status="labelled", label_year=2027,
            )
            for n in range(args.collections)
        ]
    )  # fmt: skip
    for collection in collections:
        CollectionWork.objects.bulk_create(
            [
                CollectionWork(collection=collection, work_id=w, source="search")
                for w in rng.sample(work_ids, args.per)
            ],
            batch_size=5000,
        )
    probes = [rng.choice(work_ids) for _ in range(args.runs)]
    position = iter(range(10**9))

    def baseline() -> None:
        Work.objects.get(pk=probes[next(position) % len(probes)])

    def lookup() -> None:
        services.for_work(probes[next(position) % len(probes)])

    base = median_ms(baseline, args.runs)
    found = median_ms(lookup, args.runs)
    rows = CollectionWork.objects.count()
    print(
        f"{args.collections} labelled collections, {rows:,} collection-work rows, {args.works:,} works, "
        f"{args.runs} runs, medians"
    )
    print(f"| baseline: the work read by its key | {base:.2f} ms | 1.00x |")
    print(f"| its labelled collections (services.for_work) | {found:.2f} ms | {found / base:.2f}x |")

    def absolute(path: str) -> str:
        return "https://khizana.example.org" + path

    export = median_ms(lambda: services.dcc_xml(list(services.labelled()), absolute), 7)
    records = [services.dcc_record(c, absolute) for c in services.labelled()]
    pure = median_ms(lambda: dcc.records_xml(records), 7)
    size = len(services.dcc_xml(list(services.labelled()), absolute))
    print(
        f"| DC Collections export of all {args.collections} ({size // 1024} KiB) | {export:.1f} ms | "
        f"of which the XML writer {pure:.1f} ms |"
    )


if __name__ == "__main__":
    main()
