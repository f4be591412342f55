"""Every public page type in the three languages: axe-core finds no WCAG 2.1 A/AA violation, no English
interface text is left on the French and Arabic pages, and the Content-Security-Policy refuses nothing the
page needs. Screenshots of the main pages for the README."""

import pytest

from .conftest import LANGUAGES, SCREENSHOTS, axe_violations, watch_csp
from .pages import example_urls, untranslated_text

SCREENSHOT_PAGES = ("home", "results", "work", "libraries")
MAX_SCREENSHOT_HEIGHT = 2000


@pytest.fixture(scope="module")
def urls(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield example_urls(context.new_page(), site.base_url)
    finally:
        context.close()


def screenshot(page, path) -> None:
    height = page.evaluate("document.documentElement.scrollHeight")
    clip = {"x": 0, "y": 0, "width": 1280, "height": min(height, MAX_SCREENSHOT_HEIGHT)}
    page.screenshot(path=str(path), full_page=True, clip=clip)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_type_is_accessible_and_translated(page_in, site, urls, language):
    page = page_in(language)
    violations, leftovers, refused = {}, {}, {}
    csp = watch_csp(page)
    for name, path in urls.items():
        response = page.goto(site.base_url + path)
        page.wait_for_load_state("load")  # the scripts have run, the styles and images are applied
        assert response.status == (404 if name == "not-found" else 200), name
        assert page.locator("html").get_attribute("lang") == language, name
        assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr"), name
        if name == "results-filtered":
            assert page.locator(".facets input[type=checkbox]:checked").count() >= 1
        if name == "results-misspelt":
            assert page.locator(".notice a").count() >= 1  # "did you mean"
        if csp:
            refused[name] = list(csp)
            csp.clear()
        found = axe_violations(page)
        if found:
            violations[name] = found
        if language != "en":
            text = untranslated_text(page, language)
            if text:
                leftovers[name] = text
        if language in ("fr", "ar") and name in SCREENSHOT_PAGES:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            screenshot(page, SCREENSHOTS / f"{name}-{language}.png")
    assert refused == {}, refused
    assert violations == {}, violations
    assert leftovers == {}, leftovers
