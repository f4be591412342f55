"""CSL-JSON from a work dict (no Django), as Zotero, Pandoc and citeproc read it."""

from __future__ import annotations

import re
from typing import Any

from .fields import WorkDict, full_title, identifiers_of, one_line, text_values, year_of

_CSL_TYPES = {
    "book": "book",
    "serial": "periodical",
    "article": "article-journal",
    "thesis": "thesis",
    "score": "musical_score",
    "sound": "song",
    "video": "motion_picture",
    "map": "map",
    "image": "graphic",
    "manuscript": "manuscript",
    "electronic": "software",
    "kit": "collection",
}
_NAME_DATES = re.compile(r"^[\d\s?.()-]+$|^(?:fl\.|b\.|d\.|ca\.|né|morte?)\s", re.IGNORECASE)


def csl_name(name: str) -> dict[str, str]:
    """A CSL name: ``{"family", "given"}`` from "Surname, Forename[, dates]" (Latin or Arabic comma),
    ``{"literal"}`` for a name without a comma (a corporate body, a single name)."""
    parts = [p.strip(" .,;") for p in re.split(r"[,،]", one_line(name))]
    parts = [p for p in parts if p and not _NAME_DATES.match(p)]
    if len(parts) >= 2:
        return {"family": parts[0], "given": parts[1]}
    return {"literal": parts[0] if parts else one_line(name)}


def csl_item(work: WorkDict) -> dict[str, Any]:
    """One CSL-JSON item (the field names of the CSL-JSON schema)."""
    item: dict[str, Any] = {
        "id": f"khizana-{work.get('id')}" if work.get("id") is not None else "khizana",
        "type": _CSL_TYPES.get(work.get("material_type") or "", "document"),
    }
    title = full_title(work)
    if title:
        item["title"] = title
    if text_values(work, "authors"):
        item["author"] = [csl_name(a) for a in text_values(work, "authors")]
    if year_of(work):
        item["issued"] = {"date-parts": [[int(year_of(work))]]}
    for key, source in (("publisher", "publisher"), ("publisher-place", "place"), ("edition", "edition")):
        if one_line(work.get(source)):
            item[key] = one_line(work.get(source))
    if identifiers_of(work, "isbn"):
        item["ISBN"] = identifiers_of(work, "isbn")[0]
    if identifiers_of(work, "issn"):
        item["ISSN"] = identifiers_of(work, "issn")[0]
    languages = text_values(work, "language_tags") or text_values(work, "languages")
    if languages:
        item["language"] = languages[0]
    if text_values(work, "subjects"):
        item["keyword"] = ", ".join(text_values(work, "subjects"))
    if one_line(work.get("url")):
        item["URL"] = one_line(work.get("url"))
    return item


def csl_json(works: list[WorkDict]) -> list[dict[str, Any]]:
    """CSL-JSON: an array of items, as Zotero, Pandoc and citeproc read it."""
    return [csl_item(work) for work in works]
