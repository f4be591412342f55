"""Import throughput and clustering time on a corpus replicated from real records.

    .venv/bin/python bench/import_bench.py [--records 200000] [--libraries 10] [--profile 20000]

The corpus: every readable MARC 21 and UNIMARC ISO 2709 record of ../shared/data (or of demo/ when
the shared data is absent), replicated until it holds ``--records`` records. Copies 2g and 2g+1 of a
record form one edition held by two libraries (same identifiers); each pair g > 0 gets its own
identifiers (001, ISBN, LCCN, OCLC number), an edition statement and later years, so that it is another
edition as a library would catalogue it. Copies go
round-robin to ``--libraries`` libraries, one ISO 2709 file each.

The corpus checks its own design: beside the speed it prints the share of designed pairs (two copies
of one edition) that ended in one work (100 % expected) and the share of designed distinct editions
(copies of one source record in different groups) that were kept apart. Records are read flavour by
flavour (a UNIMARC record in a file of MARC 21 records is read as UNIMARC): a misread record would
show here as a pair that did not merge.

Figures printed (and appended to bench/RESULTS.md with --record):
- baseline: pymarc alone reading the same files in this process (records/s);
- import: Khizana's import of the files (parse, normalise, store; no clustering), records/s;
- clustering: time to cluster every record into works from scratch;
- end to end: records / (import + clustering);
- profile: where import time goes, on the first ``--profile`` records (cProfile, top functions).
The database is a fresh SQLite file (or DATABASE_URL) in a temporary data directory.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import hashlib
import io
import itertools
import os
import pstats
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pymarc

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def source_records() -> list[pymarc.Record]:
    shared = Path(os.environ.get("KHIZANA_SHARED_DATA", REPO.parent / "shared" / "data"))
    folders = [shared / "marc21", shared / "unimarc"] if shared.is_dir() else [REPO / "demo" / "records"]
    records = []
    with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _read_into(records, folders)
    return records


def _read_into(records: list, folders: list[Path]) -> None:
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix not in {".mrc", ".marc", ".dat"} or "bad" in path.parts:
                continue
            with path.open("rb") as handle:
                reader = pymarc.MARCReader(handle, to_unicode=True, force_utf8=True, utf8_handling="replace")
                for record in reader:
                    if record is not None and record.leader[6] not in "zuvxy":
                        records.append(record)


def _isbn13(seed: str) -> str:
    digits = "978" + str(int(hashlib.sha1(seed.encode()).hexdigest(), 16))[:9]
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits))
    return digits + str((10 - total % 10) % 10)


_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20[0-2]\d)(?!\d)")


def _later(text: str, group: int) -> str:
    """Every year in ``text`` moved ``group`` years on: another edition is another year."""
    return _YEAR.sub(lambda m: str(int(m.group(0)) + group), text)


def replicate(record: pymarc.Record, group: int) -> bytes:
    """Copy ``group`` of ``record``: group 0 is the record as sent; a later group is another edition of
    it, as a library would catalogue one: its own identifiers, an edition statement, later years."""
    if group == 0:
        return record.as_marc()
    unimarc = record.get("245") is None and record.get("200") is not None
    copy = pymarc.Record(leader=record.leader, force_utf8=True)
    copy.leader = copy.leader[:9] + "a" + copy.leader[10:]
    for field in record.fields:
        if field.is_control_field():
            data = field.data
            if field.tag == "001":
                data = f"{data.strip()}-g{group}"
            elif field.tag == "008" and len(data) > 11:
                data = data[:7] + _later(data[7:11], group) + data[11:]
            copy.add_field(pymarc.Field(tag=field.tag, data=data))
            continue
        subfields = list(field.subfields)
        if field.tag == "020":
            subfields = [pymarc.Subfield("a", _isbn13(f"{record.get('001')}-{group}-{field.value()}"))]
        elif field.tag in {"010", "035", "015", "011", "022"}:
            subfields = [pymarc.Subfield(s.code, f"{s.value}-g{group}") for s in subfields]
        elif field.tag in {"260", "264"} or (unimarc and field.tag in {"210", "214"}):
            subfields = [pymarc.Subfield(s.code, _later(s.value, group)) for s in subfields]
        elif unimarc and field.tag == "100" and subfields and subfields[0].code == "a":
            value = subfields[0].value
            subfields[0] = pymarc.Subfield("a", value[:9] + _later(value[9:13], group) + value[13:])
        elif field.tag in {"250", "205"}:
            continue  # replaced below
        copy.add_field(pymarc.Field(tag=field.tag, indicators=list(field.indicators), subfields=subfields))
    edition_tag = "205" if unimarc else "250"
    copy.add_ordered_field(
        pymarc.Field(
            tag=edition_tag, indicators=[" ", " "], subfields=[pymarc.Subfield("a", f"{group + 1}e éd.")]
        )
    )
    if copy.get("001") is None:
        copy.add_ordered_field(pymarc.Field(tag="001", data=f"bench-{group}-{id(record)}"))
    return copy.as_marc()


# (file name, byte offset of the record) -> (source record index, group): the corpus's design.
Design = dict[tuple[str, int], tuple[int, int]]


def build_corpus(target: int, libraries: int, out: Path) -> tuple[list[Path], Design]:
    base = source_records()
    chunks: list[list[bytes]] = [[] for _ in range(libraries)]
    offsets = [0] * libraries
    design: Design = {}
    copy_index = 0
    while copy_index < target:
        for index, record in enumerate(base):
            if copy_index >= target:
                break
            group = (copy_index // len(base)) // 2
            library = copy_index % libraries
            data = replicate(record, group) if group else record.as_marc()
            design[(f"library{library:02d}.mrc", offsets[library])] = (index, group)
            chunks[library].append(data)
            offsets[library] += len(data)
            copy_index += 1
    paths = []
    for number, chunk in enumerate(chunks):
        path = out / f"library{number:02d}.mrc"
        path.write_bytes(b"".join(chunk))
        paths.append(path)
    return paths, design


def check_design(design: Design) -> list[str]:
    """How the clustering met the corpus's design: designed pairs merged, distinct editions apart."""
    from collections import defaultdict

    from khizana.catalog.models import SourceRecord

    work_of: dict[tuple[int, int], list[int]] = defaultdict(list)
    found = 0
    rows = SourceRecord.objects.filter(deleted=False, kind="bibliographic").values_list(
        "source_file", "source_offset", "work_id"
    )
    for source_file, offset, work_id in rows.iterator(chunk_size=10_000):
        edition = design.get((source_file, offset))
        if edition is not None and work_id is not None:
            work_of[edition].append(work_id)
            found += 1
    pairs = [works for works in work_of.values() if len(works) == 2]
    merged = sum(works[0] == works[1] for works in pairs)
    by_source: dict[int, dict[int, set[int]]] = defaultdict(dict)
    for (index, group), works in work_of.items():
        by_source[index][group] = set(works)
    apart = checked = 0
    for groups in by_source.values():
        ordered = sorted(groups)
        for first, second in itertools.pairwise(ordered):
            checked += 1
            apart += not (groups[first] & groups[second])
    return [
        f"design check: {found:,} of {len(design):,} designed copies stored as active records; "
        f"designed pairs merged: {merged:,} / {len(pairs):,} = {merged / max(len(pairs), 1):.2%}; "
        f"designed distinct editions (one source record, consecutive groups) kept apart: "
        f"{apart:,} / {checked:,} = {apart / max(checked, 1):.2%}"
    ]


def pymarc_baseline(paths: list[Path]) -> tuple[int, float]:
    count, start = 0, time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in paths:
            with path.open("rb") as handle:
                for record in pymarc.MARCReader(handle, to_unicode=True):
                    count += record is not None
    return count, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--libraries", type=int, default=10)
    parser.add_argument("--profile", type=int, default=20_000, help="records to profile (0: no profile)")
    parser.add_argument("--record", action="store_true", help="append the figures to bench/RESULTS.md")
    args = parser.parse_args()

    work_dir = Path(tempfile.mkdtemp(prefix="khizana-bench-"))
    os.environ["KHIZANA_DATA_DIR"] = str(work_dir / "data")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khizana.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from khizana.catalog import clustering
    from khizana.catalog.models import SourceRecord, Work
    from khizana.catalog.services import import_file
    from khizana.libraries.models import Library

    call_command("migrate", verbosity=0)
    from django.conf import settings

    settings.KHIZANA_SYNC_INDEX_ON_COMMIT = False  # the search index is timed on its own below
    started = time.perf_counter()
    paths, design = build_corpus(args.records, args.libraries, work_dir)
    print(
        f"corpus: {args.records:,} records in {len(paths)} files, "
        f"{sum(p.stat().st_size for p in paths) / 1e6:.0f} MB, built in {time.perf_counter() - started:.1f} s"
    )

    baseline_count, baseline_time = pymarc_baseline(paths)
    print(
        f"baseline pymarc read: {baseline_count:,} records in {baseline_time:.1f} s "
        f"= {baseline_count / baseline_time:,.0f} records/s"
    )

    libraries = [
        Library.objects.create(code=f"B{n:02d}", name_fr=f"Bibliothèque {n}", kind="public", country="DZ")
        for n in range(len(paths))
    ]
    if args.profile:
        profile_corpus(args.profile, libraries[0], work_dir)

    start = time.perf_counter()
    for library, path in zip(libraries, paths, strict=True):
        import_file(library, path, cluster=False)
    import_time = time.perf_counter() - start
    stored = SourceRecord.objects.count()
    start = time.perf_counter()
    stats = clustering.recluster_dirty()
    cluster_time = time.perf_counter() - start
    from khizana.search.services import sync_index

    start = time.perf_counter()
    indexed = sync_index()
    index_time = time.perf_counter() - start
    works = Work.objects.count()
    shared = Work.objects.filter(library_count__gt=1).count()
    lines = [
        f"import: {stored:,} records in {import_time:.1f} s = {stored / import_time:,.0f} records/s "
        f"({(stored / import_time) / (baseline_count / baseline_time):.2f} x pymarc's bare read speed)",
        f"clustering from scratch: {stats.records:,} records into {works:,} works ({shared:,} held by 2+ "
        f"libraries) in {cluster_time:.1f} s = {stats.records / cluster_time:,.0f} records/s",
        f"search indexing of the {indexed:,} works: {index_time:.1f} s = {indexed / index_time:,.0f} works/s",
        f"end to end (import + clustering + indexing): "
        f"{stored / (import_time + cluster_time + index_time):,.0f} records/s",
        *check_design(design),
    ]
    print("\n".join(lines))
    if args.record:
        append_results(args, baseline_count / baseline_time, lines)


def profile_corpus(limit: int, library, work_dir: Path) -> None:
    from khizana.catalog.models import SourceRecord
    from khizana.catalog.services import import_bytes

    data = (work_dir / "library00.mrc").read_bytes()
    chunk = b"\x1d".join(data.split(b"\x1d")[:limit]) + b"\x1d"
    profiler = cProfile.Profile()
    profiler.enable()
    import_bytes(library, chunk, "profile.mrc", cluster=True)
    profiler.disable()
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(15)
    print(f"profile of an import of {limit:,} records (clustering included), top functions by own time:")
    print("\n".join(line for line in buffer.getvalue().splitlines() if line.strip())[:4000])
    SourceRecord.objects.filter(library=library).delete()


def append_results(args, baseline_rate: float, lines: list[str]) -> None:
    import platform

    from django.db import connection

    machine = f"{connection.vendor}, {os.cpu_count()} cores, Python {platform.python_version()}"
    header = (
        f"\n### import_bench.py --records {args.records} --libraries {args.libraries} "
        f"({time.strftime('%Y-%m-%d')}, {machine})\n"
    )
    with (REPO / "bench" / "RESULTS.md").open("a", encoding="utf-8") as out:
        out.write(
            header
            + "\n"
            + "\n".join(
                f"- {line}" for line in [f"baseline pymarc read: {baseline_rate:,.0f} records/s", *lines]
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
