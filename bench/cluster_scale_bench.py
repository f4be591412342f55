"""Clustering time as the catalog grows: the pure matcher (``khizana.catalog.matching.cluster``) on
0.2 M, 1 M and 2.4 M records, in one process.

    .venv/bin/python bench/cluster_scale_bench.py [--sizes 200000,1000000,2400000] [--profile]

The records: every readable MARC 21 and UNIMARC record of ../shared/data (or demo/), read by Khizana's
own readers, replicated as the import bench does: copies 2g and 2g+1 of a record are one edition held
by two libraries; a later group is another edition (its own identifiers, an edition statement, a later
year). Printed per size: the time to build the match records, to cluster them (candidate generation and
comparison), the candidate pairs compared, and the check of the design (designed pairs merged, distinct
editions kept apart). The database is not involved: this is the part of clustering that grows with the
catalog; writing the works is measured by bench/import_bench.py.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import os
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from khizana.catalog import matching  # noqa: E402
from khizana.catalog.formats import read_records  # noqa: E402
from khizana.catalog.records import BibFields, ParsedRecord, RecordKind  # noqa: E402


def base_fields() -> list[BibFields]:
    shared = Path(os.environ.get("KHIZANA_SHARED_DATA", REPO.parent / "shared" / "data"))
    folders = [shared / "marc21", shared / "unimarc"] if shared.is_dir() else [REPO / "demo" / "records"]
    found = []
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix not in {".mrc", ".marc", ".dat"} or "bad" in path.parts:
                continue
            try:
                _, items = read_records(path.read_bytes(), path.name)
                for item in items:
                    if isinstance(item, ParsedRecord) and item.kind == RecordKind.BIBLIOGRAPHIC:
                        found.append(item.fields)
            except ValueError:  # not a file of records (a stray file in the folder)
                continue
    return found


def edition(fields: BibFields, group: int) -> BibFields:
    """Group 0: the record as read; a later group: another edition of it."""
    if group == 0:
        return fields
    return dataclasses.replace(
        fields,
        year=(fields.year + group) if fields.year else None,
        edition=f"{group + 1}e éd.",
        identifiers={
            scheme: [f"{v}-g{group}" for v in values] for scheme, values in fields.identifiers.items()
        },
    )


def corpus(base: list[BibFields], size: int) -> tuple[list[matching.MatchRecord], dict[str, tuple[int, int]]]:
    records, design = [], {}
    for index in range(size):
        source = index % len(base)
        group = (index // len(base)) // 2
        key = f"{index:09d}"
        records.append(matching.match_record(key, edition(base[source], group)))
        design[key] = (source, group)
    return records, design


def check(result: matching.Clustering, design: dict[str, tuple[int, int]]) -> str:
    cluster_of = {key: number for number, members in enumerate(result.clusters) for key in members}
    copies: dict[tuple[int, int], list[int]] = defaultdict(list)
    for key, edition_id in design.items():
        copies[edition_id].append(cluster_of[key])
    pairs = [c for c in copies.values() if len(c) == 2]
    merged = sum(a == b for a, b in pairs)
    apart = checked = 0
    for (source, group), clusters in copies.items():
        later = copies.get((source, group + 1))
        if later:
            checked += 1
            apart += not set(clusters) & set(later)
    return (
        f"designed pairs merged {merged:,}/{len(pairs):,} ({merged / max(len(pairs), 1):.2%}), "
        f"distinct editions apart {apart:,}/{checked:,} ({apart / max(checked, 1):.2%})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="200000,1000000,2400000")
    parser.add_argument("--profile", action="store_true", help="cProfile the first size")
    args = parser.parse_args()
    started = time.perf_counter()
    base = base_fields()
    print(f"{len(base):,} source records read in {time.perf_counter() - started:.1f} s")
    for number, size in enumerate(int(s) for s in args.sizes.split(",")):
        started = time.perf_counter()
        records, design = corpus(base, size)
        built = time.perf_counter() - started
        profiler = cProfile.Profile() if args.profile and number == 0 else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        result = matching.cluster(records)
        if profiler:
            profiler.disable()
        clustered = time.perf_counter() - started
        print(
            f"{size:>9,} records: match records built in {built:.1f} s, clustered in {clustered:.1f} s "
            f"({size / clustered:,.0f} records/s) into {len(result.clusters):,} works, "
            f"{len(result.review):,} pairs for review; {check(result, design)}",
            flush=True,
        )
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
            print(out.getvalue()[:3000])
        del records, design, result


if __name__ == "__main__":
    main()
