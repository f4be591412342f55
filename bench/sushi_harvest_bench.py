"""SUSHI harvesting (issue 17, Khizana as a SUSHI client): time to harvest 100 provider-months from a SUSHI
server, Khizana's own (khizana.digital.counter) served over real HTTP on loopback.

    .venv/bin/python bench/sushi_harvest_bench.py [--events 50000] [--accounts 10] [--months 10] [--runs 5]

Builds a throw-away SQLite database in a temporary data directory (or uses DATABASE_URL) with the usage
events of the last twelve ended months (bench/counter_bench.py's generator), one SUSHI credential per
member library, and as many SUSHI accounts (one resource per library) pointing at the server, started in
a thread (Django's threaded WSGI server). A run harvests ``accounts × months`` title reports (one request
per month, each stored in its own transaction), from an empty harvest table. The baseline, in the same
process: the same requests fetched through the same guarded session without reading or storing anything.
Prints the medians (whole run and per provider-month) and their ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))


def serve() -> tuple[str, object]:
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=True)
    server.set_app(WSGIHandler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--months", type=int, default=10, help="months per account (at most 12)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("KHIZANA_DATA_DIR", tempfile.mkdtemp(prefix="khizana-sushi-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khizana.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    settings.KHIZANA_OUTGOING_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.ALLOWED_HOSTS = ["*"]
    from counter_bench import build

    from khizana.core.outgoing.conf import outgoing_session
    from khizana.digital.counter import services as counter
    from khizana.digital.models import SushiCredential
    from khizana.eresources.models import Resource, SushiAccount, UsageCount, UsageHarvest
    from khizana.eresources.usage import services
    from khizana.eresources.usage.services import first_of, request_for

    libs, months = build(args.accounts, 500, args.events)
    months = months[-args.months :]
    url, server = serve()
    accounts = []
    for library in libs:
        SushiCredential.objects.create(
            library=library,
            customer_id=library.code,
            requestor_id=f"bench-{library.code}",
            api_key_hash=counter._hash("bench-key"),
        )
        resource = Resource.objects.create(
            code=f"khizana-{library.code.lower()}",
            name_fr=f"Khizana {library.code}",
            kind="ebook_platform",
            platform_url="https://khizana.example/",
            access_method="open",
        )
        accounts.append(
            SushiAccount.objects.create(
                resource=resource,
                library=library,
                base_url=f"{url}/r51",
                customer_id=library.code,
                requestor_id=f"bench-{library.code}",
                api_key="bench-key",
                reports=["TR"],
                harvest_from=months[0],
            )
        )
    begin, end = months[0].strftime("%Y-%m"), months[-1].strftime("%Y-%m")
    provider_months = len(accounts) * len(months)

    def baseline() -> float:
        session = outgoing_session()
        started = time.perf_counter()
        for account in accounts:
            for month in months:
                address, params = request_for(account, "TR", first_of(month))
                assert session.get(address, params=params, timeout=120).content
        return time.perf_counter() - started

    def harvest() -> float:
        UsageHarvest.objects.all().delete()
        started = time.perf_counter()
        summary = services.harvest_all(begin=begin, end=end)
        elapsed = time.perf_counter() - started
        assert summary.requested == provider_months, summary
        assert summary.by_status.get("done", 0) + summary.by_status.get("no_usage", 0) == provider_months, (
            summary
        )
        return elapsed

    baseline()  # warm-up (connections, caches)
    fetched, harvested = [], []
    for _ in range(args.runs):
        fetched.append(baseline())
        harvested.append(harvest())
    counts = UsageCount.objects.count()
    server.shutdown()
    fetch_median, harvest_median = statistics.median(fetched), statistics.median(harvested)
    shape = f"{len(accounts)} accounts × {len(months)} months, TR"
    print(f"{provider_months} provider-months ({shape}), {counts:,} counts")
    per_fetch, per_harvest = fetch_median / provider_months * 1000, harvest_median / provider_months * 1000
    print(f"baseline, fetch only: median {fetch_median:.2f} s ({per_fetch:.0f} ms a month)")
    print(
        f"harvest (fetch, read, store): median {harvest_median:.2f} s ({per_harvest:.0f} ms a month), "
        f"{harvest_median / fetch_median:.2f}× the baseline"
    )


if __name__ == "__main__":
    main()
