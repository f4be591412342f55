"""The staff home as a dashboard, over HTTP: each count is right and links to the list behind it (which
shows as many), the network administrator's table of every library, the chart of the records added per
month with its table, and a number of queries that does not grow with the libraries."""

import datetime
import re

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from khizana.catalog.models import Holding, ImportRun, MatchReview, SourceRecord
from khizana.harvest.models import HarvestRun, HarvestSource
from khizana.staff import dashboard
from khizana.testing import chart_on_page, make_library


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def home(user) -> str:
    response = client_for(user).get(reverse("staff:home"))
    assert response.status_code == 200
    return response.content.decode()


def figure(html: str, name: str) -> tuple[str, int]:
    """(link, count) of one figure of the staff home."""
    found = re.search(rf'class="figure-{name}" href="([^"]+)"><strong>([\d\s,.\u202f\xa0]+)</strong>', html)
    assert found, name
    return found.group(1).replace("&amp;", "&"), int(re.sub(r"\D", "", found.group(2)))


def active(library):
    return SourceRecord.objects.filter(library=library, deleted=False, kind="bibliographic")


def without_holdings(library):
    return active(library).filter(~Exists(Holding.objects.filter(record_id=OuterRef("pk"))))


@pytest.fixture
def activity(catalog):
    """What needs attention: pairs to review, records without holdings, failed harvests, rejected records."""
    a = SourceRecord.objects.filter(library=catalog["a"], source_file="xbib_IRMARC8.mrc").order_by("id")
    b = SourceRecord.objects.filter(library=catalog["b"], source_file="medialab_cotesBR.mrc").order_by("id")
    MatchReview.objects.create(record_a=a[0], record_b=a[1], kind="conflict", score=0.6)
    MatchReview.objects.create(record_a=a[0], record_b=b[0], kind="near", score=0.8)
    MatchReview.objects.create(record_a=b[0], record_b=b[1], kind="near", score=0.7)
    Holding.objects.filter(record=a[2]).delete()
    source = HarvestSource.objects.create(library=catalog["a"], base_url="https://oai.example.org/")
    run = dict(source=source, base_url=source.base_url)
    HarvestRun.objects.create(status="failed", **run)
    old = HarvestRun.objects.create(status="failed", **run)
    HarvestRun.objects.filter(pk=old.pk).update(queued_at=timezone.now() - datetime.timedelta(days=40))
    HarvestRun.objects.create(status="finished", **run)
    ImportRun.objects.filter(library=catalog["a"]).order_by("-id").update(records_rejected=3)
    return catalog


def test_a_cataloguers_counts_are_right_and_link_to_their_lists(users, activity):
    lib_a = activity["a"]
    html = home(users["cataloguer_a"])
    client = client_for(users["cataloguer_a"])

    link, count = figure(html, "records")
    assert count == active(lib_a).count() and link == reverse("staff:records") + "?all=1&library=LIBA"
    listed = client.get(link)
    assert listed.context["page"].paginator.count == count

    link, count = figure(html, "works")
    held = active(lib_a).exclude(work=None).values("work").distinct().count()
    assert count == held and link == reverse("web:search") + "?library=LIBA"

    link, count = figure(html, "without-holdings")
    expected = set(without_holdings(lib_a).values_list("pk", flat=True))
    assert count == len(expected) >= 1 and link == reverse("staff:records") + "?holdings=none&library=LIBA"
    listed = client.get(link)
    assert {record.pk for record in listed.context["page"].object_list} == expected

    link, count = figure(html, "reviews")
    assert count == 2 and link == reverse("staff:review-list")  # A with A, A with B; not B with B
    assert client.get(link).context["page"].paginator.count == 2

    link, count = figure(html, "imports")
    assert count == ImportRun.objects.filter(library=lib_a).count() == 2
    assert link == reverse("staff:imports") + "?library=LIBA"
    assert len(client.get(link).context["runs"]) == 2

    link, count = figure(html, "failed-harvests")
    assert count == 1  # the one of 40 days ago is not counted, nor the finished one
    assert link == reverse("harvest:library", args=["LIBA"]) and client.get(link).status_code == 200

    # the last imports with their reject counts
    assert html.count(
        reverse("staff:import-run", args=[ImportRun.objects.filter(library=lib_a).latest("id").pk])
    )
    assert "every-library-title" not in html and "LIBB" not in html


def test_lists_behind_the_counts_stay_in_the_users_libraries(users, activity):
    client = client_for(users["cataloguer_a"])
    other = client.get(reverse("staff:records"), {"all": "1", "library": "LIBB"})
    assert other.status_code == 200 and other.context["page"].paginator.count == 0
    assert (
        not client.get(reverse("staff:records"), {"holdings": "none", "library": "LIBB"})
        .context["page"]
        .object_list
    )
    assert not client.get(reverse("staff:imports"), {"library": "LIBB"}).context["runs"]
    every = client.get(reverse("staff:records"), {"holdings": "none"}).context["page"]
    assert {record.library.code for record in every.object_list} == {"LIBA"}


def test_the_network_administrator_sees_every_library_side_by_side(users, activity):
    html = home(users["network_admin"])
    table = html[
        html.index('class="library-figures"') : html.index("</table>", html.index("library-figures"))
    ]
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", table, re.S)
    assert len(rows) == 2 and "(LIBA)" in rows[0] and "(LIBB)" in rows[1]
    for code, row in zip(("LIBA", "LIBB"), rows, strict=True):
        library = activity["a" if code == "LIBA" else "b"]
        cells = dict(
            (href.replace("&amp;", "&"), int(number))
            for href, number in re.findall(r'<a href="([^"]+)">(\d+)</a>', row)
        )
        assert cells[reverse("staff:records") + f"?all=1&library={code}"] == active(library).count()
        assert (
            cells[reverse("staff:records") + f"?holdings=none&library={code}"]
            == without_holdings(library).count()
        )
        assert cells[reverse("staff:imports") + f"?library={code}"] == 2
        assert cells[reverse("staff:review-list") + f"?library={code}"] == 2  # each library: 2 of the 3 pairs
        assert cells[reverse("harvest:library", args=[code])] == (1 if code == "LIBA" else 0)
        last = ImportRun.objects.filter(library=library).latest("id")
        assert reverse("staff:import-run", args=[last.pk]) in row
    assert "<td>3</td>" in rows[0]  # rejected in A's last import
    # the totals above the table: the queue counts a pair once, a work held by both libraries once
    assert figure(html, "reviews")[1] == 3
    total_works = SourceRecord.objects.filter(deleted=False, kind="bibliographic").exclude(work=None)
    assert figure(html, "works")[1] == total_works.values("work").distinct().count()
    assert (
        figure(html, "records")[1] == SourceRecord.objects.filter(deleted=False, kind="bibliographic").count()
    )
    # the review list filtered by library, as the table links to it
    admin = client_for(users["network_admin"])
    assert admin.get(reverse("staff:review-list"), {"library": "LIBB"}).context["page"].paginator.count == 2


def test_the_chart_and_its_table_of_the_last_24_months(users, catalog):
    today = timezone.localdate()
    records = list(SourceRecord.objects.filter(library=catalog["a"], kind="bibliographic").order_by("id"))
    three_months_ago = dashboard.month_starts(today, 4)[0]
    moved = records[:3]
    when = timezone.make_aware(datetime.datetime.combine(three_months_ago, datetime.time(12)))
    SourceRecord.objects.filter(pk__in=[r.pk for r in moved]).update(received_at=when)
    too_old = timezone.now() - datetime.timedelta(days=800)
    SourceRecord.objects.filter(pk=records[3].pk).update(received_at=too_old)

    html = home(users["cataloguer_a"])
    table = html[html.index('class="chart-data"') : html.index("</table>", html.index('class="chart-data"'))]
    months = re.findall(r'<time datetime="(\d{4}-\d{2})">([^<]+)</time></th><td>([^<]+)</td>', table)
    assert len(months) == 24
    assert months[-1][0] == today.strftime("%Y-%m") and months[0][0] == dashboard.month_starts(today)[
        0
    ].strftime("%Y-%m")
    counts = {month: int(count) for month, _label, count in months}
    assert counts[three_months_ago.strftime("%Y-%m")] == 3
    assert counts[today.strftime("%Y-%m")] == len(records) - 4
    assert sum(counts.values()) == len(records) - 1  # the record of 800 days ago is out of the chart
    assert months[-1][1].strip() and not months[-1][1].strip()[0].isdigit()  # "December 2026", not "2026-12"
    chart = chart_on_page(html, "records-per-month")  # Chart.js draws it (tests/browser)
    assert chart["type"] == "bar" and len(chart["data"]["labels"]) == 24
    assert chart["data"]["datasets"][0]["data"] == [int(count) for _month, _label, count in months]
    assert chart["data"]["labels"][-1] == months[-1][1].strip()
    assert f"{months[-1][1].strip()}: {len(records) - 4}" in chart["aria-label"]
    assert 'src="/static/web/vendor/chartjs/chart.umd.min.js" defer' in html
    assert 'src="/static/web/khizana-charts.js" defer' in html


def test_the_number_of_queries_does_not_grow_with_the_libraries(users, activity):
    client = client_for(users["network_admin"])
    client.get(reverse("staff:home"))  # warm: sessions, content types
    with CaptureQueriesContext(connection) as two:
        client.get(reverse("staff:home"))
    for code in ("LIBC", "LIBD", "LIBE", "LIBF"):
        make_library(code)
    with CaptureQueriesContext(connection) as six:
        html = client.get(reverse("staff:home")).content.decode()
    assert "(LIBF)" in html
    assert len(six.captured_queries) == len(two.captured_queries), [q["sql"] for q in six.captured_queries]
    assert len(six.captured_queries) < 30


def test_records_per_month_and_month_starts():
    assert dashboard.month_starts(datetime.date(2026, 2, 17), 4) == [
        datetime.date(2025, 11, 1),
        datetime.date(2025, 12, 1),
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
    ]
    assert len(dashboard.month_starts(datetime.date(2026, 12, 31))) == 24
