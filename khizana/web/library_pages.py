"""The pages of the member libraries: all of them (with the network map), and one library with what it
holds (counted by :func:`khizana.search.figures.library_figures`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import get_language

from khizana.core.vocabularies import COUNTRIES, MATERIAL_TYPES, language_name
from khizana.libraries.models import Library
from khizana.search.figures import library_figures
from khizana.search.services import search

from .network_map import network_map
from .search_params import SearchParams


def libraries_context() -> dict[str, Any]:
    overview = search("", page_size=1)
    works = dict(overview.facets.get("library", []))
    libraries = list(
        Library.objects.annotate(
            record_count=Count("records", filter=Q(records__deleted=False, records__kind="bibliographic"))
        ).order_by("code")
    )
    rows = [
        {
            "library": library,
            "work_count": works.get(library.code, 0),
            "kind_label": library.get_kind_display(),
            "country_label": COUNTRIES.get(library.country, library.country),
            "url": reverse("web:library", args=[library.code]),
        }
        for library in libraries
    ]
    rows.sort(key=lambda r: r["library"].name.casefold())
    return {"rows": rows, "map": network_map(rows)}


def _names_in_order(library: Library) -> list[dict[str, str]]:
    active = (get_language() or "fr")[:2]
    names = [
        {"lang": code, "name": getattr(library, f"name_{code}"), "language": label}
        for code, label in settings.LANGUAGES
        if getattr(library, f"name_{code}", "")
    ]
    names.sort(key=lambda n: n["lang"] != active)
    return names


def library_context(library: Library) -> dict[str, Any]:
    figures = library_figures(library)
    own = {"library": [library.code]}
    languages = [
        {
            "label": language_name(code),
            "count": count,
            "url": SearchParams(filters={**own, "language": [code]}).url(),
        }
        for code, count in figures["facets"].get("language", [])[:6]
    ]
    types = [
        {
            "label": MATERIAL_TYPES.get(code, code),
            "count": count,
            "url": SearchParams(filters={**own, "type": [code]}).url(),
        }
        for code, count in figures["facets"].get("type", [])[:6]
    ]
    return {
        "library": library,
        "names": _names_in_order(library),
        "kind_label": library.get_kind_display(),
        "country_label": COUNTRIES.get(library.country, library.country),
        "record_count": figures["record_count"],
        "work_count": figures["work_count"],
        "copy_count": figures["copy_count"],
        "shared_count": figures["shared_count"],
        "languages": languages,
        "types": types,
        "search_url": SearchParams(filters={"library": [library.code]}).url(),
        "labelled_collections": _labelled_collections(library),
    }


def _labelled_collections(library: Library) -> list:
    """The library's labelled collections of excellence (programmes.labelling)."""
    from khizana.programmes.labelling.services import for_library

    return for_library(library)
