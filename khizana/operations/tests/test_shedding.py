"""Fair use and load shedding over real HTTP (pytest-django's live server, one thread per request):
rate limits per address, per user and for robots (429 + Retry-After), the concurrency gate (a quick 503
+ Retry-After while a signed-in member still gets through), X-Forwarded-For believed only from trusted
proxies; and the counters' stores, shared by processes (SQLite) and machines (Redis)."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path

from khizana.operations import ratelimit, shedding
from khizana.testing import REPO, make_library, make_user

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"

# The slow view holds a slot of the gate until the test lets it go.
_slow_started = threading.Event()
_slow_release = threading.Event()


def slow_view(request):
    _slow_started.set()
    _slow_release.wait(timeout=10)
    return HttpResponse("slow done")


urlpatterns = [path("slow/", slow_view), path("", include("khizana.urls"))]


def get(live_server, target: str, user_agent: str = BROWSER, **headers: str) -> tuple[int, dict, str]:
    """GET over a new connection: (status, headers with lower-case names, body)."""
    parts = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
    try:
        connection.request("GET", target, headers={"User-Agent": user_agent, **headers})
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


@pytest.fixture
def limits(settings, tmp_path):
    """Rate limits on, counted in a store of this test's own, small budgets."""
    settings.KHIZANA_RATE_ENABLED = True
    settings.KHIZANA_RATE_STORE = str(tmp_path / "ratelimit.sqlite3")
    settings.KHIZANA_RATE_WINDOW = 60
    for kind in ("SEARCH", "PAGES", "API"):
        setattr(settings, f"KHIZANA_RATE_{kind}_PER_ADDRESS", 3)
        setattr(settings, f"KHIZANA_RATE_{kind}_PER_USER", 3)
        setattr(settings, f"KHIZANA_RATE_{kind}_ROBOTS", 2)
    return settings


def test_the_rest_of_the_suite_runs_without_limits():
    assert django_settings.KHIZANA_RATE_ENABLED is False
    assert django_settings.KHIZANA_SHED_ENABLED is False


@pytest.mark.django_db(transaction=True)
def test_an_address_over_its_budget_gets_429_with_retry_after(live_server, limits):
    statuses = [get(live_server, "/help/")[0] for _ in range(3)]
    assert statuses == [200, 200, 200]
    status, headers, body = get(live_server, "/help/", **{"Accept-Language": "fr"})
    assert status == 429
    assert 1 <= int(headers["retry-after"]) <= 60
    assert headers["cache-control"] == "no-store"
    assert 'lang="fr"' in body and "<h1>" in body
    # Each class has its own budget: search is still open to this address.
    assert get(live_server, "/search?q=maroc")[0] == 200


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_429_in_json(live_server, limits):
    for _ in range(3):
        assert get(live_server, "/api/libraries")[0] == 200
    status, headers, body = get(live_server, "/api/libraries")
    assert status == 429
    answer = json.loads(body)
    assert answer["retry_after"] == int(headers["retry-after"]) >= 1
    assert "réessayer dans" in answer["detail"]  # in the site's language (French by default)


@pytest.mark.django_db(transaction=True)
def test_robots_share_a_budget_of_their_own_and_readers_still_pass(live_server, limits):
    robots = [get(live_server, "/search?q=maroc", user_agent=GOOGLEBOT)[0] for _ in range(2)]
    assert robots == [200, 200]
    assert get(live_server, "/search?q=maroc", user_agent=GOOGLEBOT)[0] == 429
    assert get(live_server, "/search?q=maroc", user_agent="python-requests/2.32")[0] == 429  # shared
    # A reader at the same address counts against the address's budget, untouched by the robots.
    assert get(live_server, "/search?q=maroc")[0] == 200


@pytest.mark.django_db(transaction=True)
def test_a_signed_in_user_counts_against_their_own_budget(live_server, limits):
    library = make_library("RBT")
    cookie = _session_cookie(make_user("amina", "reader", library))
    for _ in range(3):
        assert get(live_server, "/help/")[0] == 200  # the address's budget spent
    assert get(live_server, "/help/")[0] == 429
    assert get(live_server, "/help/", Cookie=cookie)[0] == 200  # the member's own
    staff = _session_cookie(make_user("karim", "cataloguer", library))
    assert all(get(live_server, "/help/", Cookie=staff)[0] == 200 for _ in range(5))  # staff: no limit


@pytest.mark.django_db(transaction=True)
def test_a_forged_x_forwarded_for_is_not_believed(live_server, limits, tmp_path):
    forged = [get(live_server, "/help/", **{"X-Forwarded-For": f"198.51.100.{i}"})[0] for i in range(4)]
    assert forged == [200, 200, 200, 429]  # all counted as the peer, 127.0.0.1

    limits.KHIZANA_RATE_STORE = str(tmp_path / "behind-a-proxy.sqlite3")
    limits.KHIZANA_RATE_TRUSTED_PROXIES = ["127.0.0.0/8"]
    spread = [get(live_server, "/help/", **{"X-Forwarded-For": f"198.51.100.{i}"})[0] for i in range(4)]
    assert spread == [200, 200, 200, 200]  # each client behind the trusted proxy has its own budget
    # What the client wrote before the address the proxy saw is not believed either.
    one_client = [
        get(live_server, "/help/", **{"X-Forwarded-For": f"10.0.0.{i}, 203.0.113.9"})[0] for i in range(4)
    ]
    assert one_client == [200, 200, 200, 429]


@pytest.mark.django_db(transaction=True)
def test_a_failing_store_lets_requests_through(live_server, limits, tmp_path):
    (tmp_path / "a-file").write_text("not a directory")
    limits.KHIZANA_RATE_STORE = str(tmp_path / "a-file" / "ratelimit.sqlite3")
    limits.KHIZANA_RATE_PAGES_PER_ADDRESS = 0
    assert get(live_server, "/help/")[0] == 200


@pytest.mark.urls(__name__)
@pytest.mark.django_db(transaction=True)
def test_a_saturated_server_answers_503_quickly_and_members_keep_priority(live_server, settings):
    settings.KHIZANA_SHED_ENABLED = True
    settings.KHIZANA_SHED_MAX_INFLIGHT = 2
    settings.KHIZANA_SHED_RESERVED = 1  # one slot for anonymous readers and robots, two for members
    settings.KHIZANA_SHED_WAIT_MS = 100
    settings.KHIZANA_SHED_RETRY_AFTER = 7
    member = _session_cookie(make_user("amina", "reader", make_library("RBT")))
    _slow_started.clear()
    _slow_release.clear()
    holder = threading.Thread(target=get, args=(live_server, "/slow/"))
    holder.start()
    try:
        assert _slow_started.wait(timeout=10)
        start = time.monotonic()
        status, headers, body = get(live_server, "/help/")
        assert status == 503
        assert time.monotonic() - start < 1.5  # the wait for a slot (0.1 s), not a queue
        assert headers["retry-after"] == "7"
        assert "réessayer dans 7 secondes" in body
        assert get(live_server, "/api/libraries", user_agent=GOOGLEBOT)[0] == 503
        assert get(live_server, "/help/", Cookie=member)[0] == 200  # the reserved slot
        assert "retry-after" not in get(live_server, "/health/")[1]  # health checks are never gated
    finally:
        _slow_release.set()
        holder.join(timeout=15)
    assert get(live_server, "/help/")[0] == 200  # the slot is free again


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


# --- who a client is ---------------------------------------------------------------------------------


def test_an_ipv6_client_is_counted_by_its_64():
    assert shedding.address_key("2001:db8:1:2:aaaa::1") == shedding.address_key("2001:db8:1:2:bbbb::2")
    assert shedding.address_key("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert shedding.address_key("2001:db8:1:3::1") != shedding.address_key("2001:db8:1:2::1")
    assert shedding.address_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert shedding.address_key("192.0.2.1") != shedding.address_key("192.0.2.2")


def test_x_forwarded_for_is_read_from_the_right_and_only_behind_a_trusted_proxy():
    meta = {"REMOTE_ADDR": "10.1.1.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9, 10.1.1.2"}
    assert shedding.client_address(meta, []) == "10.1.1.1"
    assert shedding.client_address(meta, ["192.0.2.0/24"]) == "10.1.1.1"
    assert shedding.client_address(meta, ["10.1.1.0/24"]) == "203.0.113.9"
    garbled = {"REMOTE_ADDR": "10.1.1.1", "HTTP_X_FORWARDED_FOR": "not an address"}
    assert shedding.client_address(garbled, ["10.1.1.0/24"]) == "10.1.1.1"


def test_a_gate_that_cannot_hold_its_reserved_slots_is_refused_with_its_settings_named():
    with pytest.raises(ValueError, match=r"KHIZANA_SHED_MAX_INFLIGHT=2 .* KHIZANA_SHED_RESERVED=2"):
        shedding.Gate(2, 2, 1)


# --- the stores ----------------------------------------------------------------------------------------


def test_windows_are_fixed_and_say_when_they_end():
    assert ratelimit.window_bounds(60, now=1_000_000_030.5) == (1_000_000_020, 50)
    assert ratelimit.window_bounds(60, now=1_000_000_079.9) == (1_000_000_020, 1)
    with pytest.raises(ValueError, match="at least 1 second, not 0"):
        ratelimit.window_bounds(0)


HAMMER = """
import sys
from khizana.operations.ratelimit import SQLiteStore
store = SQLiteStore(sys.argv[1])
print(" ".join(str(store.hit("shared", 10**9)[0]) for _ in range(250)))
"""


def test_the_sqlite_store_loses_no_hit_between_processes(tmp_path):
    path = tmp_path / "counts.sqlite3"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", HAMMER, str(path)], cwd=REPO, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    seen = [int(count) for worker in workers for count in worker.communicate(timeout=60)[0].split()]
    assert all(worker.returncode == 0 for worker in workers)
    assert sorted(seen) == list(range(1, 1001))  # every hit got its own count: none lost, none doubled


def _redis_url() -> str:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as error:  # the package or the server is absent
        pytest.skip(f"no Redis at {url}: {error}")
    return url


def test_the_redis_store_counts_atomically_across_threads():
    store = ratelimit.redis_store(_redis_url())
    key = f"test-{uuid.uuid4().hex}"
    seen: list[int] = []

    def hammer():
        seen.extend(store.hit(key, 600)[0] for _ in range(50))

    threads = [threading.Thread(target=hammer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seen) == list(range(1, 301))
    start, _ = ratelimit.window_bounds(600)
    assert 1 <= store.hit(key, 600)[1] <= 600
    store.cache.delete(f"{key}@{start}")


def test_impossible_settings_are_said_when_the_site_starts(settings):
    settings.KHIZANA_SHED_MAX_INFLIGHT, settings.KHIZANA_SHED_RESERVED = 1, 1
    with pytest.raises(ImproperlyConfigured, match="KHIZANA_SHED_RESERVED=1"):
        shedding.ConcurrencyGateMiddleware(lambda request: HttpResponse())
    settings.KHIZANA_RATE_TRUSTED_PROXIES = ["10.0.0.0/33"]
    with pytest.raises(ImproperlyConfigured, match=r"KHIZANA_RATE_TRUSTED_PROXIES: .*10\.0\.0\.0/33"):
        shedding.RateLimitMiddleware(lambda request: HttpResponse())
