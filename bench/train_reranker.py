"""Train the affiliation re-ranker (issue 15) and measure it against the rules.

    .venv/bin/pip install -e '.[bench]'      # scikit-learn
    .venv/bin/python bench/train_reranker.py [--limit N] [--write] [--out /tmp/reranker_results.md]

The dev set (``../shared/data/affiliations/affiliations_dev.jsonl``) is split in two halves by a hash of
the string, as ``bench/affiliation_bench.py --calibrate`` does: the re-ranker is trained on the
*calibration* half only, with 5-fold cross-validation (folds of strings, not of candidates); its
decision threshold is calibrated on the out-of-fold probabilities (the best F1 among the thresholds whose
precision is at least the rules' on the same strings). The *held-out* half is never trained on: the
rules and the re-ranker are compared on it, and on the labelled Maghreb strings per country, main
institution only. ``--write`` writes the coefficients to ``khizana/visibility/data/reranker.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from affiliation_bench import LOCAL, MAGHREB, SHARED, expected_ids, half_of  # noqa: E402

from khizana.visibility.evaluation import (  # noqa: E402
    Score,
    expected_of,
    local_institutions,
    maghreb_rows,
)
from khizana.visibility.matching import DEFAULT_THRESHOLD, cached_matcher  # noqa: E402
from khizana.visibility.rerank import FEATURES, MODEL_PATH, TOP_K, Reranker, candidates, choose  # noqa: E402

C = 1.0


def featurise(matcher, texts):
    """Per string: its candidates, and the rules' main institution (over the default threshold)."""
    out = []
    for text in texts:
        found = candidates(matcher, text, TOP_K)
        rules = [c.institution_id for c in found if c.features[FEATURES.index("rules_main")] and
                 c.score >= DEFAULT_THRESHOLD]  # fmt: skip
        out.append((found, rules[:1]))
    return out


def matrix(featured, wanted):
    xs, ys, groups = [], [], []
    for i, ((found, _), expected) in enumerate(zip(featured, wanted, strict=True)):
        for c in found:
            xs.append(c.features)
            ys.append(int(c.institution_id in expected))
            groups.append(i)
    return np.array(xs, dtype=float).reshape(-1, len(FEATURES)), np.array(ys), np.array(groups)


def picks(featured, probabilities, threshold):
    """The main institution of each string, as ``rerank.choose`` decides it."""
    out, at = [], 0
    for found, _ in featured:
        chosen = choose(found, list(probabilities[at : at + len(found)]), threshold, DEFAULT_THRESHOLD)
        at += len(found)
        out.append([chosen[0].institution_id] if chosen else [])
    return out


def score(wanted, predicted) -> Score:
    sc = Score()
    for expected, found in zip(wanted, predicted, strict=True):
        sc.true_positive += len(expected & set(found))
        sc.false_positive += len(set(found) - expected)
        sc.false_negative += len(expected - set(found))
        sc.rows += 1
    return sc


def fit(x, y):
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=C, max_iter=2000, class_weight=None).fit(scaler.transform(x), y)
    return scaler, model


def to_reranker(scaler, model, threshold) -> Reranker:
    return Reranker(
        coefficients=tuple(float(c) for c in model.coef_[0]),
        intercept=float(model.intercept_[0]),
        means=tuple(float(m) for m in scaler.mean_),
        scales=tuple(float(s) for s in scaler.scale_),
        threshold=threshold,
    )


def cold(matcher) -> None:
    type(matcher)._candidates.cache_clear()
    type(matcher)._tokens.cache_clear()


def line(label, sc: Score) -> str:
    return f"| {label} | {sc.rows:,} | {sc.precision:.3f} | {sc.recall:.3f} | {sc.f1:.3f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED / "affiliations" / "affiliations_dev.jsonl")
    parser.add_argument("--registry", type=Path, default=SHARED / "ror")
    parser.add_argument("--cache", type=Path, default=ROOT / "var" / "cache")
    parser.add_argument("--maghreb", type=Path, default=MAGHREB)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--write", action="store_true", help=f"write {MODEL_PATH.relative_to(ROOT)}")
    parser.add_argument("--out", type=Path, help="write the figures (markdown) here too")
    args = parser.parse_args()
    for path in (args.data, args.registry):
        if not path.exists():
            sys.exit(f"{path}: not found (the shared data is needed to train the re-ranker)")
    locals_ = [inst for inst in local_institutions(LOCAL)] if LOCAL.exists() else []
    matcher = cached_matcher(args.registry, args.cache, extra=locals_)
    matcher.rerank = False
    rows = [json.loads(line) for line in args.data.open(encoding="utf-8") if line.strip()]
    if args.limit:
        rows = rows[: args.limit]
    dev = [r for r in rows if half_of(r) == "calibration"]
    hold = [r for r in rows if half_of(r) == "held-out"]

    dev_featured = featurise(matcher, [r["affiliation"] for r in dev])
    dev_wanted = [expected_ids(r) for r in dev]
    x, y, groups = matrix(dev_featured, dev_wanted)
    out_of_fold = np.zeros(len(y))
    folds = KFold(n_splits=5, shuffle=True, random_state=15)
    for train_rows, test_rows in folds.split(np.arange(len(dev))):
        train, test = np.isin(groups, train_rows), np.isin(groups, test_rows)
        scaler, model = fit(x[train], y[train])
        out_of_fold[test] = model.predict_proba(scaler.transform(x[test]))[:, 1]
    rules_dev = score(dev_wanted, [rules for _, rules in dev_featured])
    sweep = []
    for step in range(5, 96):
        t = step / 100
        sc = score(dev_wanted, picks(dev_featured, out_of_fold, t))
        sweep.append((sc.precision >= rules_dev.precision, sc.f1, t, sc))
    pool = [s for s in sweep if s[0]] or sweep
    best = max(pool, key=lambda s: (s[1], s[2]))
    threshold = best[2]
    scaler, model = fit(x, y)
    reranker = to_reranker(scaler, model, threshold)

    lines = [
        f"Re-ranker (logistic regression, {len(FEATURES)} features, top {TOP_K} candidates), trained on"
        f" the dev set's calibration half ({len(dev):,} strings, {len(y):,} candidates, {int(y.sum()):,}"
        " right), 5-fold cross-validation; main institution only.",
        "",
        f"Cross-validated on the calibration half (out of fold): rules P {rules_dev.precision:.3f}"
        f" R {rules_dev.recall:.3f} F1 {rules_dev.f1:.3f}; re-ranker at its calibrated threshold"
        f" {threshold:.2f}: P {best[3].precision:.3f} R {best[3].recall:.3f} F1 {best[3].f1:.3f}",
        "",
        "Coefficients (standardised features): "
        + ", ".join(f"{n} {c:+.2f}" for n, c in zip(FEATURES, reranker.coefficients, strict=True)),
    ]

    # the held-out half: never trained on (each timing starts with the matcher's caches cold)
    cold(matcher)
    start = time.process_time()
    for r in hold:
        matcher.match(r["affiliation"])
    rules_seconds = time.process_time() - start
    cold(matcher)
    start = time.process_time()
    hold_featured = featurise(matcher, [r["affiliation"] for r in hold])
    hold_wanted = [expected_ids(r) for r in hold]
    hx, _, _ = matrix(hold_featured, hold_wanted)
    hold_p = [reranker.probability(tuple(f)) for f in hx]
    hold_picks = picks(hold_featured, hold_p, threshold)
    rerank_seconds = time.process_time() - start
    lines += ["", f"Held-out half ({len(hold):,} strings), main institution:", ""]
    lines += ["| rows / method | n | precision | recall | F1 |", "|---|---|---|---|---|"]
    in_registry = [i for i, r in enumerate(hold) if r["all_expected_ids_in_registry"]]
    for label, subset in (("all", range(len(hold))), ("expected ids in the registry", in_registry)):
        wanted = [hold_wanted[i] for i in subset]
        lines.append(line(f"{label}, rules", score(wanted, [hold_featured[i][1] for i in subset])))
        lines.append(line(f"{label}, re-ranker", score(wanted, [hold_picks[i] for i in subset])))
    better = sum(
        1
        for w, r, m in zip(hold_wanted, hold_featured, hold_picks, strict=True)
        if set(m) == w and set(r[1]) != w
    )
    worse = sum(
        1
        for w, r, m in zip(hold_wanted, hold_featured, hold_picks, strict=True)
        if set(r[1]) == w and set(m) != w
    )
    changed = sum(1 for r, m in zip(hold_featured, hold_picks, strict=True) if r[1] != m)
    lines += [
        "",
        f"Strings whose main institution the re-ranker changes: {changed:,}; right and wrong by the rules:"
        f" {better:,}; wrong now and right by the rules: {worse:,}.",
        "",
        f"Speed on the held-out half (one core, CPU time): rules {len(hold) / rules_seconds:,.0f} strings/s,"
        f" re-ranker (rules + features + scoring) {len(hold) / rerank_seconds:,.0f} strings/s",
    ]

    if args.maghreb.exists():
        mrows = maghreb_rows(args.maghreb)
        featured = featurise(matcher, [r["string"] for r in mrows])
        mx, _, _ = matrix(featured, [set() for _ in mrows])
        mp = [reranker.probability(tuple(f)) for f in mx]
        mpicks = picks(featured, mp, threshold)
        lines += ["", f"Labelled Maghreb strings ({args.maghreb.name}, {len(mrows)} rows), main institution:"]
        lines += ["", "| country / method | n | precision | recall | F1 |", "|---|---|---|---|---|"]
        for country in ("MA", "DZ", "TN", "all"):
            subset = [i for i, r in enumerate(mrows) if country == "all" or r.get("country") == country]
            wanted = [{expected_of(mrows[i])} - {""} for i in subset]
            lines.append(line(f"{country}, rules", score(wanted, [featured[i][1] for i in subset])))
            lines.append(line(f"{country}, re-ranker", score(wanted, [mpicks[i] for i in subset])))

    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    if args.write:
        data = {
            "about": "bench/train_reranker.py (issue 15): logistic regression over standardised features",
            "features": list(FEATURES),
            "coefficients": [round(c, 6) for c in reranker.coefficients],
            "intercept": round(reranker.intercept, 6),
            "means": [round(m, 6) for m in reranker.means],
            "scales": [round(s, 6) for s in reranker.scales],
            "threshold": threshold,
            "top_k": TOP_K,
            "trained_on": f"{len(dev)} strings of the dev set's calibration half, 5-fold cross-validation",
        }
        MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
        MODEL_PATH.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"\nwrote {MODEL_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
