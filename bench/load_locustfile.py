"""The users of bench/load_bench.py, for locust (run by it: `locust -f bench/load_locustfile.py`).

- Crawler (150): a known robot's user agent (on the COUNTER robots list), searching without pause but
  for a pacing of KHIZANA_BENCH_CRAWLER_RATE requests per second each (bounded, so the load generator
  does not eat the two cores the server needs).
- Reader (anonymous) and Member (signed in: a session cookie made by the bench): a browser's user agent,
  searches and work pages with a short think time.
Each client writes its own address in X-Forwarded-For (documentation ranges, never contacted): the bench
server believes it from loopback (KHIZANA_RATE_TRUSTED_PROXIES), as it would behind a reverse proxy, so
readers are counted one by one rather than as one address. Non-2xx answers are failures named by their
status, so locust's failures file counts the 429 and 503 answers per kind of user.
"""

from __future__ import annotations

import itertools
import os
import random

from locust import FastHttpUser, between, constant_throughput, task

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CRAWLER = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
WORDS = ["histoire", "economie", "pride", "jazz", "revue", "maroc", "politique", "music", "الكتاب", "paris"]
WORKS = [w for w in os.environ.get("KHIZANA_BENCH_WORKS", "").split(",") if w]
SESSIONS = [s for s in os.environ.get("KHIZANA_BENCH_SESSIONS", "").split(",") if s]
COOKIE = os.environ.get("KHIZANA_BENCH_COOKIE", "sessionid")
_numbers = itertools.count(1)


def _get(user: FastHttpUser, path: str, name: str) -> None:
    with user.client.get(path, name=name, headers=user.headers, catch_response=True) as response:
        if response.status_code != 200:
            response.failure(f"HTTP {response.status_code}")


class Crawler(FastHttpUser):
    fixed_count = int(os.environ.get("KHIZANA_BENCH_CRAWLERS", "150"))
    wait_time = constant_throughput(float(os.environ.get("KHIZANA_BENCH_CRAWLER_RATE", "4")))

    def on_start(self) -> None:
        n = next(_numbers)
        self.headers = {"User-Agent": CRAWLER, "X-Forwarded-For": f"203.0.113.{n % 250 + 1}"}

    @task
    def search(self) -> None:
        _get(self, f"/search?q={random.choice(WORDS)}&page={random.randint(1, 3)}", "crawler search")


class Reader(FastHttpUser):
    fixed_count = int(os.environ.get("KHIZANA_BENCH_READERS", "25"))
    wait_time = between(0.5, 2)
    kind = "reader"

    def on_start(self) -> None:
        n = next(_numbers)
        self.headers = {"User-Agent": BROWSER, "X-Forwarded-For": f"198.51.{n // 250}.{n % 250 + 1}"}

    @task(3)
    def search(self) -> None:
        _get(self, f"/search?q={random.choice(WORDS)}", f"{self.kind} search")

    @task(1)
    def work(self) -> None:
        if WORKS:
            _get(self, f"/work/{random.choice(WORKS)}/", f"{self.kind} work page")


class Member(Reader):
    fixed_count = int(os.environ.get("KHIZANA_BENCH_MEMBERS", "25"))
    kind = "member"

    def on_start(self) -> None:
        super().on_start()
        session = SESSIONS[next(_numbers) % len(SESSIONS)] if SESSIONS else ""
        self.headers["Cookie"] = f"{COOKIE}={session}"
