"""The IIIF endpoints and the page viewer through Django's test client: info.json, every request form against
pixel dimensions, errors, caching headers, access, usage events, manifests against the IIIF schema."""

from __future__ import annotations

import io
import json

import jsonschema
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from PIL import Image

from khizana.accounts.models import Membership, Role
from khizana.digital.iiif import views as iiif_views
from khizana.digital.models import DigitalItem, UsageEvent
from khizana.digital.tests.iiif_support import (
    PRESENTATION_SCHEMA,
    image_item,
    make_library,
    make_record,
    validator_image,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    return make_library("IIIFA", name_ar="مكتبة", name_en="Library A")


@pytest.fixture
def item(library, settings, tmp_path):
    settings.KHIZANA_IIIF_CACHE = tmp_path / "iiif-cache"
    record = make_record(
        library, "V1", "Le livre des carrés", authors=["Warner, Simeon"], year=2012, languages=["fre"]
    )
    return image_item(record, [validator_image(), validator_image()])


def url(item: DigitalItem, tail: str, sequence: int = 1) -> str:
    return f"/iiif/3/{item.pk}-{sequence}/{tail}"


def picture(response) -> Image.Image:
    assert response.status_code == 200, response.content[:200]
    return Image.open(io.BytesIO(response.content))


def test_info_json(client, item):
    response = client.get(url(item, "info.json"), HTTP_ACCEPT="application/ld+json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert '<http://iiif.io/api/image/3/level2.json>;rel="profile"' in response["Link"]
    info = response.json()
    assert info["id"] == f"http://testserver/iiif/3/{item.pk}-1"
    assert (info["width"], info["height"], info["type"], info["profile"]) == (
        1000,
        1000,
        "ImageService3",
        "level2",
    )
    assert info["tiles"][0]["scaleFactors"] == [1, 2]
    assert info["rights"] == "http://creativecommons.org/publicdomain/zero/1.0/"
    assert client.get(url(item, "info.json"))["Content-Type"] == "application/json"
    assert client.get(url(item, "info.json"), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    redirect = client.get(f"/iiif/3/{item.pk}-1")
    assert redirect.status_code == 303 and redirect["Location"].endswith(f"/iiif/3/{item.pk}-1/info.json")


@pytest.mark.parametrize(
    ("tail", "size", "mode"),
    [
        ("full/max/0/default.jpg", (1000, 1000), "RGB"),
        ("square/100,/0/default.png", (100, 100), "RGB"),
        ("0,0,512,512/256,/0/default.jpg", (256, 256), "RGB"),
        ("512,512,488,488/244,244/0/default.jpg", (244, 244), "RGB"),
        ("pct:10,10,20,40/max/0/color.png", (200, 400), "RGB"),
        ("full/,150/0/default.jpg", (150, 150), "RGB"),
        ("full/pct:12.5/0/default.jpg", (125, 125), "RGB"),
        ("full/300,100/0/default.png", (300, 100), "RGB"),
        ("full/!300,100/0/default.png", (100, 100), "RGB"),
        ("full/^1100,/0/default.jpg", (1100, 1100), "RGB"),
        ("0,0,200,100/max/90/default.png", (100, 200), "RGB"),
        ("0,0,200,100/max/!180/default.png", (200, 100), "RGB"),
        ("0,0,200,100/max/270/gray.png", (100, 200), "L"),
        ("full/100,/30/bitonal.png", (138, 138), "L"),  # bounding box of the turned image: 136.6 + edges
        ("full/50,/0/default.webp", (50, 50), "RGB"),
    ],
)
def test_image_forms(client, item, tail, size, mode):
    response = client.get(url(item, tail))
    image = picture(response)
    assert (image.size, image.mode) == (size, mode)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert 'rel="canonical"' in response["Link"] and 'rel="profile"' in response["Link"]


def test_errors(client, item):
    assert client.get(url(item, "full/max/0/default.jpg", sequence=9)).status_code == 404
    assert client.get("/iiif/3/nothing/full/max/0/default.jpg").status_code == 404
    assert client.get("/iiif/3/999999-1/info.json").status_code == 404
    assert client.get(url(item, "bad/max/0/default.jpg")).status_code == 400
    assert client.get(url(item, "full/2000,/0/default.jpg")).status_code == 400
    assert client.get(url(item, "full/max/abc/default.jpg")).status_code == 400
    assert client.get(url(item, "full/max/0/sepia.jpg")).status_code == 400
    assert client.get(url(item, "full/max/0/default.jp2")).status_code == 501
    response = client.get(url(item, "full/max/0/default.zzz"))
    assert response.status_code == 400 and response["Access-Control-Allow-Origin"] == "*"
    assert b"invalid format" in response.content


def test_tiles_are_cached_on_disk_with_etags_and_no_usage_event(client, item, settings):
    tail = "0,0,512,512/512,/0/default.jpg"
    first = client.get(url(item, tail))
    cached = list((settings.KHIZANA_IIIF_CACHE).rglob("*.jpg"))
    assert len(cached) == 1 and cached[0].read_bytes() == first.content
    second = client.get(url(item, tail))
    assert second.content == first.content and second["ETag"] == first["ETag"]
    assert first["Cache-Control"] == "public, max-age=86400"
    assert client.get(url(item, tail), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(url(item, "0,0,512,512/512,/0/gray.jpg"))["ETag"] != first["ETag"]
    assert not UsageEvent.objects.exists()  # tiles are not usage; the viewer page is


def test_members_only_item_is_refused_to_anonymous_and_other_libraries(client, item, library):
    item.access = DigitalItem.Access.MEMBERS
    item.save()
    for tail in ("info.json", "full/max/0/default.jpg"):
        assert client.get(url(item, tail)).status_code == 401
    assert client.get(f"/iiif/manifest/{item.pk}.json").status_code == 401
    other = make_library("IIIFB")
    user = get_user_model().objects.create_user("reader-b", password="x")
    Membership.objects.create(user=user, role=Role.READER, library=other, verified_at=timezone.now())
    client.force_login(user)
    assert client.get(url(item, "info.json")).status_code == 403
    member = get_user_model().objects.create_user("reader-a", password="x")
    Membership.objects.create(user=member, role=Role.READER, library=library, verified_at=timezone.now())
    client.force_login(member)
    response = client.get(url(item, "full/100,/0/default.jpg"))
    assert response.status_code == 200 and response["Cache-Control"].startswith("private")


def validate_manifest(document: dict) -> None:
    schema = json.loads(PRESENTATION_SCHEMA.read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(document), key=lambda e: e.path)
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_manifest_of_a_french_item(client, item):
    response = client.get(f"/iiif/manifest/{item.pk}.json")
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    manifest = response.json()
    validate_manifest(manifest)
    assert manifest["label"] == {"fr": ["Le livre des carrés"]}
    assert set(manifest["summary"]) == {"fr", "ar", "en"}
    assert manifest["viewingDirection"] == "left-to-right"
    assert manifest["rights"] == "http://creativecommons.org/publicdomain/zero/1.0/"
    assert manifest["requiredStatement"]["value"] == {
        "fr": ["Bibliothèque IIIFA"],
        "ar": ["مكتبة"],
        "en": ["Library A"],
    }
    labels = [row["label"]["en"][0] for row in manifest["metadata"]]
    assert labels == ["Author", "Date", "Library", "Rights"]
    assert manifest["metadata"][-1]["value"] == {"none": ["CC0"]}  # the licence's name beside its URI
    assert manifest["homepage"][0]["id"] == f"http://testserver/work/{item.record.work_id}/"
    assert "seeAlso" not in manifest  # a Dublin Core record has no MARCXML export
    canvases = manifest["items"]
    assert len(canvases) == 2 and (canvases[0]["width"], canvases[0]["height"]) == (1000, 1000)
    body = canvases[0]["items"][0]["items"][0]["body"]
    assert body["service"][0] == {
        "id": f"http://testserver/iiif/3/{item.pk}-1",
        "type": "ImageService3",
        "profile": "level2",
    }
    thumbnail = canvases[1]["thumbnail"][0]["id"]
    assert picture(client.get(thumbnail.removeprefix("http://testserver"))).size == (256, 256)


def test_manifest_of_an_arabic_right_to_left_item(client, library, settings, tmp_path):
    settings.KHIZANA_IIIF_CACHE = tmp_path / "cache"
    record = make_record(library, "A1", "كتاب المربعات", languages=["ara"], publisher="دار النشر")
    item = image_item(
        record,
        [validator_image()],
        direction=DigitalItem.Direction.RTL,
        rights="http://creativecommons.org/publicdomain/mark/1.0/",
        language="ara",
    )
    manifest = client.get(f"/iiif/manifest/{item.pk}.json").json()
    validate_manifest(manifest)
    assert manifest["label"] == {"ar": ["كتاب المربعات"]}
    assert manifest["viewingDirection"] == "right-to-left"
    assert manifest["rights"] == "http://creativecommons.org/publicdomain/mark/1.0/"
    rows = {row["label"]["fr"][0]: row["value"] for row in manifest["metadata"]}
    assert rows["Droits"] == {"none": ["PDM"]} and rows["Éditeur"] == {"none": ["دار النشر"]}
    assert manifest["summary"]["ar"][0] != manifest["summary"]["en"][0]


def test_manifest_of_an_item_without_page_images_is_404(client, library):
    record = make_record(library, "P1", "Un PDF")
    item = DigitalItem.objects.create(
        record=record,
        library=library,
        kind="pdf",
        media_type="application/pdf",
        sha256="0" * 64,
        access="open",
    )
    assert client.get(f"/iiif/manifest/{item.pk}.json").status_code == 404


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_viewer_page_renders_and_records_one_read(client, item, language):
    item.direction = DigitalItem.Direction.RTL
    item.save()
    client.cookies["django_language"] = language
    response = client.get(f"/digital/{item.pk}/pages/", HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}"' in html
    assert "openseadragon.min.js" in html and "digital/viewer.js" in html
    pages = json.loads(html.split('id="viewer-pages" type="application/json">')[1].split("</script>")[0])
    assert [p["info"] for p in pages] == [f"/iiif/3/{item.pk}-1/info.json", f"/iiif/3/{item.pk}-2/info.json"]
    assert 'data-rtl="1"' in html and "book-rtl" in html
    expected = {"fr": "Page suivante", "ar": "الصفحة التالية"}[language]
    assert expected in html
    client.get(f"/digital/{item.pk}/pages/")  # within 30 s: the same event
    assert UsageEvent.objects.filter(item=item, action="read").count() == 1


def test_viewer_refused_page_says_why_and_what_to_do(client, item):
    item.access = DigitalItem.Access.MEMBERS
    item.save()
    response = client.get(f"/digital/{item.pk}/pages/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 401
    assert "Log in with your library account" in html and "/account/login/?next=" in html
    assert "openseadragon" not in html and not UsageEvent.objects.exists()


def test_decoded_source_is_reused(client, item):
    iiif_views._decoded_images.clear()
    assert picture(client.get(url(item, "0,0,100,100/max/0/default.png"))).size == (100, 100)
    assert len(iiif_views._decoded_images) == 1


def test_reduced_tile_of_a_png_page_uses_the_decoded_source(client, item):
    iiif_views._decoded_images.clear()  # PNG has no reduced decode: decode once, keep it for the next tiles
    assert picture(client.get(url(item, "full/50,/0/default.png"))).size[0] == 50
    assert len(iiif_views._decoded_images) == 1


def test_manifest_links_the_marcxml_of_a_work_with_a_marc_record(client, item):
    record = item.record
    record.format = "marc21"
    record.save(update_fields=["format"])
    manifest = client.get(f"/iiif/manifest/{item.pk}.json").json()
    assert manifest["seeAlso"][0]["format"] == "application/marcxml+xml"
