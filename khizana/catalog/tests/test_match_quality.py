"""Precision and recall of duplicate clustering on the hand-labelled pairs (see data/match_pairs.md).

Every record of every file a pair refers to is read and clustered together, as an import of those
files would, so chains through third records count. Pairs involving a deleted record are left out:
deleted records never belong to a work.
"""

import json
from pathlib import Path

import pytest

from khizana.catalog.formats import read_records
from khizana.catalog.matching import cluster, match_record
from khizana.catalog.records import ParsedRecord, RecordKind
from khizana.testing import shared_data_dir

PAIRS = Path(__file__).parent / "data" / "match_pairs.jsonl"
SHARED = shared_data_dir()

pytestmark = pytest.mark.skipif(
    SHARED is None, reason="../shared/data is not here: no labelled records to read"
)


def _ref(side: dict) -> str:
    return f"{side['file']}#{side['number']}"


def _evaluate():
    pairs = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    files = sorted({side["file"] for pair in pairs for side in (pair["a"], pair["b"])})
    records: dict[str, ParsedRecord] = {}
    for name in files:
        _, stream = read_records((SHARED / name).read_bytes(), name)
        for item in stream:
            if isinstance(item, ParsedRecord):
                records[f"{name}#{item.number}"] = item
    active = {k: r for k, r in records.items() if r.kind == RecordKind.BIBLIOGRAPHIC and not r.deleted}
    result = cluster([match_record(key, record.fields) for key, record in active.items()])
    work_of = {key: index for index, members in enumerate(result.clusters) for key in members}

    outcome = {"tp": 0, "fp": 0, "fn": 0, "tn": 0, "deleted": 0, "ambiguous": 0}
    mistakes = []
    for pair in pairs:
        a, b = _ref(pair["a"]), _ref(pair["b"])
        assert a in records and b in records, f"labelled record missing from the readers' output: {a} / {b}"
        if a not in active or b not in active:
            outcome["deleted"] += 1
            continue
        if pair["why"].startswith("(ambiguous)"):  # the labeller could not be sure: reported, not scored
            same_work = work_of[a] == work_of[b]
            outcome["ambiguous"] += 1
            mistakes.append(f"ambiguous, {'merged' if same_work else 'apart'}: {a} / {b}: {pair['why']}")
            continue
        predicted = work_of[a] == work_of[b]
        key = {(True, True): "tp", (False, True): "fp", (True, False): "fn", (False, False): "tn"}
        outcome[key[(pair["same"], predicted)]] += 1
        if predicted != pair["same"]:
            mistakes.append(f"{'missed' if pair['same'] else 'wrongly merged'}: {a} / {b}: {pair['why']}")
    return outcome, mistakes


def test_precision_and_recall_on_labelled_pairs():
    outcome, mistakes = _evaluate()
    precision = outcome["tp"] / max(1, outcome["tp"] + outcome["fp"])
    recall = outcome["tp"] / max(1, outcome["tp"] + outcome["fn"])
    print(f"\nlabelled pairs: {outcome}")
    print(f"precision {precision:.3f}  recall {recall:.3f}")
    for line in mistakes:
        print("  " + line)
    assert outcome["tp"] + outcome["fn"] >= 50 and outcome["tn"] + outcome["fp"] >= 50
    assert precision >= 0.99
    assert recall >= 0.95
