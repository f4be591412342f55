"""Scoring the affiliation matcher on labelled strings (no Django import).

Used by ``bench/affiliation_bench.py``, ``bench/train_reranker.py`` and the tests that check the goals of
issue 15 on the labelled Maghreb set:

- ``local_institutions(path)``: the local institutions of a Khizana registry export (JSON lines,
  ``demo/registry/local_institutions.jsonl``) as the matcher's ``RegistryInstitution`` objects; one that
  carries a ROR id (``ror_id``) is known by it, as the database registry does (``identifier``);
- ``maghreb_rows(path)``: the labelled Maghreb strings, each with its ``string``, its ``country`` and
  the one expected institution (``expected_ror`` or ``expected_local_key``; none expected when both are
  empty);
- ``Score``: precision, recall and F1 of the main institution against the expected one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from khizana.visibility.registry.data import RegistryInstitution
from khizana.visibility.registry.files import export_row


def local_institutions(path: Path | str) -> list[RegistryInstitution]:
    """The institutions of a Khizana registry export; ``ror_id`` (when given) is the identifier."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    identifier = {r["id"]: (r.get("ror_id") or r["id"]).strip() for r in records}
    out = []
    for number, record in enumerate(records, start=1):
        row = export_row({k: v for k, v in record.items() if k != "ror_id"}, number)
        labels: dict[str, list[str]] = {}
        kinds: dict[str, list[str]] = {"alias": [], "acronym": [], "variant": []}
        for name in row.names:
            if name.kind == "label":
                labels.setdefault(name.language, []).append(name.value)
            else:
                kinds[name.kind].append(name.value)
        out.append(
            RegistryInstitution(
                id=identifier[row.id],
                name=row.name,
                names={language: tuple(values) for language, values in labels.items()},
                aliases=tuple(kinds["alias"] + kinds["variant"]),
                acronyms=tuple(kinds["acronym"]),
                labels=tuple(v for values in labels.values() for v in values if v != row.name),
                country_code=row.country_code,
                city=row.city,
                types=row.types or ((row.kind,) if row.kind else ()),
                parent_ids=tuple(identifier.get(p, p) for p in row.parent_ids),
                status=row.status,
                cities=(row.city,) if row.city else (),
                country_codes=(row.country_code,) if row.country_code else (),
            )
        )
    return out


def expected_of(row: dict) -> str:
    """The expected institution of a labelled Maghreb row ("" when none is expected): its ROR id (a
    local institution that carries one is known by it), else its local key."""
    for field in ("expected_ror", "ror", "expected_local_key", "local_key"):
        if row.get(field):
            return row[field].strip()
    return ""


def maghreb_rows(path: Path | str) -> list[dict]:
    """The labelled rows of a JSON-lines file (``string``, ``country``, ``ror`` or ``local_key``)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@dataclass
class Score:
    """Precision, recall and F1 of predicted ids against expected ids, added row by row."""

    rows: int = 0
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    none_rows: int = 0  # rows whose institution is not in the registry
    none_right: int = 0  # ...for which nothing was predicted, as it should

    def add(self, expected: Iterable[str], predicted: Iterable[str]) -> None:
        expected, predicted = set(expected) - {""}, set(predicted)
        self.rows += 1
        self.true_positive += len(expected & predicted)
        self.false_positive += len(predicted - expected)
        self.false_negative += len(expected - predicted)
        if not expected:
            self.none_rows += 1
            self.none_right += not predicted

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positive + self.false_negative
        return self.true_positive / wanted if wanted else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_by_country(rows: list[dict], predicted: list[list[str]]) -> dict[str, Score]:
    """Per country (and ``all``), the main institution of each row against the expected one."""
    scores: dict[str, Score] = {}
    for row, found in zip(rows, predicted, strict=True):
        main = found[:1]
        for group in ("all", row.get("country") or "?"):
            scores.setdefault(group, Score()).add([expected_of(row)], main)
    return scores
