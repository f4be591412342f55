"""What a member library holds, counted: its works as the search counts them (with the facets of its
works), its records, copies and shared works from the catalog. The library page and the API show them."""

from __future__ import annotations

from typing import TypedDict

from khizana.catalog.models import Holding, SourceRecord, Work
from khizana.libraries.models import Library

from .services import search


class LibraryFigures(TypedDict):
    record_count: int  # bibliographic records, deleted ones left out
    work_count: int  # works holding one of its records, as a search filtered on the library finds them
    copy_count: int
    shared_count: int  # its works that other libraries hold too
    facets: dict[str, list[tuple[str, int]]]  # the facet counts of its works (languages, types...)


def library_figures(library: Library) -> LibraryFigures:
    overview = search("", {"library": [library.code]}, page_size=1)
    records = SourceRecord.objects.filter(library=library, deleted=False, kind="bibliographic").count()
    return {
        "record_count": records,
        "work_count": overview.total,
        "copy_count": Holding.objects.filter(library=library).count(),
        "shared_count": Work.objects.filter(records__library=library, library_count__gt=1).distinct().count(),
        "facets": overview.facets,
    }
