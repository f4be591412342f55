"""The network's vocabularies and their readable names, translated: facets, sorts, types of document,
availability, holding statuses, writing systems, countries, languages. Pages, the API, OAI-PMH and the
staff space all name things with these."""

from __future__ import annotations

from django.conf.locale import LANG_INFO
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .languages import TO_639_1, language_tag

__all__ = [
    "AVAILABILITY",
    "COUNTRIES",
    "FACET_LABELS",
    "HOLDING_STATUS",
    "MATERIAL_TYPES",
    "SCRIPTS",
    "SORT_LABELS",
    "facet_value_label",
    "language_name",
    "language_tag",
]


FACET_LABELS = {
    "library": _("Library"),
    "language": _("Language"),
    "type": _("Type of document"),
    "decade": _("Decade"),
    "subject": _("Subject"),
    "script": _("Writing system"),
    "availability": _("Availability"),
}
SORT_LABELS = {
    "relevance": _("Relevance"),
    "year": _("Newest first"),
    "year_asc": _("Oldest first"),
    "title": _("Title (A to Z)"),
    "author": _("Author (A to Z)"),
}
MATERIAL_TYPES = {
    "book": _("Book"),
    "serial": _("Periodical"),
    "article": _("Article"),
    "score": _("Music score"),
    "sound": _("Sound recording"),
    "video": _("Video"),
    "map": _("Map"),
    "image": _("Image"),
    "manuscript": _("Manuscript"),
    "electronic": _("Electronic resource"),
    "kit": _("Kit or mixed materials"),
    "object": _("Object"),
    "thesis": _("Thesis"),
    "other": _("Other"),
}
AVAILABILITY = {"on_shelf": _("On the shelf"), "digital": _("Digital copy")}
HOLDING_STATUS = {
    "available": _("Available"),
    "on_loan": _("On loan"),
    "not_for_loan": _("For consultation on site only"),
    "lost": _("Missing"),
    "unknown": _("Ask the library"),
}
SCRIPTS = {
    "Latin": _("Latin alphabet"),
    "Arabic": _("Arabic script"),
    "Tifinagh": _("Tifinagh"),
    "Hebrew": _("Hebrew script"),
    "Cyrillic": _("Cyrillic"),
    "Greek": _("Greek alphabet"),
    "Armenian": _("Armenian alphabet"),
    "Han": _("Chinese characters"),
    "Hiragana": _("Japanese kana"),
    "Katakana": _("Japanese kana"),
    "Hangul": _("Korean hangul"),
}
COUNTRIES = {
    "MA": _("Morocco"),
    "DZ": _("Algeria"),
    "TN": _("Tunisia"),
    "LY": _("Libya"),
    "MR": _("Mauritania"),
    "EG": _("Egypt"),
    "FR": _("France"),
    "BE": _("Belgium"),
    "ES": _("Spain"),
    "SN": _("Senegal"),
}
# ISO 639-2/B codes Django does not name (or names too vaguely).
_LANGUAGE_EXTRA = {
    "ber": _("Berber languages"),
    "tzm": _("Central Atlas Tamazight"),
    "zgh": _("Standard Moroccan Tamazight"),
    "kab": _("Kabyle"),
    "chi": _("Chinese"),
    "per": _("Persian"),
    "lat": _("Latin"),
    "grc": _("Ancient Greek"),
    "ota": _("Ottoman Turkish"),
    "mul": _("Several languages"),
    "und": _("Undetermined language"),
    "zxx": _("No linguistic content"),
}


def language_name(code: str) -> str:
    if code in _LANGUAGE_EXTRA:
        return str(_LANGUAGE_EXTRA[code])
    info = LANG_INFO.get(TO_639_1.get(code, ""))
    if info and "name" in info:
        return gettext(info["name"])  # Django's own catalogs translate language names
    return code


def facet_value_label(facet: str, value: str, libraries: dict[str, str]) -> str:
    """The readable name of a facet value; ``libraries`` names the library codes."""
    if facet == "library":
        return libraries.get(value, value)
    if facet == "language":
        return language_name(value)
    if facet == "type":
        return str(MATERIAL_TYPES.get(value, value))
    if facet == "availability":
        return str(AVAILABILITY.get(value, value))
    if facet == "script":
        return str(SCRIPTS.get(value, value))
    if facet == "decade" and value.isdigit():
        return f"{value}–{int(value) + 9}"
    return value
