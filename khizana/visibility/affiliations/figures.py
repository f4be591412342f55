"""What an analysis keeps for the correction loop and the progress charts (no Django import).

- ``institution_figures``: per institution named (the one an address matches and every institution
  above it) and publication year, the publications and those whose every affiliation naming the
  institution is correct and complete, that is without any anomaly: recognised, written with a
  registered name, with its parent, with the right country. An address the registry does not
  recognise counts for no institution: once a research officer links it to its institution (a
  correction), the next analysis counts it, as a variant name until the database writes it right.
- ``address_rows``: every distinct address of the analysis with how often it occurs, what it was
  matched to and its anomalies: the list a research officer corrects from (``addresses.json``).
- ``address_key``: the short, stable key of an address in URLs and corrections.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from khizana.visibility.anomalies import NOT_FOUND, Analysis, Hierarchy

UNKNOWN_YEAR = 0


def address_key(raw: str) -> str:
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


def institution_figures(analysis: Analysis, hierarchy: Hierarchy) -> dict[tuple[str, int], tuple[int, int]]:
    """(institution id, year) -> (publications, correct publications)."""
    correct: dict[tuple[str, str], bool] = {}  # (institution, publication) -> every affiliation correct
    year_of: dict[str, int] = {}
    for finding in analysis.affiliation_findings:
        year_of.setdefault(finding.publication_id, finding.year or UNKNOWN_YEAR)
        named: dict[str, None] = {}
        for match in finding.matches:
            named[match.id] = None
            info = hierarchy(match.id)
            for ancestor in info.ancestor_ids if info else ():
                named[ancestor] = None
        for institution_id in named:
            pair = (institution_id, finding.publication_id)
            correct[pair] = correct.get(pair, True) and not finding.anomalies
    counts: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for (institution_id, publication_id), fine in correct.items():
        row = counts[(institution_id, year_of[publication_id])]
        row[0] += 1
        row[1] += fine
    return {key: (row[0], row[1]) for key, row in counts.items()}


def address_rows(analysis: Analysis) -> list[dict]:
    """Each distinct address once: the unrecognised first, then the most frequent."""
    rows: dict[str, dict] = {}
    publications: dict[str, set[str]] = defaultdict(set)
    for finding in analysis.affiliation_findings:
        row = rows.get(finding.raw)
        if row is None:
            row = rows[finding.raw] = {
                "key": address_key(finding.raw),
                "raw": finding.raw,
                "count": 0,
                "publications": 0,
                "country": finding.country_code,
                "matches": [
                    {"id": m.id, "name": m.name, "top_id": m.top_id, "top_name": m.top_name}
                    for m in finding.matches
                ],
                "anomalies": list(dict.fromkeys(finding.codes)),
            }
        row["count"] += 1
        publications[finding.raw].add(finding.publication_id)
    for raw, row in rows.items():
        row["publications"] = len(publications[raw])
    return sorted(rows.values(), key=lambda r: (NOT_FOUND not in r["anomalies"], -r["count"], r["raw"]))
