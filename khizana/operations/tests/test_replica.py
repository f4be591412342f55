"""The read replica (khizana/operations/replica.py).

The first tests check the routing rules in this process (no replica here: nothing changes). The others
start a PostgreSQL primary and a streaming standby of their own (khizana/operations/tests/pgcluster.py,
never the shared server), and serve Khizana with gunicorn on them (DATABASE_URL on the primary,
DATABASE_REPLICA_URL on the standby). With the standby's replay paused, what a network administrator
publishes is missing from the standby: an anonymous reader of the public page does not see it yet (the
replica served it) while the writer does (read-your-own-writes) and the staff pages do (the primary);
past KHIZANA_REPLICA_MAX_LAG the public page falls back to the primary. With the standby crashed, writes,
public and staff pages all still work, without a single error page.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpResponse
from django.test import RequestFactory

from khizana.operations import replica
from khizana.testing import PASSWORD, REPO

from . import pgcluster

UNAVAILABLE = pgcluster.unavailable()
needs_postgresql_binaries = pytest.mark.skipif(UNAVAILABLE is not None, reason=UNAVAILABLE or "")
MAX_LAG = 6.0  # seconds, KHIZANA_REPLICA_MAX_LAG of the served site
CHECK = 0.2  # seconds, KHIZANA_REPLICA_CHECK_SECONDS
FEED = "/network/portal/news/rss.xml"  # a public page listing the news

# ---- the rules, in this process ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "public"),
    [
        ("GET", "/", True),
        ("GET", "/search", True),
        ("HEAD", "/work/12/", True),
        ("GET", "/api/works/12", True),
        ("GET", "/network/portal/news/3/", True),
        ("GET", "/staff/", False),
        ("GET", "/staff/network/portal/", False),
        ("GET", "/resources/staff/usage/", False),
        ("GET", "/ill/staff/supplying", False),
        ("GET", "/admin/", False),
        ("GET", "/account/", False),
        ("GET", "/sso/oidc/authorize/", False),
        ("POST", "/search", False),
        ("POST", "/api/works", False),
        ("DELETE", "/api/works/12", False),
        ("OPTIONS", "/", False),
        ("GET", "/network/staffing/", True),  # a segment named "staff", not a word starting with it
    ],
)
def test_public_reads_are_gets_outside_staff_admin_account_and_sign_on_pages(method, path, public):
    assert replica.is_public_read(RequestFactory().generic(method, path)) is public


def test_a_write_pins_the_client_to_the_primary_for_a_while(settings):
    settings.KHIZANA_REPLICA_PIN_SECONDS = 10.0
    response = HttpResponse()
    replica.pin(response, now=1000.0)
    cookie = response.cookies[replica.PIN_COOKIE]
    assert (cookie.value, cookie["max-age"], cookie["httponly"]) == ("1010.000", 10, True)

    def pinned(value: str, now: float) -> bool:
        request = RequestFactory().get("/")
        request.COOKIES[replica.PIN_COOKIE] = value
        return replica.is_pinned(request, now=now)

    assert pinned(cookie.value, now=1000.5) and pinned(cookie.value, now=1009.9)
    assert not pinned(cookie.value, now=1010.1)  # the pin is over: back to the replica
    assert not pinned("99999999999", now=1000.0)  # further than a pin lasts: not believed
    assert not pinned("soon", now=1000.0)
    assert not replica.is_pinned(RequestFactory().get("/"), now=1000.0)


def test_without_a_replica_nothing_changes(settings):
    from django.contrib.auth import get_user_model

    assert "replica" not in settings.DATABASES and not settings.DATABASE_REPLICA_URL
    assert "khizana.operations.replica.ReplicaRouter" not in settings.DATABASE_ROUTERS
    with pytest.raises(MiddlewareNotUsed):  # Django leaves it out of the chain
        replica.ReplicaMiddleware(lambda request: HttpResponse())
    router, user = replica.ReplicaRouter(), get_user_model()
    assert router.db_for_read(user) == router.db_for_write(user) == "default"
    assert router.allow_migrate("default", "portal") and not router.allow_migrate("replica", "portal")


def test_a_replica_of_sqlite_is_refused_with_a_clear_message():
    env = {**os.environ, "DATABASE_REPLICA_URL": "postgres://postgres@127.0.0.1:5999/khizana"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", "import khizana.settings"], env=env, capture_output=True, text=True, cwd=REPO
    )
    assert done.returncode != 0
    assert "DATABASE_REPLICA_URL: a read replica is a PostgreSQL standby of a PostgreSQL DATABASE_URL" in (
        done.stderr
    )


# ---- a primary, a streaming standby, Khizana served on both ------------------------------------------

SETUP = """
from django.core.management import call_command
for app in ("contenttypes", "auth", "sessions", "axes", "accounts", "portal"):
    call_command("migrate", app, verbosity=0)
from khizana.testing import make_user
make_user("chef", "network_admin")
"""


class ReplicatedSite:
    """gunicorn (one worker) serving Khizana on a primary and its standby."""

    def __init__(self) -> None:
        self.pair = pgcluster.ReplicatedPair()
        self.data_dir = Path(tempfile.mkdtemp(prefix="khizana-replica-site-"))
        self.log = self.data_dir / "gunicorn.log"
        self.server: subprocess.Popen | None = None
        self.base_url = ""
        self._writer: requests.Session | None = None
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "khizana.settings",
            "KHIZANA_DATA_DIR": str(self.data_dir),
            "KHIZANA_PLAIN_STATIC": "1",
            "LOG_LEVEL": "WARNING",  # the replica's warnings are what the crash test reads
            "SECRET_KEY": "replica-test-" + "k" * 50,
            "DATABASE_URL": self.pair.primary.url("khizana"),
            "DATABASE_REPLICA_URL": self.pair.standby.url("khizana"),
            "KHIZANA_REPLICA_MAX_LAG": str(MAX_LAG),
            "KHIZANA_REPLICA_RETRY_SECONDS": "60",
            "KHIZANA_REPLICA_PIN_SECONDS": "120",
            "KHIZANA_RATE_ENABLED": "0",  # python-requests is on the robots list; fair use is tested apart
            "KHIZANA_SHED_ENABLED": "0",
        }

    def start(self) -> None:
        self.pair.start()
        self.pair.primary.sql("CREATE DATABASE khizana")
        command = [sys.executable, "-m", "khizana", "shell", "-c", SETUP]
        done = subprocess.run(command, env=self.env, cwd=REPO, capture_output=True, text=True, timeout=300)
        if done.returncode:
            raise RuntimeError(f"setting up the primary failed: {done.stderr[-3000:]}")
        self.pair.wait_replayed()

    def serve(self, **settings: str) -> None:
        """(Re)start gunicorn with these KHIZANA_REPLICA_* settings; once it answers."""
        self.stop_server()
        port = pgcluster.free_port()
        bind = ("--bind", f"127.0.0.1:{port}", "--workers", "1", "--log-level", "warning")
        with self.log.open("w") as log:
            self.server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "khizana.wsgi", *bind],
                env={
                    **self.env,
                    **{f"KHIZANA_REPLICA_{name.upper()}": value for name, value in settings.items()},
                },
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.base_url = f"http://127.0.0.1:{port}"
        self._wait_answering()

    def stop_server(self) -> None:
        if self.server is not None:
            self.server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
            self.server = None

    def _wait_answering(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                requests.get(self.base_url + "/account/login/", timeout=30)
                return
            except (requests.ConnectionError, requests.Timeout):
                if self.server.poll() is not None:
                    raise RuntimeError(f"gunicorn exited: {self.log.read_text()}") from None
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def close(self) -> None:
        try:
            self.stop_server()
        finally:
            self.pair.destroy()
            shutil.rmtree(self.data_dir, ignore_errors=True)

    # -- what a browser does

    def get(self, client: requests.Session, path: str) -> requests.Response:
        return client.get(self.base_url + path, timeout=30, allow_redirects=False)

    def post(self, client: requests.Session, path: str, data: dict) -> requests.Response:
        token = client.cookies.get("csrftoken") or self._csrf(client, path)
        data = {"csrfmiddlewaretoken": token, **data}
        return client.post(self.base_url + path, data=data, timeout=30, allow_redirects=False)

    def _csrf(self, client: requests.Session, path: str) -> str:
        self.get(client, path)
        return client.cookies["csrftoken"]

    def writer(self) -> requests.Session:
        """The network administrator "chef", signed in once for the module (a write: pinned since)."""
        if self._writer is None:
            client = requests.Session()
            answer = self.post(client, "/account/login/", {"username": "chef", "password": PASSWORD})
            assert answer.status_code == 302, answer.text[:500]
            self._writer = client
        return self._writer

    def publish(self, client: requests.Session, title: str) -> int:
        """A network administrator publishes a news item on the portal; its number."""
        fields = {
            f"{part}_{code}": "" for part in ("title", "summary", "body") for code in ("fr", "ar", "en")
        }
        fields |= {"kind": "news", "slug": "", "status": "published", "published_at": ""}
        answer = self.post(
            client, "/staff/network/portal/new/", fields | {"title_fr": title, "body_fr": "Texte."}
        )
        assert answer.status_code == 302, answer.text[:500]
        return int(re.search(r"/staff/network/portal/(\d+)/", answer.headers["Location"]).group(1))

    def heartbeat(self) -> None:
        """A commit on the primary, replayed by the standby: its replay time is now (the lag starts here)."""
        self.pair.primary.sql(
            "CREATE TABLE IF NOT EXISTS beat (at timestamptz); INSERT INTO beat VALUES (now())"
        )
        self.pair.wait_replayed()


@pytest.fixture(scope="module")
def site():
    served = ReplicatedSite()
    try:
        served.start()
        yield served
    finally:
        served.close()


def unpinned(client: requests.Session) -> requests.Session:
    """The same signed-in user, without the cookie that pins a writer to the primary."""
    fresh = requests.Session()
    fresh.cookies.set("sessionid", client.cookies["sessionid"])
    return fresh


@needs_postgresql_binaries
def test_public_pages_read_the_replica_and_a_writer_reads_its_own_writes(site):
    site.serve(check_seconds=str(CHECK))
    writer = site.writer()
    anonymous, title = requests.Session(), "Campagne de labellisation 2027"
    beat = time.monotonic()
    site.heartbeat()  # the replica's lag counts from this commit
    site.pair.standby.sql("SELECT pg_wal_replay_pause()")
    paused_at = time.monotonic()
    try:
        pk = site.publish(writer, title)  # a write: the primary
        news = f"/network/portal/news/{pk}/"
        own = site.get(writer, news)
        public_news, public_feed = site.get(anonymous, news), site.get(anonymous, FEED)
        staff = unpinned(writer)
        staff_list, staff_news = site.get(staff, "/staff/network/portal/"), site.get(staff, news)
        assert time.monotonic() - beat < MAX_LAG, "these reads took longer than the replica's allowed lag"

        assert own.status_code == 200 and title in own.text  # the writer is pinned to the primary
        assert public_news.status_code == 404  # the replica has not replayed it
        assert public_feed.status_code == 200 and title not in public_feed.text
        assert staff_list.status_code == 200 and title in staff_list.text  # staff pages: the primary
        assert staff_news.status_code == 404  # a public page: the replica, for staff too

        # behind by more than KHIZANA_REPLICA_MAX_LAG: the public pages fall back to the primary
        time.sleep(max(0.0, paused_at + MAX_LAG + 2 * CHECK + 0.5 - time.monotonic()))
        assert title in site.get(anonymous, news).text
        second = site.publish(writer, "Journée d'étude")  # writes go on while the replica lags
        assert site.get(anonymous, f"/network/portal/news/{second}/").status_code == 200
    finally:
        site.pair.standby.sql("SELECT pg_wal_replay_resume()")
    site.pair.wait_replayed()
    assert site.get(anonymous, news).status_code == 200  # caught up: the replica has it


@needs_postgresql_binaries
def test_a_crashed_standby_breaks_neither_writes_nor_reads(site):
    # the lag measured once and trusted for 10 minutes: the crash is found by the next read on the replica
    site.serve(check_seconds="600")
    writer, anonymous = site.writer(), requests.Session()
    site.pair.wait_replayed()
    assert site.get(anonymous, FEED).status_code == 200  # the worker now holds a connection to the replica
    site.pair.standby.stop("immediate")

    pages = [FEED, "/network/portal/news/atom.xml", "/account/login/"]
    assert [site.get(anonymous, page).status_code for page in pages] == [200] * len(pages)
    pk = site.publish(writer, "Fermeture exceptionnelle")
    assert "Fermeture exceptionnelle" in site.get(anonymous, f"/network/portal/news/{pk}/").text
    assert "Fermeture exceptionnelle" in site.get(anonymous, FEED).text
    assert "Fermeture exceptionnelle" in site.get(unpinned(writer), "/staff/network/portal/").text
    log = site.log.read_text()
    assert f"GET {FEED} failed on the read replica" in log  # run again on the primary: no error page
    assert "read replica unavailable" in log
    assert "Internal Server Error" not in log and " 500 " not in log
