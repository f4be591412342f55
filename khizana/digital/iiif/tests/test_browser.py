"""The page viewer in Debian's Chromium (Playwright) over Django's live server: OpenSeadragon loads the
tiles, the buttons and the keyboard turn the pages (leftwards for a right-to-left book), the status line
says where the reader is, in Arabic and French, and axe-core finds no WCAG 2.1 A/AA violation."""

from __future__ import annotations

from pathlib import Path

import pytest

from khizana.digital.models import DigitalItem
from khizana.digital.tests.iiif_support import (
    image_item,
    large_jpeg,
    make_library,
    make_record,
    validator_image,
)
from tests.browser.conftest import CHROMIUM, axe_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"Chromium not found at {CHROMIUM}"),
]


@pytest.fixture
def rtl_item(transactional_db, settings, tmp_path):
    settings.KHIZANA_IIIF_CACHE = tmp_path / "iiif-cache"
    record = make_record(make_library("BROWSE"), "A1", "كتاب المربعات", languages=["ara"])
    return image_item(
        record, [validator_image(), large_jpeg(1200, 1800)], direction=DigitalItem.Direction.RTL
    )


@pytest.fixture
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.mark.parametrize(("language", "second_page"), [("ar", "الصفحة 2 من 2"), ("fr", "Page 2 sur 2")])
def test_viewer_turns_pages_with_buttons_and_keys(live_server, rtl_item, chromium, language, second_page):
    context = chromium.new_context(locale=language, viewport={"width": 1200, "height": 900})
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    errors, tiles = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda r: tiles.append(r.status) if "/default.jpg" in r.url else None)
    page.goto(f"{live_server.url}/digital/{rtl_item.pk}/pages/")
    page.wait_for_selector("#page-viewer canvas")
    page.wait_for_function("document.getElementById('viewer-status').textContent.length > 0")
    assert page.is_disabled("#viewer-previous") and not page.is_disabled("#viewer-next")
    page.click("#viewer-next")
    page.wait_for_function(
        f"document.getElementById('viewer-status').textContent.startsWith({second_page!r})"
    )
    assert page.input_value("#viewer-page") == "2" and page.is_disabled("#viewer-next")
    page.focus("#page-viewer")
    page.keyboard.press("ArrowRight")  # right-to-left book: the right arrow goes back
    page.wait_for_function("document.getElementById('viewer-page').value === '1'")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("document.getElementById('viewer-page').value === '2'")
    # The pager is laid out for the book: "next" sits left of "previous" whatever the interface language.
    next_x = page.locator("#viewer-next").bounding_box()["x"]
    assert next_x < page.locator("#viewer-previous").bounding_box()["x"]
    page.wait_for_timeout(500)
    assert tiles and set(tiles) == {200}, tiles
    assert not errors, errors
    assert axe_violations(page) == []
    context.close()
