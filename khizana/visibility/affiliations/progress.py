"""Progress over time: an institution's share of publications whose affiliations are correct and
complete, per report (in the order they were sent) and per publication year of one report, before
the corrections (the report as first analysed) and after them (as last analysed), read from the
reports' :class:`~khizana.visibility.models.ReportFigure` rows (see :mod:`.figures`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet, Sum

from khizana.visibility.models import AffiliationReport, Institution, ReportFigure

FIRST, LATEST = ReportFigure.Stage.FIRST, ReportFigure.Stage.LATEST


@dataclass
class Figures:
    """Publications and correct ones, before and after the corrections."""

    publications_before: int = 0
    correct_before: int = 0
    publications_after: int = 0
    correct_after: int = 0

    @property
    def share_before(self) -> float:
        return 100 * self.correct_before / self.publications_before if self.publications_before else 0.0

    @property
    def share_after(self) -> float:
        return 100 * self.correct_after / self.publications_after if self.publications_after else 0.0

    def add(self, stage: str, publications: int, correct: int) -> None:
        if stage == FIRST:
            self.publications_before += publications
            self.correct_before += correct
        else:
            self.publications_after += publications
            self.correct_after += correct


def report_totals(report: AffiliationReport, institution_id: str) -> Figures | None:
    """The institution's figures in one report (None when the report does not name it)."""
    rows = (
        report.figures.filter(institution=institution_id)
        .values("stage")
        .annotate(publications=Sum("publications"), correct=Sum("correct"))
    )
    figures = None
    for row in rows:
        figures = figures or Figures()
        figures.add(row["stage"], row["publications"], row["correct"])
    return figures


def per_report(
    institution: Institution, reports: QuerySet[AffiliationReport]
) -> list[tuple[AffiliationReport, Figures]]:
    """Each report of ``reports`` naming the institution, oldest first, with its figures."""
    rows = (
        ReportFigure.objects.filter(institution=institution.identifier, report__in=reports)
        .values("report_id", "stage")
        .annotate(publications=Sum("publications"), correct=Sum("correct"))
    )
    by_report: dict[int, Figures] = {}
    for row in rows:
        by_report.setdefault(row["report_id"], Figures()).add(
            row["stage"], row["publications"], row["correct"]
        )
    found = AffiliationReport.objects.filter(pk__in=by_report).order_by("created_at", "pk")
    return [(report, by_report[report.pk]) for report in found]


def per_year(institution: Institution, report: AffiliationReport) -> list[tuple[int, Figures]]:
    """The institution's figures in ``report`` per publication year (0: year unknown, last)."""
    by_year: dict[int, Figures] = {}
    for row in report.figures.filter(institution=institution.identifier).values(
        "year", "stage", "publications", "correct"
    ):
        by_year.setdefault(row["year"], Figures()).add(row["stage"], row["publications"], row["correct"])
    return sorted(by_year.items(), key=lambda item: (item[0] == 0, item[0]))


def institutions_with_reports(reports: QuerySet[AffiliationReport]) -> QuerySet[Institution]:
    """The institutions that own some of ``reports`` (the research offices' institutions)."""
    return Institution.objects.filter(pk__in=reports.values("owner_id")).order_by("sort_key", "pk")
