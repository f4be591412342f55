"""The monthly usage aggregate: a closed month's reports, read from its totals, are the reports built from
its usage events, for every report, attribute and filter; months still open are read from the events."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command

from khizana.digital.counter import services
from khizana.digital.counter.reports import ACCESS_TYPES, REPORTS, Request, months_between, totals_usable
from khizana.digital.counter.tests.support import BROWSER, Network, month_id
from khizana.digital.models import UsageEvent, UsageMonth, UsageTotal

pytestmark = pytest.mark.django_db

ROBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def _busy_usage(network: Network, seed: int = 19) -> None:
    """A few hundred random events over the two past months: readers of both libraries and anonymous
    ones, two volumes of one work, an item opened both as Open and as Controlled in one session, double
    clicks, robots, and a double click across the end of a month."""
    rng = random.Random(seed)
    items = [network.ibar1, network.ibar2, network.miserables]
    readers = [(network.reader, network.rabat), (network.oran_reader, network.oran), (None, None)]
    events = []
    for session in range(60):
        user, library = readers[session % 3]
        at = (network.two_months_ago if session % 2 else network.last_month) + timedelta(
            days=rng.randrange(20), hours=rng.randrange(10)
        )
        agent = ROBOT if session % 11 == 0 else BROWSER
        for _ in range(rng.randint(1, 8)):
            item = rng.choice(items)
            action = rng.choice(("view", "read", "download", "search"))
            at += timedelta(seconds=rng.choice((5, 25, 31, 600)))
            events.append(
                UsageEvent(
                    occurred_at=at,
                    user=user,
                    session_key="" if user else f"anon-{session}",
                    item=item,
                    work_id=item.record.work_id,
                    library_id=item.library_id,
                    user_library=library,
                    action=action,
                    is_request=action in ("read", "download"),
                    access_type=rng.choice(("Open", "Controlled"))
                    if item is network.miserables
                    else "Controlled",
                    user_agent=agent,
                )
            )
    end_of_month = network.last_month.replace(day=1) - timedelta(seconds=10)  # the end of two months ago
    for at in (end_of_month, end_of_month + timedelta(seconds=20)):
        events.append(
            UsageEvent(
                occurred_at=at,
                user=network.reader,
                item=network.ibar1,
                work_id=network.ibar1.record.work_id,
                library_id=network.ibar1.library_id,
                user_library=network.rabat,
                action="read",
                is_request=True,
                access_type="Controlled",
                user_agent=BROWSER,
            )
        )
    UsageEvent.objects.bulk_create(events)


def _requests(months: list[str]) -> list[Request]:
    begin, end = date.fromisoformat(months[0] + "-01"), date.fromisoformat(months[-1] + "-01")
    asked = []
    for report in REPORTS:
        for attributes in ([], ["YOP", "Access_Type", "Access_Method"], ["Access_Type"], ["Access_Method"]):
            for access_types in (None, ["Open"], ["Controlled"], list(ACCESS_TYPES), ["Open", "Controlled"]):
                for yops in (None, [(1850, 1860)]):
                    asked.append(
                        Request(
                            report=report,
                            begin=begin,
                            end=end,
                            access_types=access_types,
                            attributes=attributes if report not in ("pr_p1", "tr_b1", "tr_b3") else [],
                            yops=yops,
                            months=months_between(begin, end),
                        )
                    )
    return asked


def _all_reports(customers, months, only_from_totals=False) -> list:
    return [
        services.make_report(c, r)["Report_Items"]
        for c in customers
        for r in _requests(months)
        if not only_from_totals or totals_usable(r)
    ]


def test_closed_months_give_the_reports_of_their_events():
    network = Network()
    _busy_usage(network)
    months = [month_id(network.two_months_ago), month_id(network.last_month)]
    customers = [services.network_customer(), services.customer_for(network.rabat)]
    customers.append(services.customer_for(network.oran))
    from_events = _all_reports(customers, months)
    assert any(from_events) and sum(1 for items in from_events if items) > 100

    assert services.months_to_close() == months
    for month in months:
        services.close_month(month)
    assert services.months_to_close() == []
    assert UsageTotal.objects.filter(month=months[0], network=True).exists()
    assert UsageTotal.objects.filter(access_type="*").exists()
    assert _all_reports(customers, months) == from_events
    # a closed month and an open one reported together: the open one from its events
    UsageMonth.objects.filter(month=months[1]).delete()
    assert _all_reports(customers, months) == from_events
    services.close_month(months[1])
    # the reports of the closed months come from the totals alone (some access types merged but not all:
    # from the events)
    from_totals = _all_reports(customers, months, only_from_totals=True)
    UsageEvent.objects.all().delete()
    assert _all_reports(customers, months, only_from_totals=True) == from_totals


def test_a_month_is_the_same_whatever_months_are_reported_with_it():
    network = Network()
    _busy_usage(network)
    months = [month_id(network.two_months_ago), month_id(network.last_month)]
    rabat = services.customer_for(network.rabat)
    together = services.make_report(rabat, _requests(months)[0])["Report_Items"]
    counts = together[0]["Attribute_Performance"][0]["Performance"]["Total_Item_Requests"]
    alone = services.make_report(rabat, _requests(months[:1])[0])["Report_Items"]
    assert alone[0]["Attribute_Performance"][0]["Performance"]["Total_Item_Requests"] == {
        months[0]: counts[months[0]]
    }


def test_closing_again_replaces_the_totals_and_counts_late_events():
    network = Network()
    month = month_id(network.last_month)
    first = services.close_month(month)
    assert first.events == 1 and UsageTotal.objects.filter(month=month).count() == first.totals
    request = _requests([month])[0]  # PR, no attributes
    before = services.make_report(services.network_customer(), request)["Report_Items"]
    UsageEvent.objects.create(
        occurred_at=network.last_month + timedelta(days=2),
        user=network.oran_reader,
        item=network.ibar1,
        work_id=network.ibar1.record.work_id,
        library_id=network.ibar1.library_id,
        user_library=network.oran,
        action="download",
        is_request=True,
        access_type="Controlled",
        user_agent=BROWSER,
    )
    assert services.make_report(services.network_customer(), request)["Report_Items"] == before  # closed
    again = services.close_month(month)
    assert again.events == 2 and UsageMonth.objects.filter(month=month).count() == 1
    after = services.make_report(services.network_customer(), request)["Report_Items"]
    performance = after[0]["Attribute_Performance"][0]["Performance"]
    assert performance["Total_Item_Requests"] == {month: 2}


def test_the_command_closes_ended_months_and_refuses_others(capsys):
    network = Network()
    call_command("digital", "close-months")
    output = capsys.readouterr().out
    assert f"{month_id(network.two_months_ago)}: 7 usage events" in output
    assert f"{month_id(network.last_month)}: 1 usage events" in output
    this_month = month_id(network.last_month + timedelta(days=40))
    with pytest.raises(CommandError, match=f"{this_month}: the month has not ended yet"):
        call_command("digital", "close-months", this_month)
    with pytest.raises(CommandError, match="2026-13: not a month"):
        call_command("digital", "close-months", "2026-13")
    assert not UsageMonth.objects.filter(month=this_month).exists()
