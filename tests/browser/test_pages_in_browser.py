"""The public pages in a real browser: search, open a work, switch to Arabic; axe-core on each page."""

import pytest

from .conftest import LANGUAGES, SCREENSHOTS, axe_violations


@pytest.mark.parametrize("language", LANGUAGES)
def test_home_page_has_no_accessibility_violations(page_in, site, language):
    page = page_in(language)
    page.goto(site.base_url + "/")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    assert axe_violations(page) == []
    if language in ("fr", "ar"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"home-{language}.png"), full_page=True)
