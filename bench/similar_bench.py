"""Similar works (issue 21), measured on held-out subjects against the same author's other works.

    .venv/bin/python bench/similar_bench.py [--held-out 0.2] [--k 5] [--seed 21]

Reads the bibliographic records of ../shared/data (marc21/, marcxml/, unimarc/, arabic/marc21/;
demo/records/ without it), one work per edition (records with the same OCLC number or ISBN, or the same
folded title and year, count once: the ACO files describe the same editions twice). Holds out the
subjects and classification of ``--held-out`` of the works that have subjects: their similar works are
computed (``khizana.ai.similar.SimilarityIndex``, the weights of the work page) from their authors and
words only, while every other work keeps its headings and classes. A similar work is *relevant* when it
shares a heading (or a heading's main part, before " -- ") or a class (Dewey/UDC to three digits, LCC
letters) with the held-out work's real ones. Prints precision@k, hit@k (at least one relevant in the k)
and coverage (works given any list) for the similar works and for the baseline, the same author's other
works (first author, k at most, catalog order), on the same held-out works, then the time to build the
index and the median time of a list.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khizana.settings")

from khizana.ai.similar import SimilarityIndex, WorkFeatures  # noqa: E402
from khizana.catalog.formats import read_records  # noqa: E402
from khizana.catalog.records import ParsedRecord, RecordKind  # noqa: E402
from khizana.core.analysis import analyse_exact  # noqa: E402

FOLDERS = ("marc21", "marcxml", "unimarc", "arabic/marc21")


def _folded(text: str) -> str:
    return " ".join(analyse_exact(text))


def load_works() -> list[tuple[WorkFeatures, list[str], list[str]]]:
    """(features, real headings, real classes) of one record per edition."""
    shared = Path(os.environ.get("KHIZANA_SHARED_DATA", REPO.parent / "shared" / "data"))
    paths = (
        [p for folder in FOLDERS for p in sorted((shared / folder).glob("*")) if p.is_file()]
        if shared.is_dir()
        else sorted((REPO / "demo" / "records").glob("*/*"))
    )
    seen: set[str] = set()
    works = []
    for path in paths:
        if path.suffix not in {".mrc", ".marc", ".dat", ".xml"}:
            continue
        try:
            records = list(read_records(path.read_bytes(), path.name)[1])
        except Exception as error:  # an unreadable file is left out, and said
            print(f"  {path.name}: left out ({error})", file=sys.stderr)
            continue
        for record in records:
            if not isinstance(record, ParsedRecord) or record.kind != RecordKind.BIBLIOGRAPHIC:
                continue
            fields = record.fields
            if not fields.title:
                continue
            keys = {
                f"{scheme}:{v}" for scheme in ("oclc", "isbn") for v in fields.identifiers.get(scheme, [])
            }
            keys.add(f"title:{_folded(fields.title)}|{fields.year}")
            if keys & seen:
                continue
            seen |= keys
            text = " ".join([fields.title, fields.subtitle, *fields.parallel_titles, *fields.notes])
            features = WorkFeatures(len(works), list(fields.subjects), list(fields.authors), [], text)
            works.append((features, list(fields.subjects), list(fields.classification)))
    return works


def _class_key(value: str) -> str:
    scheme, _sep, code = value.partition(":")
    if scheme == "lcc":
        return "lcc:" + "".join(c for c in code[:3].upper() if c.isalpha())
    return f"{scheme}:{code.strip()[:3]}"


def _topics(headings: list[str], classes: list[str]) -> set[str]:
    found = {f"h:{_folded(h)}" for h in headings} | {f"h:{_folded(h.split('--')[0])}" for h in headings}
    return found | {f"c:{_class_key(c)}" for c in classes if c.partition(":")[2].strip()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--held-out", type=float, default=0.2)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()
    works = load_works()
    for features, _headings, classes in works:
        features.classes = classes
    topics = {f.id: _topics(h, c) for f, h, c in works}
    with_subjects = [f.id for f, h, _c in works if h]
    held = set(random.Random(args.seed).sample(with_subjects, int(len(with_subjects) * args.held_out)))
    print(
        f"{len(works)} works ({len(with_subjects)} with subjects, "
        f"{sum(1 for _f, _h, c in works if c)} with a class); held out: {len(held)}"
    )
    for features, _h, _c in works:
        if features.id in held:
            features.headings, features.classes = [], []

    started = time.perf_counter()
    index = SimilarityIndex(f for f, _h, _c in works)
    build = time.perf_counter() - started

    by_author: dict[str, list[int]] = defaultdict(list)
    for features, _h, _c in works:
        if features.authors:
            by_author[_folded(features.authors[0])].append(features.id)

    lists: dict[str, dict[int, list[int]]] = {"similar works": {}, "baseline: same author's other works": {}}
    timings = []
    for work_id in sorted(held):
        started = time.perf_counter()
        found = index.similar_to(work_id, args.k)
        timings.append(time.perf_counter() - started)
        lists["similar works"][work_id] = [s.id for s in found]
        authors = next(f.authors for f, _h, _c in works if f.id == work_id) if work_id < len(works) else []
        same = [w for w in by_author.get(_folded(authors[0]), []) if w != work_id] if authors else []
        lists["baseline: same author's other works"][work_id] = same[: args.k]

    both = [w for w in held if all(found[w] for found in lists.values())]
    print(
        f"\n| method | coverage | precision@{args.k} | hit@{args.k} | on the {len(both)} works both answer: "
        f"precision@{args.k} / hit@{args.k} |"
    )
    print("|---|---:|---:|---:|---:|")
    for name, found in lists.items():
        answered = [w for w in held if found[w]]
        shown = [(w, o) for w in answered for o in found[w]]
        precision = sum(bool(topics[w] & topics[o]) for w, o in shown) / max(1, len(shown))
        hit = sum(any(topics[w] & topics[o] for o in found[w]) for w in answered) / max(1, len(answered))
        shared = [(w, o) for w in both for o in found[w]]
        precision_both = sum(bool(topics[w] & topics[o]) for w, o in shared) / max(1, len(shared))
        hit_both = sum(any(topics[w] & topics[o] for o in found[w]) for w in both) / max(1, len(both))
        print(
            f"| {name} | {len(answered) / max(1, len(held)):.3f} | {precision:.3f} | {hit:.3f} | "
            f"{precision_both:.3f} / {hit_both:.3f} |"
        )
    p95 = sorted(timings)[int(len(timings) * 0.95)]
    print(
        f"\nIndex of {len(works)} works built in {build:.2f} s; a list of {args.k}: median "
        f"{statistics.median(timings) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
