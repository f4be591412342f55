"""Usage and cost per use, per resource, institution and month, from the harvested COUNTER reports and the
costs of the agreements.

- **Uses** of a month come from one report, the first harvested that month of TR, DR, PR (they count the
  same use; adding them would count it twice): requests are its ``Unique_Item_Requests`` (else
  ``Total_Item_Requests``), investigations its ``Total_Item_Investigations``; searches come from DR
  (``Searches_Regular``) else PR (``Searches_Platform``). Open-access use (``Access_Type`` other than
  Controlled) is left out, as the COUNTER cost-per-use views (TR_J1, TR_B1) do: nobody paid for it.
- **Cost** of a month: each period of an agreement that holds the resource gives its ``cost_per_year``
  divided among the agreement's resources, prorated by the days of the month it covers (a day is a 365th,
  or a 366th, of a year). The cost belongs to the agreement's institution, or to the network for a
  network agreement: a resource licensed for the network has its cost per use on the network line, whose
  uses are the network account's report or, without one, the sum of the institutions' reports.
- A line says what is missing: no cost recorded, usage not harvested, or nothing used (a cost per use
  of nothing is not a number).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from khizana.libraries.models import Library

from ..models import AgreementPeriod, Resource, UsageCount, UsageHarvest
from .reader import month_id, months_between

SOURCES = ("TR", "DR", "PR")
REQUEST_METRICS = ("Unique_Item_Requests", "Total_Item_Requests")
SEARCH_METRICS = {"DR": "Searches_Regular", "PR": "Searches_Platform"}
PAID_ACCESS = Q(access_type="") | Q(access_type="Controlled")
CENT = Decimal("0.01")


@dataclass
class UsageLine:
    resource_id: int
    resource_code: str
    resource_name: str
    library_id: int | None
    library_code: str  # "" for the network
    month: str
    source: str = ""  # the report the uses come from
    requests: int | None = None
    investigations: int | None = None
    searches: int | None = None
    cost: Decimal | None = None
    currency: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def cost_per_request(self) -> Decimal | None:
        if self.cost is None or not self.requests:
            return None
        return (self.cost / self.requests).quantize(CENT, ROUND_HALF_UP)

    @property
    def cost_per_search(self) -> Decimal | None:
        if self.cost is None or not self.searches:
            return None
        return (self.cost / self.searches).quantize(CENT, ROUND_HALF_UP)


def _month_bounds(month: str) -> tuple[date, date]:
    year, number = int(month[:4]), int(month[5:7])
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


def month_cost(cost_per_year: Decimal, start: date, end: date, month: str) -> Decimal:
    """The part of a yearly cost that falls in ``month`` for a period from ``start`` to ``end``."""
    first, last = _month_bounds(month)
    days = (min(end, last) - max(start, first)).days + 1
    if days <= 0:
        return Decimal(0)
    year_days = 366 if calendar.isleap(first.year) else 365
    return cost_per_year * days / year_days


def costs(
    resource_ids: list[int], months: list[str]
) -> dict[tuple[int, int | None, str], tuple[Decimal, str]]:
    """(resource, institution or None, month) -> (cost, currency) from the agreements' periods."""
    if not months:
        return {}
    begin, end = _month_bounds(months[0])[0], _month_bounds(months[-1])[1]
    periods = (
        AgreementPeriod.objects.filter(
            agreement__resources__in=resource_ids,
            cost_per_year__isnull=False,
            start_date__lte=end,
            end_date__gte=begin,
        )
        .select_related("agreement")
        .distinct()
    )
    found: dict[tuple[int, int | None, str], tuple[Decimal, str]] = {}
    for period in periods:
        held = list(period.agreement.resources.values_list("pk", flat=True))
        share = period.cost_per_year / len(held)
        for resource_id in held:
            if resource_id not in resource_ids:
                continue
            for month in months:
                amount = month_cost(share, period.start_date, period.end_date, month)
                if not amount:
                    continue
                key = (resource_id, period.agreement.library_id, month)
                before, currency = found.get(key, (Decimal(0), period.currency))
                if before and currency != period.currency:
                    currency = "?"  # several currencies: the page says so rather than add them up
                found[key] = (before + amount, currency)
    return {
        key: (amount.quantize(CENT, ROUND_HALF_UP), currency) for key, (amount, currency) in found.items()
    }


def usage_lines(
    resources: list[Resource], begin: str, end: str, library_ids: set[int | None] | None = None
) -> list[UsageLine]:
    """Usage and cost per use of ``resources`` for every month from ``begin`` to ``end`` (yyyy-mm), one line
    per resource, institution (None: the network) and month that has usage or a cost; ``library_ids``
    limits the institutions shown (None: all)."""
    months = months_between(begin, end)
    ids = [r.pk for r in resources]
    by_id = {r.pk: r for r in resources}
    first, last = _month_bounds(begin)[0], _month_bounds(end)[1]
    harvested: dict[tuple[int, int | None, str], set[str]] = defaultdict(set)
    for resource_id, library_id, report_id, month in UsageHarvest.objects.filter(
        resource_id__in=ids,
        month__gte=first,
        month__lte=last,
        status__in=[UsageHarvest.Status.DONE, UsageHarvest.Status.NO_USAGE],
        report_id__in=SOURCES,
    ).values_list("resource_id", "library_id", "report_id", "month"):
        harvested[(resource_id, library_id, month_id(month))].add(report_id)
    counts: dict[tuple[int, int | None, str], dict[tuple[str, str], int]] = defaultdict(dict)
    for row in (
        UsageCount.objects.filter(
            resource_id__in=ids, month__gte=first, month__lte=last, report_id__in=SOURCES
        )
        .filter(PAID_ACCESS)
        .values("resource_id", "library_id", "month", "report_id", "metric_type")
        .annotate(total=Sum("count"))
    ):
        key = (row["resource_id"], row["library_id"], month_id(row["month"]))
        counts[key][(row["report_id"], row["metric_type"])] = row["total"]
    cost_of = costs(ids, months)
    keys = set(harvested) | set(cost_of)
    # a network cost without a network report: the institutions' reports add up
    for resource_id, library_id, month in list(cost_of):
        if library_id is None and (resource_id, None, month) not in harvested:
            institutions = [
                k for k in harvested if k[0] == resource_id and k[2] == month and k[1] is not None
            ]
            for key in institutions:
                for report_id in harvested[key]:
                    harvested[(resource_id, None, month)].add(report_id)
                network = counts[(resource_id, None, month)]
                for metric, total in counts[key].items():
                    network[metric] = network.get(metric, 0) + total
    library_codes = dict(
        Library.objects.filter(pk__in={k[1] for k in keys if k[1]}).values_list("pk", "code")
    )
    lines = []
    for resource_id, library_id, month in sorted(
        keys, key=lambda k: (by_id[k[0]].sort_name, library_codes.get(k[1], ""), k[2])
    ):
        if library_ids is not None and library_id not in library_ids:
            continue
        resource = by_id[resource_id]
        line = UsageLine(
            resource_id, resource.code, resource.name, library_id, library_codes.get(library_id, ""), month
        )
        reports = harvested.get((resource_id, library_id, month), set())
        found = counts.get((resource_id, library_id, month), {})
        source = next((r for r in SOURCES if r in reports), "")
        if source:
            line.source = source
            line.requests = next((found[(source, m)] for m in REQUEST_METRICS if (source, m) in found), 0)
            line.investigations = found.get((source, "Total_Item_Investigations"), 0)
            search_source = next((r for r in ("DR", "PR") if r in reports), "")
            if search_source:
                line.searches = found.get((search_source, SEARCH_METRICS[search_source]), 0)
        else:
            line.notes.append(_("usage not harvested"))
        if (resource_id, library_id, month) in cost_of:
            line.cost, line.currency = cost_of[(resource_id, library_id, month)]
            if line.currency == "?":
                line.notes.append(_("costs in several currencies"))
        else:
            line.notes.append(_("no cost recorded"))
        if line.cost is not None and source and not line.requests:
            line.notes.append(_("no request: no cost per use"))
        lines.append(line)
    return lines
