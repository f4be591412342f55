"""Content negotiation on the work URL (no Django): which representation an ``Accept`` header asks for.

Media ranges are weighed by their ``q`` value (RFC 9110, 12.5.1); the most specific range that covers
a type gives its weight (``application/marc`` before ``application/*`` before ``*/*``); among types of
equal weight the first one offered wins, so HTML stays the default for browsers (``*/*``) and for
clients that send no ``Accept`` at all.
"""

from __future__ import annotations

from collections.abc import Sequence

HTML = "text/html"

# Media type -> name of the export (the key of the work's export URLs); HTML is the page itself.
WORK_TYPES: dict[str, str] = {
    HTML: "html",
    "application/xhtml+xml": "html",
    "application/marcxml+xml": "marc.xml",
    "application/marc": "mrc",
    "application/ld+json": "jsonld",
    "application/x-research-info-systems": "ris",
    "application/x-bibtex": "bib",
    "application/vnd.citationstyles.csl+json": "csl.json",
}


def _ranges(accept: str) -> list[tuple[str, str, float]]:
    """(type, subtype, q) of each well-formed media range of the header; bad ones are skipped."""
    ranges = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        kind, slash, subtype = media.lower().partition("/")
        if not slash or not kind or not subtype or (kind == "*" and subtype != "*"):
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = -1.0
        if 0.0 <= quality <= 1.0:
            ranges.append((kind, subtype, quality))
    return ranges


def _weight(media_type: str, ranges: list[tuple[str, str, float]]) -> float:
    kind, _, subtype = media_type.partition("/")
    best_specificity, weight = 0, 0.0
    for range_kind, range_subtype, quality in ranges:
        if range_kind == kind and range_subtype == subtype:
            specificity = 3
        elif range_kind == kind and range_subtype == "*":
            specificity = 2
        elif range_kind == "*":
            specificity = 1
        else:
            continue
        if specificity > best_specificity:
            best_specificity, weight = specificity, quality
    return weight


def best_match(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the header prefers; the first offered when the header is empty or
    unreadable; None when the header refuses every offered type (all weighed ``q=0``)."""
    ranges = _ranges(accept or "")
    if not ranges:
        return offered[0] if offered else None
    best, best_weight = None, 0.0
    for media_type in offered:
        weight = _weight(media_type, ranges)
        if weight > best_weight:
            best, best_weight = media_type, weight
    return best


def work_export(accept: str | None) -> str | None:
    """The export a request for the work URL asks for (``"mrc"``, ``"ris"``...), None for the page."""
    chosen = best_match(accept, list(WORK_TYPES))
    name = WORK_TYPES.get(chosen or HTML, "html")
    return None if name == "html" else name
