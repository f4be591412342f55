"""Link checks of the free lists against a real HTTP server on loopback (allowed by the test settings'
KHIZANA_OUTGOING_ALLOWED_HOSTS), the command, the huey task, the staff page; loopback refused otherwise."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from khizana.eresources.links import check_all
from khizana.eresources.models import FreeList, FreeListEntry
from khizana.eresources.tasks import check_links_job
from khizana.testing import make_library, make_user


class Handler(BaseHTTPRequestHandler):
    def _answer(self, body: bool):
        if self.path.startswith("/gone"):
            self.send_response(404)
        elif self.path.startswith("/no-head") and self.command == "HEAD":
            self.send_response(405)
        elif self.path.startswith("/moved"):
            self.send_response(301)
            self.send_header("Location", "/ok")
        else:
            self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        if body:
            self.wfile.write(b"ok")

    def do_HEAD(self):
        self._answer(False)

    def do_GET(self):
        self._answer(True)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def entries(db, server):
    free_list = FreeList.objects.create(code="oa", title_fr="Accès ouvert")
    made = {}
    for name in ("ok", "gone", "no-head", "moved"):
        made[name] = FreeListEntry.objects.create(free_list=free_list, title=name, url=f"{server}/{name}")
    made["closed"] = FreeListEntry.objects.create(
        free_list=free_list, title="closed", url="http://127.0.0.1:9/"
    )
    return made


def _state(entries):
    return {name: (e.refresh_from_db() or (e.is_broken, e.last_status)) for name, e in entries.items()}


def test_check_all_marks_broken_links(entries, settings):
    settings.KHIZANA_ERESOURCES_LINK_TIMEOUT = 2
    result = check_all()
    assert (result.checked, result.broken) == (5, 2)
    assert _state(entries) == {
        "ok": (False, 200),
        "gone": (True, 404),
        "no-head": (False, 200),
        "moved": (False, 200),
        "closed": (True, None),
    }
    entries["gone"].refresh_from_db()
    assert entries["gone"].last_error == "HTTP 404" and entries["gone"].last_checked_at is not None
    entries["closed"].refresh_from_db()
    assert "ConnectionError" in entries["closed"].last_error


def test_loopback_refused_unless_allowed(entries, settings):
    settings.KHIZANA_OUTGOING_ALLOWED_HOSTS = []
    check_all([entries["ok"]])
    entries["ok"].refresh_from_db()
    assert entries["ok"].is_broken and entries["ok"].last_status is None
    assert "127.0.0.1" in entries["ok"].last_error


def test_command_task_and_staff_page(entries, capsys, settings):
    call_command("eresources", "check-links")
    assert "5 links checked, 2 broken" in capsys.readouterr().out
    FreeListEntry.objects.update(is_broken=False, last_checked_at=None)
    check_links_job()  # huey runs it at once in the tests
    assert FreeListEntry.objects.filter(is_broken=True).count() == 2
    network = Client()
    network.force_login(make_user("net", "network_admin"))
    page = network.get(reverse("eresources:staff-links") + "?broken=1").content.decode()
    assert "gone" in page and "HTTP 404" in page and ">ok<" not in page
    reader = Client()
    reader.force_login(make_user("r", "reader", make_library("UM5")))
    assert reader.get(reverse("eresources:staff-links")).status_code == 403
    assert reader.post(reverse("eresources:staff-links")).status_code == 403
    assert network.post(reverse("eresources:staff-links")).status_code == 302
