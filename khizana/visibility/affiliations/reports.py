"""Reports of an affiliation analysis (no Django import): per institution, shares, corrections, files.

- ``institution_rows``: one row per top institution (a lab or a faculty rolls up to its university):
  publications, affiliations and, per anomaly type, the count and the share of its affiliations;
  affiliations naming no institution are one row of their own (id "");
- ``summary``: the same over the whole analysis, with the author anomalies;
- ``correction_rows``: what to send to the database providers, one row per affiliation or author
  anomaly;
- writers: ``write_report_csv``, ``write_corrections_csv``, ``write_corrections_xlsx`` (openpyxl);
- ``anomaly_chart``, the chart of the anomaly shares (:mod:`khizana.core.charts`), ``anomaly_page`` the
  same with its table as a page that opens offline, and ``chart_text`` as plain text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from khizana.core.charts import Bar, Chart, horizontal_bar_chart, standalone_page
from khizana.core.textnorm import normalise
from khizana.visibility.anomalies import (
    AFFILIATION_ANOMALIES,
    AUTHOR_NAME_FORMS,
    AUTHOR_SEVERAL_IDS,
    AffiliationFinding,
    Analysis,
    Hierarchy,
    country_name,
)

ROR_PREFIX = "https://ror.org/"
NO_INSTITUTION = "(no institution recognised)"
ANOMALY_LABELS = {
    "not_found": "institution not found",
    "no_country": "no country",
    "variant_name": "variant name",
    "missing_parent": "without its parent",
    "country_mismatch": "country inconsistent",
    AUTHOR_NAME_FORMS: "several name forms for one identifier",
    AUTHOR_SEVERAL_IDS: "one name under several identifiers",
}
REPORT_COLUMNS = (
    "institution_id", "institution", "country", "publications", "affiliations", "with_anomaly",
    *(f"{code}_count" for code in AFFILIATION_ANOMALIES),
    *(f"{code}_share" for code in AFFILIATION_ANOMALIES),
)  # fmt: skip
CORRECTION_COLUMNS = (
    "kind", "publication_id", "file", "record", "year", "title", "authors", "affiliation", "anomalies",
    "explanation", "institution_id", "institution", "parent", "country", "correction", "matched",
)  # fmt: skip


@dataclass
class InstitutionRow:
    institution_id: str  # "" for the affiliations that name no institution
    name: str
    country_code: str = ""
    publication_ids: set[str] = field(default_factory=set)
    affiliations: int = 0
    with_anomaly: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(AFFILIATION_ANOMALIES, 0))

    @property
    def publications(self) -> int:
        return len(self.publication_ids)

    def share(self, code: str) -> float:
        return self.counts[code] / self.affiliations if self.affiliations else 0.0

    def add(self, finding: AffiliationFinding) -> None:
        self.publication_ids.add(finding.publication_id)
        self.affiliations += 1
        self.with_anomaly += bool(finding.anomalies)
        for code in dict.fromkeys(finding.codes):
            self.counts[code] += 1


def institution_rows(analysis: Analysis, hierarchy: Hierarchy) -> list[InstitutionRow]:
    """One row per top institution named by the affiliations, most publications first."""
    rows: dict[str, InstitutionRow] = {}
    for finding in analysis.affiliation_findings:
        for top_id in finding.top_ids or [""]:
            if top_id not in rows:
                info = hierarchy(top_id) if top_id else None
                name = info.name if info else NO_INSTITUTION
                rows[top_id] = InstitutionRow(top_id, name, info.country_code if info else "")
            rows[top_id].add(finding)
    return sorted(rows.values(), key=lambda r: (r.institution_id == "", -r.publications, r.name))


def summary(analysis: Analysis) -> InstitutionRow:
    """The whole analysis as one row (every affiliation once)."""
    total = InstitutionRow("*", "all institutions")
    for finding in analysis.affiliation_findings:
        total.add(finding)
    return total


def author_counts(analysis: Analysis) -> dict[str, int]:
    counts = {AUTHOR_NAME_FORMS: 0, AUTHOR_SEVERAL_IDS: 0}
    for finding in analysis.author_findings:
        counts[finding.code] += 1
    return counts


def for_institution(analysis: Analysis, wanted: str, hierarchy: Hierarchy) -> Analysis:
    """Only the affiliations naming ``wanted`` (a ROR id, with or without https://ror.org/, a local id,
    or a name) or one of its parts; the author findings of their publications."""
    ids = _wanted_ids(analysis, wanted)
    findings = [
        f for f in analysis.affiliation_findings
        if any(m.id in ids or m.top_id in ids or ids & set(_ancestors(m.id, hierarchy)) for m in f.matches)
    ]  # fmt: skip
    publications = {f.publication_id for f in findings}
    authors = [a for a in analysis.author_findings if publications & set(a.publication_ids)]
    return Analysis(len(publications), findings, authors)


def _wanted_ids(analysis: Analysis, wanted: str) -> set[str]:
    wanted = wanted.strip()
    ids = {wanted}
    if not wanted.startswith(("http", "local:")):
        ids.add(ROR_PREFIX + wanted)
    key = normalise(wanted)
    for finding in analysis.affiliation_findings:
        for match in finding.matches:
            if normalise(match.name) == key:
                ids.add(match.id)
            if normalise(match.top_name) == key:
                ids.add(match.top_id)
    return ids


def _ancestors(institution_id: str, hierarchy: Hierarchy) -> tuple[str, ...]:
    info = hierarchy(institution_id)
    return info.ancestor_ids if info else ()


# --- corrections ------------------------------------------------------------------------------------


def correction_rows(analysis: Analysis, *, with_texts: bool = False) -> list[dict]:
    """One row per affiliation with anomalies, then one per author anomaly (CORRECTION_COLUMNS).

    The explanations and corrections are in English: the CSV and XLSX files go to database providers.
    ``with_texts`` adds ``texts``, the code and values of each anomaly, from which the pages write them
    in the reader's language (``anomaly_texts``)."""
    rows = []
    for finding in analysis.affiliation_findings:
        if not finding.anomalies:
            continue
        main = finding.matches[0] if finding.matches else None
        rows.append({
            "kind": "affiliation",
            "publication_id": finding.publication_id,
            "file": finding.file,
            "record": str(finding.record_number),
            "year": str(finding.year or ""),
            "title": finding.title,
            "authors": "; ".join(finding.authors),
            "affiliation": finding.raw,
            "anomalies": " ".join(finding.codes),
            "explanation": "; ".join(a.explanation for a in finding.anomalies),
            "institution_id": main.id if main else "",
            "institution": finding.suggested_institution,
            "parent": finding.suggested_parent,
            "country": finding.suggested_country or country_name(main.country_code if main else ""),
            "correction": "; ".join(a.correction for a in finding.anomalies),
            "matched": "; ".join(f"{m.name} [{m.id}] {m.score:.2f}: {m.reason}" for m in finding.matches),
        })  # fmt: skip
        if with_texts:
            rows[-1]["texts"] = [{"code": a.code, "params": dict(a.params)} for a in finding.anomalies]
    for author in analysis.author_findings:
        rows.append({
            **dict.fromkeys(CORRECTION_COLUMNS, ""),
            "kind": "author",
            "publication_id": " ".join(author.publication_ids),
            "authors": "; ".join(author.name_forms),
            "anomalies": author.code,
            "explanation": author.explanation,
            "institution_id": f"{author.identifier_kind}: {', '.join(author.identifiers)}",
            "correction": author.correction,
        })  # fmt: skip
        if with_texts:
            rows[-1]["texts"] = [{"code": author.code, "params": dict(author.params)}]
    return rows


# --- writers ----------------------------------------------------------------------------------------


def report_table(rows: Iterable[InstitutionRow]) -> list[list[str]]:
    """The per-institution table with its header, shares as percentages with one decimal."""
    table = [list(REPORT_COLUMNS)]
    for row in rows:
        table.append([
            row.institution_id, row.name, row.country_code, str(row.publications), str(row.affiliations),
            str(row.with_anomaly), *(str(row.counts[c]) for c in AFFILIATION_ANOMALIES),
            *(f"{100 * row.share(c):.1f}" for c in AFFILIATION_ANOMALIES),
        ])  # fmt: skip
    return table


def write_report_csv(rows: Iterable[InstitutionRow], out: IO[str]) -> None:
    csv.writer(out).writerows(report_table(rows))


def write_corrections_csv(rows: list[dict[str, str]], out: IO[str]) -> None:
    writer = csv.DictWriter(out, fieldnames=CORRECTION_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)


def write_corrections_xlsx(
    rows: list[dict[str, str]], institutions: list[InstitutionRow], path: Path | str | IO[bytes]
) -> None:
    """A workbook: the affiliation corrections, the author corrections, the per-institution table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheets = [
        ("Affiliations", [r for r in rows if r["kind"] == "affiliation"]),
        ("Authors", [r for r in rows if r["kind"] == "author"]),
    ]
    for index, (title, sheet_rows) in enumerate(sheets):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = title
        sheet.append(list(CORRECTION_COLUMNS))
        for row in sheet_rows:
            sheet.append([_cell(row[column]) for column in CORRECTION_COLUMNS])
        _finish(sheet, Font)
    sheet = workbook.create_sheet("Institutions")
    for line in report_table(institutions):
        sheet.append([_cell(v) for v in line])
    _finish(sheet, Font)
    workbook.save(path)


def _cell(value: str) -> str:
    """A text cell that a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _finish(sheet, font_class) -> None:
    for cell in sheet[1]:
        cell.font = font_class(bold=True)
    sheet.freeze_panes = "A2"


# --- chart ------------------------------------------------------------------------------------------


def chart_shares(
    total: InstitutionRow, labels: Mapping[str, str] | None = None
) -> list[tuple[str, str, float, int]]:
    """(code, label, share, count) of every affiliation anomaly type, in a fixed order."""
    labels = labels or ANOMALY_LABELS
    return [(c, str(labels[c]), total.share(c), total.counts[c]) for c in AFFILIATION_ANOMALIES]


def chart_text(total: InstitutionRow) -> str:
    """The chart as plain text lines: label, percentage, count."""
    lines = [f"{'anomaly':<24} {'share':>7} {'count':>7}"]
    for _code, label, share, count in chart_shares(total):
        lines.append(f"{label:<24} {100 * share:>6.1f}% {count:>7}")
    return "\n".join(lines)


def anomaly_chart(
    total: InstitutionRow,
    title: str = "Share of affiliations with each anomaly",
    labels: Mapping[str, str] | None = None,
    *,
    language: str = "en",
    rtl: bool = False,
) -> Chart:
    """A bar chart (lying down: long labels) of the anomaly shares, in %, whose text lists every share."""
    bars = [Bar(label, round(100 * share, 1)) for _code, label, share, _count in chart_shares(total, labels)]
    return horizontal_bar_chart(
        bars,
        title=title,
        description=f"{total.affiliations} affiliations",
        chart_id="anomaly-shares",
        number=lambda value: f"{value:.1f}%",
        value_title="%",
        top=100,
        language=language,
        rtl=rtl,
    )


def anomaly_page(total: InstitutionRow, scripts: Sequence[str]) -> str:
    """anomalies.html: the chart and its table as one page that opens offline (``scripts``: Chart.js and
    the drawer, written into it; see :func:`khizana.core.charts.standalone_page`)."""
    return standalone_page(
        [anomaly_chart(total)],
        title="Affiliation anomalies",
        scripts=scripts,
        note=f"{total.affiliations} affiliations, of which {total.with_anomaly} with at least one anomaly.",
    )
