"""Fixity audit throughput of digital preservation (issue 19): GB/min and objects/min on this machine.

    .venv/bin/python bench/fixity_bench.py [--objects 200] [--mb 3] [--files 4] [--repeat 3] [--keep DIR]

Builds ``--objects`` synthetic OCFL objects (``--files`` random files of ``--mb`` MB in all per object,
plus a small JSON description, as an item's pages and metadata) with the preservation code's own
:class:`~khizana.heritage.preservation.ocfl_store.Root` in a primary root, replicates them to a second
root, then times, in the same process and on the same files:

- the audit's check of every object in both roots (ocfl-py's structural validator without digests plus
  our sha512 fixity pass against the inventory, missing and unexpected files), with 1 and with 2 hashing
  threads;
- the baseline: ocfl-py's own validator of both storage roots with digests (``StorageRoot.validate``);
- the floor: reading and sha512-hashing the same content files in one thread, nothing else.

Medians of ``--repeat`` runs. The files were just written, so they are read from the page cache: this
measures the CPU side of an audit (hashing, validation), not the disks.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from khizana.heritage.preservation.ocfl_store import Root  # noqa: E402

logging.getLogger().setLevel(logging.WARNING)  # ocfl-py reports each object it reads at INFO


def build(base: Path, objects: int, megabytes: float, files: int) -> tuple[Root, Root, int]:
    primary, second = Root(base / "primary" / "ocfl"), Root(base / "copy" / "ocfl")
    size = int(megabytes * 1024 * 1024 / files)
    total = 0
    for number in range(objects):
        source = base / "source"
        shutil.rmtree(source, ignore_errors=True)
        (source / "pages").mkdir(parents=True)
        (source / "metadata").mkdir()
        for page in range(files):
            (source / "pages" / f"{page + 1:04d}.jpg").write_bytes(os.urandom(size))
            total += size
        (source / "metadata" / "item.json").write_text(json.dumps({"item": number, "pages": files}))
        identifier = f"khizana:bench:digital-item:{number}"
        primary.write_version(identifier, source, message="bench", user_name="bench")
        primary.replicate_to(second, identifier)
    shutil.rmtree(base / "source", ignore_errors=True)
    return primary, second, total


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def audit(primary: Root, second: Root, identifiers: list[str]) -> None:
    for identifier in identifiers:
        for root in (primary, second):
            result = root.check(identifier)
            if not result.ok:
                raise SystemExit(f"unexpected damage in {identifier}: {result.as_dict()}")


def hash_only(paths: list[Path]) -> None:
    for path in paths:
        with open(path, "rb") as handle:
            hashlib.file_digest(handle, "sha512")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--objects", type=int, default=200)
    parser.add_argument("--mb", type=float, default=3.0, help="MB of content per object")
    parser.add_argument("--files", type=int, default=4, help="content files per object")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", help="build in this folder and keep it (default: a temporary one)")
    args = parser.parse_args()
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="fixity-bench-"))
    try:
        started = time.perf_counter()
        primary, second, content = build(base, args.objects, args.mb, args.files)
        print(
            f"built {args.objects} objects x 2 copies ({2 * content / 1e9:.2f} GB) in "
            f"{time.perf_counter() - started:.1f} s"
        )
        identifiers = [f"khizana:bench:digital-item:{n}" for n in range(args.objects)]
        paths = [p for root in (primary, second) for p in root.path.rglob("*.jpg")]
        read = 2 * content  # both copies
        results = {}
        for label, function in (
            ("sha512 only, 1 thread (floor)", lambda: hash_only(paths)),
            ("ocfl-py StorageRoot.validate, digests", lambda: [primary.validate(), second.validate()]),
            (
                "audit check, 1 thread",
                lambda: audit(Root(primary.path, 1), Root(second.path, 1), identifiers),
            ),
            (
                "audit check, 2 threads",
                lambda: audit(Root(primary.path, 2), Root(second.path, 2), identifiers),
            ),
        ):
            results[label] = statistics.median(timed(function) for _ in range(args.repeat))
        baseline = results["ocfl-py StorageRoot.validate, digests"]
        print(
            f"\n{args.objects} objects, {args.files} files and {args.mb} MB each, both copies checked; "
            f"{os.cpu_count()} cores; median of {args.repeat}\n"
        )
        print("| run | median s | GB/min | objects/min | vs ocfl-py validate |")
        print("|---|---:|---:|---:|---:|")
        for label, seconds in results.items():
            print(
                f"| {label} | {seconds:.2f} | {read / 1e9 / seconds * 60:.1f} | "
                f"{args.objects / seconds * 60:,.0f} | {baseline / seconds:.2f}x |"
            )
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
