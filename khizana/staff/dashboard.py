"""The figures of the staff home (/staff/): per library, what is held and what needs attention.

Every figure is one aggregate query over all the libraries asked about (grouped by library), never one
query per record or per library: a network administrator's table of every library costs the same handful
of queries as a cataloguer's one library.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, Max, OuterRef
from django.db.models.functions import TruncMonth
from django.utils import timezone

from khizana.catalog.models import Holding, ImportRun, MatchReview, SourceRecord
from khizana.catalog.records import RecordKind
from khizana.harvest.models import HarvestRun
from khizana.libraries.models import Library

HARVEST_DAYS = 30  # failed harvests counted over this many days
MONTHS = 24  # the chart of records added per month


@dataclass
class LibraryFigures:
    """The counts of one library (``library`` None: the sum over several)."""

    library: Library | None
    records: int = 0  # active bibliographic records
    works: int = 0  # works holding at least one of them
    without_holdings: int = 0  # active bibliographic records with no Holding row
    imports: int = 0  # import runs
    last_run: ImportRun | None = None
    reviews: int = 0  # pairs of the review queue with a record of the library
    failed_harvests: int = 0  # failed harvest runs of the last HARVEST_DAYS days

    COUNTED = ("records", "works", "without_holdings", "imports", "reviews", "failed_harvests")


@dataclass
class Dashboard:
    libraries: list[LibraryFigures]
    total: LibraryFigures
    months: list[tuple[datetime.date, int]] = field(default_factory=list)


def _active_bibliographic(library_ids: list[int]):
    return SourceRecord.objects.filter(
        library_id__in=library_ids, deleted=False, kind=RecordKind.BIBLIOGRAPHIC
    )


def _by_library(queryset, key: str = "library_id", counted: str = "id", distinct: bool = False) -> dict:
    rows = queryset.order_by().values(key).annotate(n=Count(counted, distinct=distinct))
    return {row[key]: row["n"] for row in rows}


def review_counts(library_ids: list[int]) -> dict[int, int]:
    """Pairs waiting in the review queue per library (a pair counts once for each library it touches;
    pairs whose record was deleted are left out, as in the queue)."""
    waiting = MatchReview.objects.filter(record_a__deleted=False, record_b__deleted=False)
    counts: Counter[int] = Counter()
    counts.update(_by_library(waiting.filter(record_a__library_id__in=library_ids), "record_a__library_id"))
    counts.update(_by_library(waiting.filter(record_b__library_id__in=library_ids), "record_b__library_id"))
    both = waiting.filter(
        record_a__library_id__in=library_ids, record_a__library_id=F("record_b__library_id")
    )
    counts.subtract(_by_library(both, "record_a__library_id"))
    return dict(counts)


def library_figures(libraries: list[Library], now: datetime.datetime | None = None) -> list[LibraryFigures]:
    """The figures of each of ``libraries``, in their order."""
    now = now or timezone.now()
    ids = [library.pk for library in libraries]
    records = _active_bibliographic(ids)
    counts = {
        "records": _by_library(records),
        "works": _by_library(records.filter(work__isnull=False), counted="work_id", distinct=True),
        "without_holdings": _by_library(
            records.filter(~Exists(Holding.objects.filter(record_id=OuterRef("pk"))))
        ),
        "imports": _by_library(ImportRun.objects.filter(library_id__in=ids)),
        "reviews": review_counts(ids),
        "failed_harvests": _by_library(
            HarvestRun.objects.filter(
                source__library_id__in=ids,
                status=HarvestRun.Status.FAILED,
                queued_at__gte=now - datetime.timedelta(days=HARVEST_DAYS),
            ),
            key="source__library_id",
        ),
    }
    # The last run of each library: the newest run id per library, then those runs in one query.
    last_ids = (
        ImportRun.objects.filter(library_id__in=ids)
        .order_by()
        .values("library_id")
        .annotate(last=Max("id"))  # runs are numbered in the order they started
        .values_list("last", flat=True)
    )
    last_runs = {run.library_id: run for run in ImportRun.objects.filter(pk__in=list(last_ids))}
    rows = []
    for library in libraries:
        row = LibraryFigures(library, last_run=last_runs.get(library.pk))
        for name in LibraryFigures.COUNTED:
            setattr(row, name, counts[name].get(library.pk, 0))
        rows.append(row)
    return rows


def total_of(rows: list[LibraryFigures], reviews: int) -> LibraryFigures:
    """The sum of ``rows``; ``reviews`` is counted apart (a pair of two of the libraries counts once), and
    so are the works of several libraries (:func:`dashboard`)."""
    total = LibraryFigures(None)
    for name in LibraryFigures.COUNTED:
        setattr(total, name, sum(getattr(row, name) for row in rows))
    total.reviews = reviews
    return total


def month_starts(today: datetime.date, months: int = MONTHS) -> list[datetime.date]:
    """The first day of each of the last ``months`` months, the current one last."""
    year, month = today.year, today.month
    starts = []
    for _ in range(months):
        starts.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def records_per_month(
    library_ids: list[int], today: datetime.date | None = None, months: int = MONTHS
) -> list[tuple[datetime.date, int]]:
    """(first day of the month, bibliographic records received that month) for the last ``months``
    months, the current one included, months without records at 0 (one grouped query)."""
    today = today or timezone.localdate()
    starts = month_starts(today, months)
    since = timezone.make_aware(datetime.datetime.combine(starts[0], datetime.time.min))
    rows = (
        SourceRecord.objects.filter(
            library_id__in=library_ids, kind=RecordKind.BIBLIOGRAPHIC, received_at__gte=since
        )
        .annotate(month=TruncMonth("received_at"))
        .order_by()
        .values("month")
        .annotate(n=Count("id"))
    )
    counts: Counter[tuple[int, int]] = Counter()
    for row in rows:
        month = row["month"]
        counts[(month.year, month.month)] += row["n"]
    return [(start, counts.get((start.year, start.month), 0)) for start in starts]


def dashboard(libraries: list[Library], reviews: int, today: datetime.date | None = None) -> Dashboard:
    """Everything the staff home shows about ``libraries``; ``reviews`` is the length of the user's queue."""
    ids = [library.pk for library in libraries]
    rows = library_figures(libraries)
    total = total_of(rows, reviews)
    if len(rows) > 1:  # a work held by two of the libraries is one work
        held = _active_bibliographic(ids).filter(work__isnull=False)
        total.works = held.aggregate(n=Count("work_id", distinct=True))["n"]
    return Dashboard(libraries=rows, total=total, months=records_per_month(ids, today))
