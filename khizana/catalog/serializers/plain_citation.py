"""A short plain-text citation of a work dict, in the conventions of the page's language (no Django)."""

from __future__ import annotations

from .fields import WorkDict, full_title, identifiers_of, one_line, text_values, year_of

# Words of the plain citation, per language of the page.
_WORDS = {
    "fr": {"nd": "s.d.", "et_al": "et al.", "and": " ; ", "colon": " : ", "comma": ", ", "ed": "éd."},
    "en": {"nd": "n.d.", "et_al": "et al.", "and": "; ", "colon": ": ", "comma": ", ", "ed": "ed."},
    "ar": {"nd": "د.ت.", "et_al": "وآخرون", "and": "؛ ", "colon": ": ", "comma": "، ", "ed": "ط."},
}


def plain_citation(work: WorkDict, language: str = "fr") -> str:
    """A short citation in the conventions of ``language`` (fr, en or ar): authors. Title. Edition.
    Place: Publisher, year. ISBN."""
    words = _WORDS.get((language or "fr")[:2], _WORDS["fr"])
    parts: list[str] = []
    authors = text_values(work, "authors")
    if authors:
        shown = words["and"].join(authors[:3])
        if len(authors) > 3:
            shown += " " + words["et_al"]
        parts.append(shown)
    title = full_title(work, words["colon"])
    if title:
        parts.append(title)
    if one_line(work.get("edition")):
        parts.append(one_line(work.get("edition")))
    place, publisher = one_line(work.get("place")), one_line(work.get("publisher"))
    imprint = words["colon"].join(p for p in (place, publisher) if p)
    year = year_of(work) or words["nd"]
    parts.append(f"{imprint}{words['comma']}{year}" if imprint else year)
    isbn = identifiers_of(work, "isbn")
    if isbn:
        parts.append(f"ISBN {isbn[0]}")
    elif identifiers_of(work, "issn"):
        parts.append(f"ISSN {identifiers_of(work, 'issn')[0]}")
    return " ".join(p if p.endswith((".", "?", "!", "؟")) else p + "." for p in parts)
