"""The online readers in Chromium: PDF.js paints the first page (with its text layer), an Arabic EPUB opens
right to left, a book whose pages turn right to left swaps the arrow keys, and the item page and readers
pass axe-core in French and Arabic. Time to first page is printed (bench/reader_bench.py measures it)."""

from __future__ import annotations

import json
import re

import pytest

from .conftest import axe_violations, watch_csp

ADD_ITEMS = "from khizana.digital.tests.reader_items import add_demo_items; print(add_demo_items())"
FIRST_PAGE_LIMIT_MS = 15000  # generous on a shared 2-core machine; the bench gives the real figure


@pytest.fixture(scope="module")
def items(site):
    done = site.khizana("shell", "-c", ADD_ITEMS)
    return json.loads(done.stdout.strip().splitlines()[-1])


def watch_errors(page) -> list[str]:
    """Console errors (a Content-Security-Policy refusal shows there) and uncaught exceptions."""
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None
        ),
    )
    # Failed requests are reported by URL; the browser's own favicon request is not the reader's.
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def first_page_ms(page) -> int:
    return int(page.locator("html").get_attribute("data-first-page-ms"))


def painted_pixels(page) -> int:
    return page.evaluate(
        """() => {
            const canvas = document.getElementById('pdf-canvas');
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let dark = 0;
            for (let i = 0; i < data.length; i += 4) if (data[i] < 128 && data[i + 3] > 0) dark++;
            return dark;
        }"""
    )


def test_pdf_reader_paints_the_first_page_with_its_text_layer(page_in, site, items):
    page = page_in("fr")
    errors = watch_errors(page)
    page.goto(f"{site.base_url}/digital/{items['pdf']}/read")
    page.wait_for_selector("#pdf-page[data-state=ready]", timeout=30000)
    assert painted_pixels(page) > 500  # letters drawn, not a blank canvas
    assert "àÀâÂäÄçÇéÉèÈ" in page.locator("#text-layer").inner_text().replace(" ", "").replace("\n", "")
    assert page.locator("#reader-status").inner_text() == "Page 1 sur 1"
    assert page.get_by_role("button", name="Page suivante").is_disabled()
    before = page.locator("#pdf-canvas").bounding_box()["width"]
    page.get_by_role("button", name="Agrandir").click()
    page.wait_for_function(f"document.getElementById('pdf-canvas').getBoundingClientRect().width > {before}")
    elapsed = first_page_ms(page)
    print(f"\ntime to first page, PDF (fr, 1 page): {elapsed} ms")
    assert 0 < elapsed < FIRST_PAGE_LIMIT_MS
    assert errors == []


def test_arabic_pdf_in_the_arabic_interface(page_in, site, items):
    page = page_in("ar")
    errors = watch_errors(page)
    page.goto(f"{site.base_url}/digital/{items['pdf_ar']}/read")
    page.wait_for_selector("#pdf-page[data-state=ready]", timeout=30000)
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert painted_pixels(page) > 100
    text = page.locator("#text-layer").inner_text()
    assert "habibi" in text and re.search("[\u0600-\u06ff]", text)
    assert page.locator("#reader-status").inner_text() == "الصفحة 1 من 1"
    assert errors == []


def test_arabic_epub_opens_right_to_left(page_in, site, items):
    page = page_in("ar")
    errors = watch_errors(page)
    page.goto(f"{site.base_url}/digital/{items['epub']}/read")
    page.wait_for_selector("#book[data-state=ready]", timeout=30000)
    assert page.locator("#book").get_attribute("dir") == "rtl"
    elapsed = first_page_ms(page)
    print(f"\ntime to first page, Arabic EPUB: {elapsed} ms")
    assert 0 < elapsed < FIRST_PAGE_LIMIT_MS
    page.get_by_role("button", name="جدول المحتويات").click()
    page.locator("#toc-list button").last.click()  # the text itself (after the cover, if any)
    frame = page.frame_locator("#book iframe")
    arabic = frame.locator("p", has_text=re.compile("[\u0600-\u06ff]{3}")).first
    assert arabic.evaluate("element => getComputedStyle(element).direction") == "rtl"
    assert page.locator("#book iframe").first.get_attribute("title")  # a name for assistive technologies
    assert errors == []


def test_right_to_left_spine_swaps_the_arrow_keys(page_in, site, items):
    page = page_in("fr")
    page.goto(f"{site.base_url}/digital/{items['epub_spine_rtl']}/read")
    page.wait_for_selector("#book[data-state=ready]", timeout=30000)
    assert page.locator("#book").get_attribute("dir") == "rtl"  # from page-progression-direction
    assert "flèche gauche pour la page suivante" in page.locator("#keys-help").inner_text()
    frame = page.frame_locator("#book iframe")
    first = frame.locator("body").inner_text()
    page.locator("#book").focus()
    page.keyboard.press("ArrowLeft")  # forward in a right-to-left book
    page.wait_for_function(
        "text => [...document.querySelectorAll('#book iframe')].some(f => f.contentDocument && "
        "f.contentDocument.body && f.contentDocument.body.innerText !== text)",
        arg=first,
    )
    second = frame.locator("body").inner_text()
    assert second != first
    page.keyboard.press("ArrowRight")  # and back
    page.wait_for_function(
        "text => [...document.querySelectorAll('#book iframe')].some(f => f.contentDocument && "
        "f.contentDocument.body && f.contentDocument.body.innerText === text)",
        arg=first,
    )


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_item_page_and_readers_are_accessible(browser, site, items, language):
    # Under the pages' real policies: axe-core is evaluated by the driver, not injected as a script.
    context = browser.new_context(locale=language, viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "django_language", "value": language, "url": site.base_url}])
    try:
        page = context.new_page()
        csp = watch_csp(page)
        found = {}
        for path, ready in (
            (f"/digital/{items['pdf']}/", "main"),
            (f"/digital/{items['pdf']}/read", "#pdf-page[data-state=ready]"),
            (f"/digital/{items['epub']}/read", "#book[data-state=ready]"),
            (f"/work/{items['work']}/", "#digital-copies"),
        ):
            page.goto(site.base_url + path)
            page.wait_for_selector(ready, timeout=30000)
            violations = axe_violations(page)
            if violations:
                found[path] = violations
        assert found == {}
        assert csp == []
    finally:
        context.close()


def test_a_search_hit_link_opens_its_spine_document(page_in, site, items):
    page = page_in("fr")
    page.goto(f"{site.base_url}/digital/{items['epub_spine_rtl']}/read")
    page.wait_for_selector("#book[data-state=ready]", timeout=30000)
    first = page.frame_locator("#book iframe").locator("body").inner_text()
    page.goto(f"{site.base_url}/digital/{items['epub_spine_rtl']}/")  # a new document, as from a search page
    page.goto(f"{site.base_url}/digital/{items['epub_spine_rtl']}/read#page=3")
    page.wait_for_selector("#book[data-state=ready]", timeout=30000)
    third = page.frame_locator("#book iframe").locator("body").inner_text()
    assert third != first
