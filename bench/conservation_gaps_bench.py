"""Gaps of the network's collection for a conservation plan of 20,000 serial titles held by 50 libraries
(issue 19, "Measure").

    .venv/bin/python bench/conservation_gaps_bench.py [--titles 20000] [--libraries 50] [--repeat 5]

Synthetic, generated in bulk with a fixed seed: each title has a span (first year 1850-1990, running or
ceased) and each of the 50 libraries holds 1 to 3 runs of it (some open-ended, some leaving holes), as
parsed extents — 20,000 x 50 = 1,000,000 holdings statements. Times, on one core:

- the gap computation of every title (``khizana.heritage.conservation.formats.coverage``: the years of
  each statement's runs, merged, against the title's span), median of ``--repeat`` runs;
- the baseline in the same process: the same answer from a set of every year held (the obvious way);
- parsing the same runs written as textual statements (``v.12 (1950) - v.40 (1978) ; v.45 (1983) -``),
  on a sample of 100,000 statements (statements per second), for scale.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from khizana.heritage.conservation.formats.coverage import coverage, title_span, year_intervals  # noqa: E402
from khizana.heritage.conservation.formats.statements import Extent, parse_textual  # noqa: E402

CURRENT_YEAR = 2026


def generate(
    titles: int, libraries: int, seed: int = 19
) -> list[tuple[tuple[int, int | None], list[list[Extent]]]]:
    rng = random.Random(seed)
    plan = []
    for _ in range(titles):
        first = rng.randint(1850, 1990)
        last = None if rng.random() < 0.6 else rng.randint(first + 5, CURRENT_YEAR)
        end = last or CURRENT_YEAR
        holdings = []
        for _library in range(libraries):
            runs, cursor = [], rng.randint(first, end)
            for _run in range(rng.randint(1, 3)):
                if cursor > end:
                    break
                stop = min(end, cursor + rng.randint(0, 40))
                volume = cursor - first + 1
                is_open = last is None and stop == end and rng.random() < 0.5
                runs.append(
                    Extent(
                        first_volume=volume,
                        first_year=cursor,
                        last_volume=None if is_open else stop - first + 1,
                        last_year=None if is_open else stop,
                        open_end=is_open,
                    )
                )
                cursor = stop + rng.randint(2, 15)
            holdings.append(runs)
        plan.append(((first, last), holdings))
    return plan


def gaps_with_intervals(plan) -> int:
    missing = 0
    for (first, last), holdings in plan:
        span = title_span([], first, last, CURRENT_YEAR)
        held = [interval for runs in holdings for interval in year_intervals(runs, CURRENT_YEAR)]
        missing += coverage(held, span).missing_count
    return missing


def gaps_with_year_sets(plan) -> int:
    missing = 0
    for (first, last), holdings in plan:
        end = last or CURRENT_YEAR
        years: set[int] = set()
        for runs in holdings:
            for run in runs:
                years.update(range(run.first_year, (CURRENT_YEAR if run.open_end else run.last_year) + 1))
        missing += sum(1 for year in range(first, end + 1) if year not in years)
    return missing


def median_time(function, plan, repeat: int) -> tuple[float, int]:
    times, answer = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        answer = function(plan)
        times.append(time.perf_counter() - started)
    return statistics.median(times), answer


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--titles", type=int, default=20_000)
    parser.add_argument("--libraries", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sample", type=int, default=100_000, help="Statements parsed for the parse rate.")
    options = parser.parse_args()

    started = time.perf_counter()
    plan = generate(options.titles, options.libraries)
    statements = sum(len(holdings) for _span, holdings in plan)
    runs = sum(len(r) for _span, holdings in plan for r in holdings)
    print(
        f"generated {options.titles:,} titles, {statements:,} statements, {runs:,} runs "
        f"in {time.perf_counter() - started:.1f} s"
    )

    ours, missing = median_time(gaps_with_intervals, plan, options.repeat)
    baseline, baseline_missing = median_time(gaps_with_year_sets, plan, options.repeat)
    assert missing == baseline_missing, (missing, baseline_missing)
    print(
        f"gaps (merged intervals): median {ours:.2f} s for {options.titles:,} titles "
        f"({options.titles / ours:,.0f} titles/s, {statements / ours:,.0f} statements/s); "
        f"{missing:,} title-years missing"
    )
    print(
        f"baseline (sets of years): median {baseline:.2f} s; ratio baseline / ours = {baseline / ours:.1f}x"
    )

    texts = [
        " ; ".join(run.label() for run in holdings)
        for _span, titles in plan
        for holdings in titles
        if holdings
    ][: options.sample]
    started = time.perf_counter()
    for text in texts:
        parse_textual(text)
    elapsed = time.perf_counter() - started
    print(
        f"parsing {len(texts):,} textual statements: {elapsed:.2f} s "
        f"({len(texts) / elapsed:,.0f} statements/s)"
    )


if __name__ == "__main__":
    main()
