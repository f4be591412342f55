"""Language detection of titles (issue 21), measured on records whose language is known.

    .venv/bin/python bench/language_bench.py [--threshold 0.8] [--runs 3]

Reads every MARC 21, MARCXML and UNIMARC record of ../shared/data (marc21/, marcxml/, unimarc/,
arabic/marc21/; demo/records/ without it) that codes exactly one language (008/35-37, 041, UNIMARC 101)
and has a title, and detects the language of its title and subtitle (``khizana.ai.language.detect_title``,
the network's languages of ``KHIZANA_AI_LANGUAGES``). The record's code is the truth. Prints, for the
network's languages: accuracy at every confidence (all suggestions), coverage and accuracy at each
threshold, the confusion matrix at the threshold, how many records of other languages would get a
(necessarily wrong) suggestion at the threshold, and the median time per title over ``--runs`` runs.

Baseline in the same process: the script alone (Arabic script -> ara, Tifinagh -> ber, Latin -> the
commonest Latin-script language of the set, French), what a rule without a language model gives.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khizana.settings")

from khizana.ai.language import AMAZIGH, Detection, detect_title, main_script  # noqa: E402
from khizana.catalog.formats import read_records  # noqa: E402
from khizana.catalog.records import ParsedRecord  # noqa: E402

NETWORK = ("ara", "fre", "eng", "spa", "ger", "ita", AMAZIGH)
FOLDERS = ("marc21", "marcxml", "unimarc", "arabic/marc21")


def known_records() -> list[tuple[str, tuple[str, str, list[str]]]]:
    shared = Path(os.environ.get("KHIZANA_SHARED_DATA", REPO.parent / "shared" / "data"))
    paths = (
        [p for folder in FOLDERS for p in sorted((shared / folder).glob("*")) if p.is_file()]
        if shared.is_dir()
        else sorted((REPO / "demo" / "records").glob("*/*"))
    )
    found = []
    for path in paths:
        if path.suffix not in {".mrc", ".marc", ".dat", ".xml"}:
            continue
        try:
            _detected, records = read_records(path.read_bytes(), path.name)
            for record in records:
                fields = getattr(record, "fields", None)
                if isinstance(record, ParsedRecord) and fields.title and len(fields.languages) == 1:
                    found.append(
                        (fields.languages[0], (fields.title, fields.subtitle, fields.parallel_titles))
                    )
        except Exception as error:  # an unreadable file is left out, and said
            print(f"  {path.name}: left out ({error})", file=sys.stderr)
    return found


def script_rule(title: str, subtitle: str, parallel: list[str], languages: tuple[str, ...]) -> Detection:
    script, share = main_script(f"{title} {subtitle}")
    language = {"Arabic": "ara", "Tifinagh": AMAZIGH, "Latin": "fre"}.get(script, "")
    return Detection(script, language, share if language else 0.0)


def timed(detector, texts) -> tuple[list[Detection], float]:
    started = time.perf_counter()
    found = [detector(*text, NETWORK) for text in texts]
    return found, time.perf_counter() - started


def report(name: str, truth: list[str], found: list[Detection], threshold: float) -> None:
    inside = [(t, d) for t, d in zip(truth, found, strict=True) if t in NETWORK]
    per = Counter(t for t, _ in inside)
    print(f"\n### {name}: {len(inside)} records of the network's languages")
    print(
        "| language | records | accuracy (every suggestion) | coverage at threshold | accuracy at threshold |"
    )
    print("|---|---:|---:|---:|---:|")
    for language, count in per.most_common():
        mine = [d for t, d in inside if t == language]
        said = [d for d in mine if d.language]
        above = [d for d in said if d.confidence >= threshold]
        right_all = sum(d.language == language for d in said)
        right = sum(d.language == language for d in above)
        print(
            f"| {language} | {count} | {right_all / max(1, len(said)):.3f} | "
            f"{len(above) / count:.3f} | {right / max(1, len(above)):.3f} |"
        )
    said = [(t, d) for t, d in inside if d.language and d.confidence >= threshold]
    right = sum(t == d.language for t, d in said)
    print(
        f"| **all** | {len(inside)} | | {len(said) / max(1, len(inside)):.3f} | "
        f"**{right / max(1, len(said)):.3f}** |"
    )
    print(f"\nConfusion at threshold {threshold} (rows: the record's code, columns: suggested):")
    columns = [code for code in NETWORK if any(d.language == code for _, d in said)]
    print("| coded \\ suggested | " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for language, _count in per.most_common():
        counts = Counter(d.language for t, d in said if t == language)
        print(f"| {language} | " + " | ".join(str(counts.get(c, 0)) for c in columns) + " |")
    outside = [(t, d) for t, d in zip(truth, found, strict=True) if t not in NETWORK]
    wrong = Counter(t for t, d in outside if d.language and d.confidence >= threshold)
    print(
        f"\nRecords of other languages: {len(outside)}, given a suggestion at the threshold: "
        f"{sum(wrong.values())} ({', '.join(f'{k} {v}' for k, v in wrong.most_common(6))})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    records = known_records()
    truth = [code for code, _ in records]
    texts = [text for _, text in records]
    print(f"{len(records)} records with one language code: {Counter(truth).most_common(12)}")
    detect_title("warm up", "", [], NETWORK)  # lingua's models load once
    baseline_times, lingua_times = [], []
    for _run in range(args.runs):
        baseline, seconds = timed(script_rule, texts)
        baseline_times.append(seconds)
        found, seconds = timed(detect_title, texts)
        lingua_times.append(seconds)
    for threshold in (0.0, 0.5, 0.7, args.threshold, 0.9, 0.95):
        said = [(t, d) for t, d in zip(truth, found, strict=True) if t in NETWORK]
        above = [(t, d) for t, d in said if d.language and d.confidence >= threshold]
        right = sum(t == d.language for t, d in above)
        print(
            f"threshold {threshold:.2f}: coverage {len(above) / max(1, len(said)):.3f}, "
            f"accuracy {right / max(1, len(above)):.3f}"
        )
    report("script rule (baseline)", truth, baseline, args.threshold)
    report(f"lingua on title + subtitle, threshold {args.threshold}", truth, found, args.threshold)
    base, mine = statistics.median(baseline_times), statistics.median(lingua_times)
    print(
        f"\nMedian of {args.runs} runs over {len(texts)} titles: "
        f"script rule {base * 1e6 / len(texts):.1f} µs a title, "
        f"lingua {mine * 1e6 / len(texts):.1f} µs a title ({mine / base:.0f}x)"
    )


if __name__ == "__main__":
    main()
