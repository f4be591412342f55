"""The whole programme over HTTP, as staff use it: propose a title, open a round, select it, prepare it,
upload the provider's ZIP batch, refuse a quality check and rescan, check, OCR, publish; then the item is in
the digital library and its IIIF manifest is served and valid against the IIIF Presentation 3 schema."""

from __future__ import annotations

import io
import json
import zipfile

import jsonschema
import pytest

from khizana.accounts.models import Role
from khizana.digital.fulltext import ocr
from khizana.digital.models import DigitalItem, PageText
from khizana.digital.tests.iiif_support import PRESENTATION_SCHEMA
from khizana.heritage.digitisation import chain
from khizana.heritage.digitisation.models import Candidate, Event, Item, Round
from khizana.heritage.digitisation.tests.support import ibn_athir, page_images
from khizana.testing import make_library, make_user, shared_data_dir

pytestmark = pytest.mark.django_db
STAFF = "/staff/heritage/digitisation"


@pytest.fixture(autouse=True)
def folders(settings, tmp_path):
    settings.KHIZANA_DIGITISATION_STAGING = tmp_path / "staging"
    settings.KHIZANA_DIGITAL_STORE = tmp_path / "store"
    settings.KHIZANA_IIIF_CACHE = tmp_path / "iiif-cache"
    return tmp_path


def zip_batch(item_id: int, pages) -> io.BytesIO:
    """A provider's delivery: one top folder, the manifest and the item's folder of page images."""
    buffer = io.BytesIO()
    lines = ["item,folder,file,order,label"]
    with zipfile.ZipFile(buffer, "w") as archive:
        for number, page in enumerate(pages, start=1):
            name = f"{number:04d}{page.suffix}"
            archive.write(page, f"LIVRAISON-12/kamil/{name}")
            lines.append(f"{item_id},kamil,{name},{number},{number + 100}")
        archive.writestr("LIVRAISON-12/manifest.csv", "\n".join(lines) + "\n")
    buffer.seek(0)
    buffer.name = "LIVRAISON-12.zip"
    return buffer


def post(client, url, data=None, status=302, **extra):
    response = client.post(url, data or {}, **extra)
    assert response.status_code == status, response.content.decode()[:2000]
    return response


def test_from_proposal_to_the_iiif_manifest(client, django_capture_on_commit_callbacks, folders):
    library = make_library("BNRM", country="MA", name_en="National Library", name_ar="المكتبة الوطنية")
    record = ibn_athir(library)
    staff = make_user("cat-bnrm", Role.CATALOGUER, library)
    admin = make_user("admin", Role.NETWORK_ADMIN)

    client.force_login(staff)
    post(client, f"{STAFF}/candidates/", {"library": "BNRM", "key": "local:KAMIL-1", "note": "Plan 2026"})
    candidate = Candidate.objects.get(record=record)
    assert candidate.copyright == Candidate.Copyright.PUBLIC_DOMAIN
    assert "1233" in client.get(f"{STAFF}/candidates/").content.decode()

    client.force_login(admin)
    post(
        client,
        f"{STAFF}/rounds/",
        {"name": "2026-A", "starts_on": "2026-01-01", "ends_on": "2026-12-31", "quota": "10"},
    )
    chosen = Round.objects.get(name="2026-A")

    client.force_login(staff)
    post(client, f"{STAFF}/candidates/{candidate.pk}/select", {"round": chosen.pk})
    item = Item.objects.get(candidate=candidate)
    move = f"{STAFF}/items/{item.pk}/move"
    post(client, move, {"step": chain.PREPARED})

    pages = page_images(3)
    post(
        client, f"{STAFF}/import/", {"round": chosen.pk, "library": "BNRM", "file": zip_batch(item.pk, pages)}
    )
    item.refresh_from_db()
    assert item.step == chain.SCANNED and item.scan_pages.count() == 3
    # quality check refused: back to "prepared" with the reason, and a new delivery
    post(client, move, {"step": chain.PREPARED, "reason": "page 2 cut off"})
    delivery = {"round": chosen.pk, "library": "BNRM", "file": zip_batch(item.pk, pages)}
    with django_capture_on_commit_callbacks(execute=True):  # the first delivery's files go on commit
        post(client, f"{STAFF}/import/", delivery)
    post(client, move, {"step": chain.QUALITY_CHECKED})
    post(client, move, {"step": chain.OCR})
    item.refresh_from_db()
    assert item.step == chain.OCR
    text = "".join(page.text for page in item.scan_pages.all())
    if shared_data_dir() is not None and ocr.tesseract_available():  # printed Arabic lines, read
        assert sum("\u0621" <= char <= "\u064a" for char in text) > 50, text

    with django_capture_on_commit_callbacks(execute=True):
        post(client, move, {"step": chain.PUBLISHED})
    item.refresh_from_db()
    digital = item.digital_item
    assert item.step == chain.PUBLISHED and digital.kind == DigitalItem.Kind.IMAGES
    assert (digital.record_id, digital.access, digital.page_count) == (record.pk, "open", 3)
    assert digital.rights == "http://creativecommons.org/publicdomain/mark/1.0/"
    assert list(digital.pages.values_list("label", flat=True)) == ["101", "102", "103"]
    assert not [path for path in (folders / "staging").rglob("*") if path.is_file()]  # staged copies gone

    steps = list(Event.objects.filter(item=item).values_list("step", "back", "library__code"))
    assert [step for step, _back, _code in steps] == [
        "selected",
        "prepared",
        "scanned",
        "prepared",
        "scanned",
        "quality_checked",
        "ocr",
        "published",
    ]
    assert [back for _step, back, _code in steps].count(True) == 1 and {code for *_rest, code in steps} == {
        "BNRM"
    }

    client.logout()
    response = client.get(f"/iiif/manifest/{digital.pk}.json")
    assert response.status_code == 200
    document = response.json()
    schema = json.loads(PRESENTATION_SCHEMA.read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    assert len(document["items"]) == 3
    assert document["rights"] == "http://creativecommons.org/publicdomain/mark/1.0/"
    canvas = document["items"][0]
    image = canvas["items"][0]["items"][0]["body"]
    assert client.get(image["service"][0]["id"] + "/info.json").status_code == 200

    public = client.get("/heritage/digitisation/").content.decode()
    assert f"/iiif/manifest/{digital.pk}.json" in public and "al-Kāmil" in public
    assert client.get(f"/digital/{digital.pk}/").status_code == 200
    if PageText.objects.filter(item=digital).exists():  # the digital library read the pages (Tesseract here)
        assert PageText.objects.filter(item=digital).count() == 3

    client.force_login(staff)
    dashboard = client.get(f"{STAFF}/").content.decode()
    assert "2026-A" in dashboard and "digitisation-steps" in dashboard
