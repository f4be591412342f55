"""The staff pages and the public page over HTTP, and forged requests: anonymous, a reader, another
library's staff, a cataloguer doing an administrator's job, ids that do not exist."""

from __future__ import annotations

import io

import pytest

from khizana.accounts.models import Role
from khizana.heritage.digitisation import chain, services
from khizana.heritage.digitisation.models import Candidate, Event, Item, Round, ScanPage
from khizana.heritage.digitisation.tests.support import ibn_athir, make_round
from khizana.testing import make_library, make_user

pytestmark = pytest.mark.django_db
STAFF = "/staff/heritage/digitisation"


@pytest.fixture
def world(settings, tmp_path):
    settings.KHIZANA_DIGITISATION_STAGING = tmp_path / "staging"
    library = make_library("BNRM", country="MA")
    other = make_library("BNA", country="DZ")
    staff = make_user("cat-bnrm", Role.CATALOGUER, library)
    candidate = services.propose(staff, "local:KAMIL-1", library) if ibn_athir(library) else None
    chosen = make_round()
    item = services.select(staff, chosen.pk, candidate.pk)
    return {
        "library": library,
        "staff": staff,
        "stranger": make_user("cat-bna", Role.CATALOGUER, other),
        "reader": make_user("reader", Role.READER, library),
        "admin": make_user("admin", Role.NETWORK_ADMIN),
        "candidate": candidate,
        "round": chosen,
        "item": item,
    }


def test_pages_render_for_the_staff(client, world):
    client.force_login(world["staff"])
    item = world["item"]
    for url in (
        "/",
        "/candidates/",
        "/rounds/",
        f"/rounds/{world['round'].pk}/",
        f"/items/{item.pk}/",
        "/import/",
    ):
        response = client.get(STAFF + url)
        assert response.status_code == 200, url
        assert "Digitisation programme" in response.content.decode()  # the staff menu entry
    page = client.get(f"{STAFF}/items/{item.pk}/").content.decode()
    assert 'aria-current="step"' in page and "al-Kāmil" in page
    assert client.get("/heritage/digitisation/").status_code == 200


def test_dashboards_per_library_and_for_the_network(client, world):
    client.force_login(world["staff"])
    page = client.get(f"{STAFF}/").content.decode()
    assert "BNRM" in page and "2026-A" in page
    assert client.get(f"{STAFF}/?library=BNA").content.decode().count("2026-A") >= 1  # ignored: their own
    client.force_login(world["stranger"])
    assert "2026-A" not in client.get(f"{STAFF}/").content.decode()
    client.force_login(world["admin"])
    assert "the network" in client.get(f"{STAFF}/").content.decode()
    assert "2026-A" in client.get(f"{STAFF}/?library=BNRM").content.decode()
    assert client.get(f"{STAFF}/?library=NOPE").status_code == 404


def test_anonymous_and_readers_are_turned_away(client, world):
    item = world["item"]
    response = client.post(f"{STAFF}/items/{item.pk}/move", {"step": chain.PREPARED})
    assert response.status_code == 302 and "/login" in response["Location"]
    assert client.get(f"{STAFF}/").status_code == 302
    client.force_login(world["reader"])
    assert client.get(f"{STAFF}/").status_code == 403
    assert client.post(f"{STAFF}/items/{item.pk}/move", {"step": chain.PREPARED}).status_code == 403
    assert client.post(f"{STAFF}/candidates/", {"library": "BNRM", "key": "local:KAMIL-1"}).status_code == 403
    item.refresh_from_db()
    assert item.step == chain.SELECTED


def test_another_librarys_staff_cannot_act(client, world):
    item, candidate = world["item"], world["candidate"]
    client.force_login(world["stranger"])
    assert client.get(f"{STAFF}/items/{item.pk}/").status_code == 404
    assert client.post(f"{STAFF}/items/{item.pk}/move", {"step": chain.PREPARED}).status_code == 403
    assert client.post(f"{STAFF}/candidates/{candidate.pk}/clear", {"note": "mine"}).status_code == 403
    second = make_round("2026-B")
    assert client.post(f"{STAFF}/candidates/{candidate.pk}/select", {"round": second.pk}).status_code == 403
    response = client.post(f"{STAFF}/candidates/", {"library": "BNRM", "key": "local:KAMIL-1"})
    assert response.status_code == 400 and "Choose one of your libraries" in response.content.decode()
    upload = io.BytesIO(b"PK")
    upload.name = "batch.zip"
    response = client.post(
        f"{STAFF}/import/", {"round": world["round"].pk, "library": "BNRM", "file": upload}
    )
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.step == chain.SELECTED and not Item.objects.filter(round=second).exists()
    assert Event.objects.filter(item=item).count() == 1 and not ScanPage.objects.exists()
    assert Candidate.objects.get(pk=candidate.pk).copyright == Candidate.Copyright.PUBLIC_DOMAIN


def test_only_network_admins_open_rounds(client, world):
    values = {"name": "2027", "starts_on": "2027-01-01", "ends_on": "2027-12-31"}
    client.force_login(world["staff"])
    assert client.post(f"{STAFF}/rounds/", values).status_code == 403
    assert "Open the round" not in client.get(f"{STAFF}/rounds/").content.decode()
    client.force_login(world["admin"])
    response = client.post(f"{STAFF}/rounds/", {**values, "ends_on": "2026-01-01"})
    assert response.status_code == 400 and "ends before it starts" in response.content.decode()
    assert client.post(f"{STAFF}/rounds/", values).status_code == 302
    assert Round.objects.filter(name="2027").exists()


def test_forged_ids(client, world):
    client.force_login(world["staff"])
    assert client.post(f"{STAFF}/items/99999/move", {"step": chain.PREPARED}).status_code == 404
    assert client.post(f"{STAFF}/candidates/99999/clear", {"note": "x"}).status_code == 404
    assert (
        client.post(f"{STAFF}/candidates/{world['candidate'].pk}/select", {"round": "x"}).status_code == 404
    )
    assert client.get(f"{STAFF}/rounds/99999/").status_code == 404
    response = client.post(
        f"{STAFF}/candidates/{world['candidate'].pk}/select", {"round": 99999}, follow=True
    )
    assert "No selection round has the number 99999" in response.content.decode()


def test_bad_input_is_told_not_a_traceback(client, world):
    client.force_login(world["staff"])
    item = world["item"]
    response = client.post(f"{STAFF}/items/{item.pk}/move", {"step": chain.SCANNED}, follow=True)
    assert "cannot go to scanned" in response.content.decode()
    response = client.post(f"{STAFF}/items/{item.pk}/move", {"step": "burnt"}, follow=True)
    assert "unknown step burnt" in response.content.decode()
    response = client.post(f"{STAFF}/candidates/", {"library": "BNRM", "key": "isbn:123"})
    assert response.status_code == 400 and "123" in response.content.decode()
    upload = io.BytesIO(b"not a zip")
    upload.name = "batch.zip"
    response = client.post(
        f"{STAFF}/import/", {"round": world["round"].pk, "library": "BNRM", "file": upload}
    )
    assert response.status_code == 400 and "not a readable ZIP" in response.content.decode()
