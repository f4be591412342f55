"""COUNTER reports: generation time of an institution-month report and SUSHI response time over a large
number of usage events (issue 17: 10 million events, a year of a national digital library; p95 under 2 s
per institution-month report).

    .venv/bin/python bench/counter_bench.py [--events 1000000] [--libraries 20] [--items 5000]
        [--reports 40] [--requests 20]

Builds a throw-away SQLite database in a temporary data directory (or uses DATABASE_URL), the libraries,
works, records and digital items in bulk, then the usage events of the last twelve ended months in bulk
(raw INSERTs, batches of 50,000): each event a reader of one library (a session of a few events on a
few items, some repeated within 30 seconds, 2% robots), a tenth downloads, half reads, the rest views.
Then times the TR of random institution-months (services.make_report: query, robots, double clicks,
sessions, metrics, JSON), the network's TR of one month, and SUSHI requests through Django's test
client (/r51/reports/tr and pr, whole request cycle). Prints median and p95 in milliseconds: first from
the usage events, then after closing the twelve months (the monthly aggregate, issue 17), whose closing
time is printed, with a check that the network's TR is the same both ways.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1",
]
ROBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def months_back(count: int) -> list[date]:
    today = date.today().replace(day=1)
    found = []
    for _ in range(count):
        today = (today - timedelta(days=1)).replace(day=1)
        found.append(today)
    return list(reversed(found))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def build(libraries: int, items: int, events: int, seed: int = 17) -> tuple[list, list[date]]:
    from django.db import connection, transaction
    from django.utils import timezone

    from khizana.catalog.models import SourceRecord, Work
    from khizana.digital.models import DigitalItem
    from khizana.libraries.models import Library

    rng = random.Random(seed)
    libs = Library.objects.bulk_create(
        [
            Library(
                code=f"LIB{n:02d}", name_fr=f"Bibliothèque {n}", kind="university", country="MA", city="Rabat"
            )
            for n in range(libraries)
        ]
    )
    works = Work.objects.bulk_create(
        [
            Work(
                title=f"Titre {n}", year=1900 + n % 120, material_type="book", record_count=1, library_count=1
            )
            for n in range(items)
        ],
        batch_size=5000,
    )
    records = SourceRecord.objects.bulk_create(
        [
            SourceRecord(
                library=libs[n % libraries],
                local_id=f"r{n}",
                format="dc",
                serialisation="xml",
                raw=b"x",
                checksum="0" * 64,
                title=f"Titre {n}",
                fields={},
                work=works[n],
                cluster_dirty=False,
            )
            for n in range(items)
        ],
        batch_size=5000,
    )
    digital = DigitalItem.objects.bulk_create(
        [
            DigitalItem(
                record=records[n],
                library=records[n].library,
                kind="pdf",
                media_type="application/pdf",
                sha256="0" * 64,
                access="open" if n % 5 == 0 else "members",
                language=("ara", "fre", "eng")[n % 3],
            )
            for n in range(items)
        ],
        batch_size=5000,
    )
    item_rows = [
        (d.pk, d.record.work_id, d.library_id, "Open" if d.access == "open" else "Controlled")
        for d in digital
    ]
    months = months_back(12)
    tz = timezone.get_current_timezone()
    table = "digital_usageevent"
    sql = (
        f"INSERT INTO {table} (occurred_at, user_id, session_key, item_id, work_id, library_id,"
        " user_library_id, action, is_request, access_type, page, user_agent)"
        " VALUES (%s, NULL, %s, %s, %s, %s, %s, %s, %s, %s, NULL, %s)"
    )
    written, session = 0, 0
    started = time.perf_counter()
    batch = []
    while written < events:
        session += 1
        month = months[rng.randrange(len(months))]
        day = rng.randrange(28)
        at = datetime(month.year, month.month, 1 + day, rng.randrange(24), rng.randrange(60), tzinfo=tz)
        reader_library = libs[rng.randrange(libraries)].pk
        agent = ROBOT if rng.random() < 0.02 else AGENTS[session % len(AGENTS)]
        key = f"s{session}"
        for _ in range(rng.randint(1, 12)):
            item, work, holder, access = item_rows[int(rng.paretovariate(1.2)) % len(item_rows)]
            roll = rng.random()
            action = "download" if roll < 0.1 else "read" if roll < 0.6 else "view"
            at += timedelta(seconds=rng.choice((5, 20, 45, 90, 300)))
            batch.append(
                (at, key, item, work, holder, reader_library, action, action != "view", access, agent)
            )
            written += 1
        if len(batch) >= 50_000 or written >= events:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, batch)
            batch = []
    print(f"generated {written:,} usage events in {time.perf_counter() - started:.1f} s")
    return libs, months


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--libraries", type=int, default=20)
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--reports", type=int, default=40, help="institution-month reports timed")
    parser.add_argument("--requests", type=int, default=20, help="SUSHI requests timed")
    args = parser.parse_args()
    os.environ.setdefault("KHIZANA_DATA_DIR", tempfile.mkdtemp(prefix="khizana-counter-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khizana.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    from khizana.digital.counter import services
    from khizana.digital.counter.reports import Request
    from khizana.digital.models import SushiCredential

    libs, months = build(args.libraries, args.items, args.events)

    def month_request(path: str, month: date) -> Request:
        end = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        return Request(
            report=path,
            begin=month,
            end=end,
            months=[f"{month.year:04d}-{month.month:02d}"],
            attributes=["YOP", "Access_Type", "Access_Method"],
        )

    SushiCredential.objects.create(
        library=libs[0],
        customer_id=libs[0].code,
        requestor_id="bench",
        api_key_hash=services._hash("bench-key"),
    )
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    warm = {"customer_id": libs[0].code, "requestor_id": "bench", "api_key": "bench-key"}
    client.get("/r51/reports/pr", {**warm, "begin_date": "2020-01", "end_date": "2020-01"})  # imports, caches

    def measure_all(source: str, rng: random.Random) -> None:
        print(f"-- reports from {source}")
        timings = []
        for _ in range(args.reports):
            library, month = rng.choice(libs), rng.choice(months)
            started = time.perf_counter()
            services.make_report(services.customer_for(library), month_request("tr", month))
            timings.append((time.perf_counter() - started) * 1000)
        print(
            f"  TR per institution-month ({args.reports} reports): "
            f"median {statistics.median(timings):.0f} ms, p95 {percentile(timings, 0.95):.0f} ms"
        )
        started = time.perf_counter()
        services.make_report(services.network_customer(), month_request("tr", months[-1]))
        print(f"  TR of the whole network for one month: {(time.perf_counter() - started) * 1000:.0f} ms")

        for path in ("tr", "pr"):
            timings = []
            for _ in range(args.requests):
                month = rng.choice(months)
                label = f"{month.year:04d}-{month.month:02d}"
                started = time.perf_counter()
                response = client.get(
                    f"/r51/reports/{path}",
                    {
                        "customer_id": libs[0].code,
                        "requestor_id": "bench",
                        "api_key": "bench-key",
                        "begin_date": label,
                        "end_date": label,
                    },
                )
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.content[:300]
            print(
                f"  SUSHI /r51/reports/{path}, one institution-month ({args.requests} requests): median "
                f"{statistics.median(timings):.0f} ms, p95 {percentile(timings, 0.95):.0f} ms"
            )

    network_tr = month_request("tr", months[-1])
    from_events = services.make_report(services.network_customer(), network_tr)["Report_Items"]
    measure_all("the usage events", random.Random(5))
    started = time.perf_counter()
    for month in months:
        services.close_month(f"{month.year:04d}-{month.month:02d}")
    print(f"closing {len(months)} months (aggregate): {time.perf_counter() - started:.1f} s")
    measure_all("the monthly aggregate", random.Random(5))
    same = services.make_report(services.network_customer(), network_tr)["Report_Items"] == from_events
    print(f"network TR of the last month identical from events and from the aggregate: {same}")


if __name__ == "__main__":
    main()
