"""Helpers shared by the browser tests: one example of every public page type, and checks on the text."""

from __future__ import annotations

import gettext
import re
from functools import cache

from tests.support import REPO

LOCALE = REPO / "khizana" / "locale"
SEARCH_WITH_RESULTS = "pride and prejudice"
SEARCH_WITHOUT_RESULTS = "zqxwvkjh"


def example_urls(page, base_url: str) -> dict[str, str]:
    """Paths of one page of each type, found by browsing like a reader would (no ids guessed)."""
    page.goto(f"{base_url}/search?q={SEARCH_WITH_RESULTS.replace(' ', '+')}")
    work = page.locator("ol.hits li.hit h3 a").first.get_attribute("href")
    page.goto(base_url + "/libraries/")
    library = page.locator(".library-list h3 a").first.get_attribute("href")
    return {
        "home": "/",
        "results": f"/search?q={SEARCH_WITH_RESULTS.replace(' ', '+')}",
        "results-filtered": f"/search?q={SEARCH_WITH_RESULTS.replace(' ', '+')}&language=eng",
        "empty-results": f"/search?q={SEARCH_WITHOUT_RESULTS}",
        "results-misspelt": "/search?q=prejudise",
        "work": work,
        "libraries": "/libraries/",
        "library": library,
        "help": "/help/",
        "resources": "/resources/",
        "resource": "/resources/scopus/",
        "journals": "/resources/journals/?q=revue",
        "free-resources": "/resources/free/",
        "events": "/network/events/",
        "reading-rooms": "/network/events/rooms/",
        "calls": "/network/calls/",
        "labelling": "/network/labelling/",
        "portal": "/network/portal/",
        "not-found": "/no-such-page/",
    }


@cache
def english_ui_strings(language: str) -> list[str]:
    """The English source strings the catalog of ``language`` translates differently (long enough not to be
    mistaken for catalogued data, without placeholders or markup)."""
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as file:
        catalog = gettext.GNUTranslations(file)._catalog  # the only way to list the msgids
    strings = []
    for msgid, msgstr in catalog.items():
        if not isinstance(msgid, str) or not msgid or "\x04" in msgid:
            continue
        if msgstr == msgid or "%(" in msgid or "<" in msgid or len(msgid) < 10:
            continue
        strings.append(msgid)
    return strings


# The text a reader sees, without catalogued data: titles, names and codes are marked <bdi>, lang="..",
# <code> or live in the citation and the record details.
VISIBLE_UI_TEXT = """() => {
    const copy = document.body.cloneNode(true);
    copy.querySelectorAll('bdi, [lang], code, .citation, script, style, .visually-hidden, svg, dd, .names')
        .forEach(e => e.remove());
    copy.querySelectorAll('input[type=submit], button')
        .forEach(e => e.replaceWith(' ' + (e.value || e.textContent) + ' '));
    copy.querySelectorAll('input, textarea, select').forEach(e => e.remove());
    return copy.textContent.replace(/\\s+/g, ' ');
}"""

# Latin-letter words an Arabic page may show outside catalogued data: names of formats and keys.
ALLOWED_LATIN = {
    "Khizana",
    "ISBN",
    "RIS",
    "BibTeX",
    "iCalendar",
    "MARCXML",
    "XML",
    "Dublin",
    "Core",
    "Atom",
    "RSS",
    "MARC",
    "UNIMARC",
    "ISO",
    "CSV",
    "TSV",
    "Excel",
    "Koha",
    "Ctrl",
    "Tab",
    "Enter",
    "OR",
    "author",
    "Français",
    "English",
}


def untranslated_text(page, language: str) -> list[str]:
    """English interface strings still on the page (and, in Arabic, any stray Latin word)."""
    text = page.evaluate(VISIBLE_UI_TEXT)
    found = [s for s in english_ui_strings(language) if s in text]
    if language == "ar":
        words = set(re.findall(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'-]{2,}", text))
        found += sorted(w for w in words if w not in ALLOWED_LATIN and not w.isupper())
    return found
