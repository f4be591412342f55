"""Sessions: an anonymous reader browsing the catalog and reading open digital items gets none (nothing is
kept about them), and the expired sessions of the others are cleared by a nightly job."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from huey.api import PeriodicTask
from huey.contrib.djhuey import HUEY

from khizana.accounts.tasks import clear_expired_sessions
from khizana.digital.models import UsageEvent
from khizana.digital.tests.iiif_support import image_item, validator_image
from khizana.digital.tests.reader_items import DATA, add_item, make_record
from khizana.search import services as search_services
from khizana.testing import make_library

VISITS = 3


@pytest.fixture
def public(db, settings, tmp_path):
    settings.KHIZANA_DIGITAL_STORE = tmp_path / "digital"
    settings.KHIZANA_IIIF_CACHE = tmp_path / "iiif-cache"
    library = make_library("SESS")
    record = make_record(library, "S-1", "حبيبي habibi")
    pdf = add_item(record, (DATA / "samplefiles_habibi.pdf").read_bytes(), "pdf", "habibi.pdf", page_count=1)
    images = image_item(make_record(library, "S-2", "Pages"), [validator_image()])
    search_services.rebuild_index()
    return {
        "home": "/",
        "results": "/search?q=habibi",
        "work": f"/work/{record.work_id}/",
        "digital item": f"/digital/{pdf.pk}/",
        "reader": f"/digital/{pdf.pk}/read",
        "file": f"/digital/{pdf.pk}/content",
        "download": f"/digital/{pdf.pk}/download",
        "viewer": f"/digital/{images.pk}/pages/",
        "libraries": "/libraries/",
    }


def test_anonymous_readers_get_no_session(client, public):
    for _visit in range(VISITS):
        for name, url in public.items():
            response = client.get(url, HTTP_USER_AGENT="Mozilla/5.0 (test)")
            assert response.status_code == 200, name
            assert "sessionid" not in response.cookies, name
    assert Session.objects.count() == 0
    # The item's uses are still counted, one per action within the double-click window.
    events = UsageEvent.objects.filter(user__isnull=True)
    assert events.count() == 4  # the item page, the reader, the file read, the download
    assert {event.session_key[:7] for event in events} == {"client:"}


def test_the_nightly_job_clears_expired_sessions_and_keeps_live_ones(db):
    def scheduled(at: datetime) -> bool:
        return any(isinstance(task, clear_expired_sessions.task_class) for task in HUEY.read_periodic(at))

    assert issubclass(clear_expired_sessions.task_class, PeriodicTask)
    assert scheduled(datetime(2026, 3, 2, 3, 23)) and not scheduled(datetime(2026, 3, 2, 4, 23))
    live, expired = SessionStore(), SessionStore()
    live["note"] = expired["note"] = "kept?"
    live.create()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    clear_expired_sessions.call_local()
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
