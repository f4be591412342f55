"""The home page: what the network holds (counted once, then cached) and the newest works."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from khizana.catalog.models import SourceRecord, Work
from khizana.core.vocabularies import MATERIAL_TYPES
from khizana.libraries.models import Library
from khizana.search.services import search

NETWORK_COUNTS_KEY = "khizana:network-counts"
NETWORK_COUNTS_SECONDS = 300  # how stale the home page's figures may be after another process's import


def network_counts() -> dict[str, int]:
    """What the network holds, for the home page: counted once, then cached (full counts cost
    seconds over millions of records). Forgotten in this process whenever works change."""
    counts = cache.get(NETWORK_COUNTS_KEY)
    if counts is None:
        availability = dict(search("", page_size=1).facets.get("availability", []))
        counts = {
            "library_count": Library.objects.count(),
            "work_count": Work.objects.count(),
            "record_count": SourceRecord.objects.filter(deleted=False, kind="bibliographic").count(),
            "shared_work_count": Work.objects.filter(library_count__gt=1).count(),
            "digital_count": availability.get("digital", 0),
        }
        cache.set(NETWORK_COUNTS_KEY, counts, NETWORK_COUNTS_SECONDS)
    return counts


def forget_network_counts(**kwargs: Any) -> None:
    """Signal receiver: works or libraries changed, the home page counts again."""
    cache.delete(NETWORK_COUNTS_KEY)


def home_context() -> dict[str, Any]:
    # Work ids grow with creation (clustering allocates them upwards): the newest by primary key.
    fields = ("id", "title", "subtitle", "authors", "year", "material_type")
    recent = Work.objects.only(*fields).order_by("-id")[:8]
    return {
        **network_counts(),
        "recent": [{"work": w, "type_label": MATERIAL_TYPES.get(w.material_type, "")} for w in recent],
    }
