"""What a reader does, in a real browser: search from the home page, refine with a facet, open a work, switch
to Arabic, use the keyboard only, and make the text larger."""

import re

from .pages import SEARCH_WITH_RESULTS

ARABIC_SKIP_LINK = "الانتقال إلى المحتوى الرئيسي"


def test_search_refine_and_open_a_work(page_in, site):
    page = page_in("fr")
    page.goto(site.base_url + "/")
    box = page.get_by_role("searchbox", name="Mots à chercher")
    box.click()
    box.press_sequentially(SEARCH_WITH_RESULTS)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=pride"))
    assert page.locator("h1").inner_text() == "Résultats de la recherche"
    total_before = page.locator(".hits li.hit").count()
    assert total_before > 0
    status_before = page.get_by_role("status").inner_text()

    language = page.locator("fieldset:has(legend:text-is('Langue'))")
    first = language.locator("input[type=checkbox]").first
    value = first.get_attribute("value")
    first.check()
    page.locator("aside.facets button.apply").click()
    page.wait_for_url(re.compile(rf"language={value}"))
    assert page.locator(f"input[name=language][value={value}]").is_checked()
    assert page.locator(".active-filters li").count() >= 2  # the filter and "remove all filters"
    assert page.get_by_role("status").inner_text() != status_before or total_before <= 20

    hit = page.locator(".hits li.hit h3 a").first
    title = hit.inner_text()
    hit.click()
    page.wait_for_url(re.compile(r"/work/\d+/"))
    assert page.locator("h1").inner_text() == title
    table = page.get_by_role("table", name="Exemplaires dans les bibliothèques du réseau")
    headers = table.locator("thead th").all_inner_texts()
    assert headers == ["Bibliothèque", "Cote", "Localisation", "Statut"]
    assert table.locator("tbody tr").count() >= 1
    assert table.locator("tbody th a").first.get_attribute("href").startswith("/libraries/")


def test_switch_to_arabic_and_the_choice_is_remembered(page_in, site):
    page = page_in("fr")
    page.goto(site.base_url + "/help/")
    assert page.locator("html").get_attribute("dir") == "ltr"
    page.locator(".language-switch button[value=ar]").click()
    page.wait_for_function("document.documentElement && document.documentElement.lang === 'ar'")
    assert page.url.endswith("/help/")  # back on the same page
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator(".skip-link").inner_text() == ARABIC_SKIP_LINK
    assert page.locator("h1").inner_text() == "مساعدة: كيف تستعمل خزانة"
    # Mirrored: the search button is left of the search box in right-to-left.
    box = page.locator("#header-q").bounding_box()
    button = page.locator(".header-search button").bounding_box()
    assert button["x"] < box["x"]
    assert page.locator(".language-switch button[value=ar]").get_attribute("aria-pressed") == "true"

    page.get_by_role("navigation", name="القائمة الرئيسية").get_by_role("link", name="المكتبات").click()
    page.wait_for_url(re.compile(r"/libraries/$"))
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.locator("h1").inner_text() == "المكتبات الأعضاء"

    page.locator(".language-switch button[value=fr]").click()
    page.wait_for_function("document.documentElement && document.documentElement.lang === 'fr'")
    assert page.locator("html").get_attribute("dir") == "ltr"


def test_keyboard_skip_link_goes_to_the_main_content(page_in, site):
    page = page_in("fr")
    page.goto(site.base_url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    assert page.locator(".skip-link").is_visible()  # shown when it has the focus
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'main'")
    page.keyboard.press("Tab")
    # The next stop is inside the main content (the home page's search box), not the header again.
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_larger_text_is_remembered_after_reload(page_in, site):
    page = page_in("fr")
    page.goto(site.base_url + "/")

    def body_size() -> float:
        return page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")

    before = body_size()
    switch = page.get_by_role("button", name="Texte plus grand")
    assert switch.get_attribute("aria-pressed") == "false"
    switch.click()
    assert switch.get_attribute("aria-pressed") == "true"
    assert body_size() >= before * 1.2
    page.reload()
    assert "large-text" in page.locator("html").get_attribute("class")
    assert page.get_by_role("button", name="Texte plus grand").get_attribute("aria-pressed") == "true"
    assert body_size() >= before * 1.2
    page.get_by_role("button", name="Texte plus grand").click()
    page.goto(site.base_url + "/help/")
    assert body_size() == before
