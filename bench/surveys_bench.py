"""Needs surveys: the cost of breaking every question down (issue 20).

    .venv/bin/python bench/surveys_bench.py [--responses N] [--runs R]

Builds N synthetic responses (seeded) to a questionnaire like IMIST's survey of its members: research field
(single choice, 12 fields), tools used (multiple choice, 8), satisfaction (scale 1-5), a follow-up shown
only to those who use none of the tools, a free text, and the member's profile. Times, in one process, the
baseline (counting each question's answers, what a page without breakdown does) against the results page's
work for one breakdown (each question by research field, by profile, by the tools), and the checking of
submitted forms (``tally.clean``, conditions included). Pure ``khizana.programmes.surveys.tally``; no
database: the page adds one query reading the responses.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from khizana.programmes.surveys import tally

FIELDS = tuple(str(100 + n) for n in range(12))
TOOLS = tuple(str(200 + n) for n in range(8))
NONE = "299"
PROFILES = ("researcher", "doctoral_student", "student", "teacher", "staff", "public")
SPECS = [
    tally.Spec("1", tally.SINGLE, FIELDS, required=True),
    tally.Spec("2", tally.MULTIPLE, (*TOOLS, NONE)),
    tally.Spec("3", tally.SCALE, tally.SCALE_OPTIONS),
    tally.Spec("4", tally.TEXT, condition_key="2", condition_values=(NONE,)),
    tally.Spec("5", tally.TEXT),
]
OPTIONS = {"1": FIELDS, "2": (*TOOLS, NONE), "3": tally.SCALE_OPTIONS}


def submissions(count: int, seed: int = 20) -> list[dict[str, list[str]]]:
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        tools = [NONE] if rng.random() < 0.1 else rng.sample(TOOLS, rng.randint(1, 4))
        made.append(
            {
                "1": [rng.choice(FIELDS)],
                "2": tools,
                "3": [rng.choice(tally.SCALE_OPTIONS)],
                "4": ["Trop cher, pas de formation"],
                "5": ["Plus de revues en arabe"] if rng.random() < 0.3 else [],
            }
        )
    return made


def median_ms(work, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    sent = submissions(args.responses)
    rng = random.Random(5)
    start = time.perf_counter()
    rows = [dict(tally.clean(SPECS, form)[0], category=[rng.choice(PROFILES)]) for form in sent]
    clean_us = (time.perf_counter() - start) / len(sent) * 1e6

    def baseline() -> None:
        for key, options in OPTIONS.items():
            tally.counts(rows, key, options)

    def by(dimension: str, dimension_options) -> None:
        for key, options in OPTIONS.items():
            tally.crosstab(rows, key, options, dimension, dimension_options)

    base = median_ms(baseline, args.runs)
    print(f"{args.responses:,} responses, {args.runs} runs, medians")
    print(f"checking a submitted form (tally.clean): {clean_us:.1f} µs each")
    print(f"| baseline: counts of the 3 charted questions | {base:.1f} ms | 1.00x |")
    for name, dimension, options in (
        ("by research field (12)", "1", FIELDS),
        ("by profile (6)", "category", PROFILES),
        ("by the tools (multiple, 9)", "2", (*TOOLS, NONE)),
    ):
        took = median_ms(lambda d=dimension, o=options: by(d, o), args.runs)
        print(f"| {name} | {took:.1f} ms | {took / base:.2f}x |")


if __name__ == "__main__":
    main()
