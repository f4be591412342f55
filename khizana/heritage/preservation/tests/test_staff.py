"""The staff pages and actions over HTTP: who may see and do what, forged requests refused with nothing
written."""

from __future__ import annotations

import pytest
from django.urls import reverse
from lxml import etree

from khizana.digital.storage import default_store
from khizana.heritage.preservation import services
from khizana.heritage.preservation.models import AuditRun, PreservationEvent, PreservedObject
from khizana.heritage.preservation.premis import PREMIS_NS
from khizana.testing import make_user

from .support import staff_of

pytestmark = pytest.mark.django_db


def url(name: str, item_id: int | None = None) -> str:
    return reverse(f"preservation-staff:{name}", args=[item_id] if item_id is not None else [])


@pytest.fixture
def preserved(setting):
    services.preserve_item(setting.pdf.pk)
    return setting


def test_the_owning_librarys_staff_see_the_item_its_events_and_premis(client, preserved):
    client.force_login(staff_of(preserved.library, "keeper"))
    page = client.get(url("item", preserved.pdf.pk))
    assert page.status_code == 200
    text = page.content.decode()
    assert f"khizana:khizana.local:digital-item:{preserved.pdf.pk}" in text
    assert "<caption>2 PREMIS events</caption>" in text
    assert 'href="/staff/heritage/preservation/"' in text  # the menu entry
    xml = client.get(url("premis", preserved.pdf.pk))
    assert xml.status_code == 200 and xml["Content-Type"].startswith("application/xml")
    assert etree.fromstring(xml.content).tag == f"{{{PREMIS_NS}}}premis"
    overview = client.get(url("overview"))
    assert overview.status_code == 200
    assert "1 preserved objects for 2 digital items; 1 items not preserved yet." in overview.content.decode()
    assert url("audit") not in overview.content.decode()  # network administrators only
    jump = client.get(url("overview"), {"item": preserved.pdf.pk})
    assert jump.status_code == 302 and jump["Location"] == url("item", preserved.pdf.pk)
    assert client.get(url("overview"), {"item": "x'"}).status_code == 404


def test_staff_preserve_check_and_restore_over_http(client, preserved):
    keeper = staff_of(preserved.library, "keeper")
    client.force_login(keeper)
    response = client.post(url("preserve", preserved.book.pk))
    assert response.status_code == 302
    obj = PreservedObject.objects.get(item=preserved.book)
    assert (
        obj.head == "v1" and obj.events.filter(agent=keeper, type=PreservationEvent.Type.INGESTION).exists()
    )
    live = default_store().path(preserved.book.pages.get(sequence=2).file_key)
    original = live.read_bytes()
    live.unlink()
    response = client.post(url("restore", preserved.book.pk), {"source": "primary"}, follow=True)
    assert "Restored 1 live files" in response.content.decode()
    assert live.read_bytes() == original
    response = client.post(url("check", preserved.book.pk), follow=True)
    assert "Both copies are sound." in response.content.decode()
    assert obj.events.filter(type=PreservationEvent.Type.FIXITY, agent=keeper).count() == 2
    response = client.post(url("restore", preserved.book.pk), {"source": "../etc"}, follow=True)
    assert "Unknown preservation copy" in response.content.decode()


@pytest.mark.parametrize("who", ["other-library", "reader", "anonymous"])
def test_forged_requests_are_refused_and_write_nothing(client, preserved, who):
    if who == "other-library":
        client.force_login(staff_of(preserved.other, "stranger", "library_admin"))
    elif who == "reader":
        client.force_login(make_user("reader", "reader", preserved.library))
    events = PreservationEvent.objects.count()
    live = default_store().path(preserved.pdf.file_key)
    live.write_bytes(b"damaged")
    expected = 302 if who == "anonymous" else 403
    for name in ("preserve", "check", "restore"):
        response = client.post(url(name, preserved.pdf.pk), {"source": "auto"})
        assert response.status_code == expected, name
        if who == "anonymous":
            assert response["Location"].startswith(reverse("accounts:login"))
    for name in ("item", "premis"):
        assert client.get(url(name, preserved.pdf.pk)).status_code == expected
    assert client.post(url("audit")).status_code == expected
    assert PreservationEvent.objects.count() == events and not AuditRun.objects.exists()
    assert live.read_bytes() == b"damaged"
    assert PreservedObject.objects.filter(item=preserved.book).count() == 0


def test_forged_ids_and_methods(client, preserved):
    client.force_login(staff_of(preserved.library, "keeper"))
    assert client.get(url("item", 987654)).status_code == 404
    assert client.post(url("restore", 987654)).status_code == 404
    assert client.get(url("premis", preserved.book.pk)).status_code == 404  # not preserved yet
    assert client.get(url("restore", preserved.pdf.pk)).status_code == 405
    response = client.post(url("restore", preserved.book.pk), follow=True)
    assert "has no preservation copy yet" in response.content.decode()


def test_the_network_administrator_runs_an_audit_and_sees_the_failures(client, preserved):
    client.force_login(make_user("admin", "network_admin"))
    obj = PreservedObject.objects.get(item=preserved.pdf)
    primary = services.primary_root()
    path, _digest = primary.head_state(obj.identifier)["file/item.pdf"]
    (primary.object_dir(obj.identifier) / path).write_bytes(b"rot")
    response = client.post(url("audit"), follow=True)
    text = response.content.decode()
    assert "1 objects checked, 1 with problems." in text
    assert AuditRun.objects.get().trigger == "staff"
    assert f'href="{url("item", preserved.pdf.pk)}"' in text
    assert client.get(url("item", preserved.pdf.pk)).status_code == 200
