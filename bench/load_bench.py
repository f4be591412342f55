"""Fair use and load shedding under a crawler's load: locust (headless) against gunicorn on loopback.

    .venv/bin/python bench/load_bench.py [--duration 30] [--threads 16] [--crawler-rate 0 1 4] [--record]

The demo network (make run's catalog) is loaded into a private installation, 25 verified members get a
session each, and the same load is run against the same gunicorn several times, changing only the
server's settings: 200 users, of which 150 are a crawler (a robot's user agent searching at each
--crawler-rate, in requests per second each), 25 anonymous readers and 25 signed-in members (searches
and work pages, 0.5-2 s between clicks; bench/load_locustfile.py). Needs locust (the bench extra).

At each crawler rate, runs: `make run`'s server (2 sync workers) with fair use off; gunicorn with
threads (gthread), fair use off (the baseline of the same server); the same with rate limits and
the concurrency gate on. For each: members' median / p95 / p99 (ms), the crawler's answers (200, 429,
503), throughput (requests served with 200 per second, and all answers per second). Each client writes
its own address in X-Forwarded-For, believed from loopback (as behind a reverse proxy), so readers are
not counted as one address.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support import PrivateInstallation, _free_port  # noqa: E402

LOCUSTFILE = REPO / "bench" / "load_locustfile.py"
MEMBERS = 25

MAKE_MEMBERS = f"""
import json
from django.conf import settings
from django.test import Client
from khizana.libraries.models import Library
from khizana.testing import make_user
library = Library.objects.order_by("code").first()
sessions = []
for i in range({MEMBERS}):
    client = Client()
    client.force_login(make_user(f"bench-member-{{i}}", "reader", library))
    sessions.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
print(json.dumps(sessions))
"""

OFF = {"KHIZANA_RATE_ENABLED": "0", "KHIZANA_SHED_ENABLED": "0"}
ON = {"KHIZANA_RATE_ENABLED": "1", "KHIZANA_SHED_ENABLED": "1"}


def serve(site: PrivateInstallation, env: dict, threads: int) -> subprocess.Popen:
    """gunicorn as `make run` starts it (2 workers), with ``threads`` threads each when above 1."""
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "khizana.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", os.environ.get("KHIZANA_BENCH_WORKERS", "2"), "--log-level", "error"]
    command += ["--backlog", "2048"]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    log = open(site.data_dir / "gunicorn.log", "ab")  # noqa: SIM115 (the server's, closed with it)
    server = subprocess.Popen(command, env={**site.env, **env}, cwd=REPO, stdout=log, stderr=log)
    log.close()
    site.base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(site.base_url + "/help/", timeout=60)
            return server
        except OSError:
            if server.poll() is not None:
                raise RuntimeError("gunicorn exited before answering") from None
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("gunicorn did not answer within 60 s")


def warm(base_url: str, works: list[str]) -> None:
    """One pass over the searches and pages (each worker opens the index and fills its caches)."""
    headers = {"User-Agent": "Mozilla/5.0 (warm-up)"}
    for _ in range(3):
        for path in ["/search?q=maroc", "/search?q=jazz", "/", *(f"/work/{w}/" for w in works[:5])]:
            request = urllib.request.Request(base_url + path, headers=headers)
            urllib.request.urlopen(request, timeout=30).read()


def run_locust(base_url: str, env: dict, duration: int, prefix: Path, users: int = 200) -> None:
    # Niced: the clients would be other machines; here they must not take the server's two cores.
    command = ["nice", "-n", "10", str(Path(sys.executable).parent / "locust"), "-f", str(LOCUSTFILE)]
    command += ["--headless"]
    command += ["-u", str(users), "-r", "100", "-t", f"{duration}s", "--host", base_url]
    command += ["--csv", str(prefix), "--only-summary", "--loglevel", "ERROR", "--stop-timeout", "5"]
    subprocess.run(
        command, env={**os.environ, **env}, cwd=REPO, check=False, capture_output=True, timeout=600
    )


def read_results(prefix: Path, duration: int) -> dict:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        stats = {row["Name"]: row for row in csv.DictReader(handle)}
    with open(f"{prefix}_failures.csv", encoding="utf-8") as handle:
        failures = list(csv.DictReader(handle))
    refused: dict[tuple[str, int], int] = {}
    for row in failures:
        found = re.search(r"HTTP (\d+)", row["Error"])
        status = int(found.group(1)) if found else 0
        refused[(row["Name"], status)] = refused.get((row["Name"], status), 0) + int(row["Occurrences"])

    def count(name: str) -> int:
        return int(stats[name]["Request Count"]) if name in stats else 0

    def pct(name: str, column: str) -> float:
        return float(stats[name][column]) if name in stats and stats[name][column] != "N/A" else float("nan")

    served = sum(count(n) - int(stats[n]["Failure Count"]) for n in stats if n != "Aggregated")
    kinds = ("member search", "member work page", "reader search", "crawler search")
    return {
        **{f"{k} {c}": pct(k, c) for k in kinds for c in ("50%", "95%", "99%", "100%")},
        **{f"{k} count": count(k) for k in kinds},
        **{f"{k} refused": sum(v for (n, _), v in refused.items() if n == k) for k in kinds},
        "crawler 429": refused.get(("crawler search", 429), 0),
        "crawler 503": refused.get(("crawler search", 503), 0),
        "crawler 200": count("crawler search") - int(stats.get("crawler search", {}).get("Failure Count", 0)),
        "served per s": served / duration,
        "answers per s": count("Aggregated") / duration,
    }


def table(results: dict[str, dict], baseline: str) -> list[str]:
    base = results[baseline]
    lines = []
    for name, r in results.items():
        ratio = r["member search 95%"] / base["member search 95%"]
        refused = r["member search refused"] + r["member work page refused"]
        lines.append(
            f"| {name} | {r['member search 50%']:.0f} / {r['member search 95%']:.0f} / "
            f"{r['member search 99%']:.0f} | {r['member work page 50%']:.0f} / "
            f"{r['member work page 95%']:.0f} "
            f"| {r['reader search 95%']:.0f} | {refused} of "
            f"{r['member search count'] + r['member work page count']} "
            f"| {r['crawler 200']} / {r['crawler 429']} / {r['crawler 503']} | {r['served per s']:.0f} "
            f"| {r['answers per s']:.0f} | {ratio:.2f} |"
        )
    return lines


HEADER = [
    "| crawlers' rate: run | member search p50 / p95 / p99 ms | member page p50 / p95 ms "
    "| reader search p95 ms | members refused | crawler 200 / 429 / 503 | served 200/s | answers/s "
    "| member search p95 / baseline |",
    "|---|---|---|---|---|---|---|---|---|",
]


def measure(site: PrivateInstallation, args: argparse.Namespace, rate: float, load_env: dict) -> list[str]:
    """The runs at one crawler rate (0: the readers alone, fair use on): their table rows."""
    runs = {
        "make run (2 sync workers), fair use off": (1, OFF),
        f"gthread 2x{args.threads}, fair use off (baseline)": (args.threads, OFF),
        f"gthread 2x{args.threads}, rate limits + gate on": (args.threads, ON),
    }
    if not rate:
        runs = {f"no crawlers, gthread 2x{args.threads}, fair use on (baseline)": (args.threads, ON)}
    label = f"{rate:g}/s each" if rate else "readers alone"
    load_env = {**load_env, "KHIZANA_BENCH_CRAWLER_RATE": str(rate or 1)}
    if not rate:
        load_env["KHIZANA_BENCH_CRAWLERS"] = "0"
    results = {}
    for name, (threads, settings_env) in runs.items():
        server = serve(site, settings_env, threads)
        try:
            warm(site.base_url, load_env["KHIZANA_BENCH_WORKS"].split(","))
            prefix = site.data_dir / f"locust-{rate:g}-{len(results)}"
            run_locust(site.base_url, load_env, args.duration, prefix, 200 if rate else 50)
            results[f"{label}: {name}"] = read_results(prefix, args.duration)
        finally:
            server.terminate()
            server.wait(timeout=30)
        (site.data_dir / "ratelimit.sqlite3").unlink(missing_ok=True)
        print(label, name, json.dumps(results[f"{label}: {name}"]), flush=True)
    return table(results, next(name for name in results if "baseline" in name))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=30, help="seconds of load per run")
    parser.add_argument("--threads", type=int, default=16, help="gunicorn threads per worker (gthread runs)")
    parser.add_argument(
        "--crawler-rate",
        type=float,
        nargs="+",
        default=[0, 1, 4],
        help="requests per second of each crawler (0: a run of the readers alone)",
    )
    parser.add_argument("--record", action="store_true", help="append the figures to bench/RESULTS.md")
    args = parser.parse_args()
    if shutil.which("locust", path=str(Path(sys.executable).parent)) is None:
        sys.exit("locust is not installed in this environment: .venv/bin/pip install locust")

    site = PrivateInstallation(Path(tempfile.mkdtemp(prefix="khizana-load-bench-")))
    try:
        site.khizana("migrate", "--noinput")
        site.khizana("demo", "--no-admin")
        site.khizana("index", "rebuild", "--no-progress", timeout=1800)
        site.khizana("collectstatic", "--noinput", "--verbosity", "0")
        sessions = json.loads(site.khizana("shell", "-c", MAKE_MEMBERS).stdout.strip().splitlines()[-1])
        works = [
            str(r[0]) for r in site.query("select id from catalog_work order by library_count desc limit 50")
        ]
        site.env["KHIZANA_RATE_TRUSTED_PROXIES"] = "127.0.0.1"
        load_env = {"KHIZANA_BENCH_SESSIONS": ",".join(sessions), "KHIZANA_BENCH_WORKS": ",".join(works)}
        load_before = os.getloadavg()[0]
        lines = [line for rate in args.crawler_rate for line in measure(site, args, rate, load_env)]
        loads = (load_before, os.getloadavg()[0])
        print("\n".join(HEADER + lines))
        if args.record:
            record(args, HEADER + lines, loads)
    finally:
        site.close()


def record(args: argparse.Namespace, lines: list[str], loads: tuple[float, float]) -> None:
    day = time.strftime("%Y-%m-%d")
    rates = " and ".join(f"{rate:g}" for rate in args.crawler_rate if rate)
    heading = (
        f"\n### load_bench.py: fair use and load shedding ({day}, {os.cpu_count()} cores, "
        f"{platform.machine()}, shared with other jobs: load average {loads[0]:.1f} before, "
        f"{loads[1]:.1f} after)\n\n"
        f"200 locust users for {args.duration} s per run: 150 crawlers (Googlebot's user agent, searching at "
        f"{rates} requests per second each), 25 anonymous readers and 25 signed-in members (searches and "
        "work pages, 0.5-2 s apart); locust (niced) and gunicorn (2 workers) on the same cores over "
        "loopback; the demo network. Member search p95 / baseline compares with gunicorn with the same "
        "threads and fair use off, in the same process.\n\n"
    )
    with (REPO / "bench" / "RESULTS.md").open("a", encoding="utf-8") as out:
        out.write(heading + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
