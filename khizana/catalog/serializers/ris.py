"""RIS, the tagged format of reference managers (EndNote, Zotero, Mendeley), from a work dict (no Django)."""

from __future__ import annotations

from .fields import WorkDict, full_title, identifiers_of, one_line, text_values, year_of

_RIS_TYPES = {
    "book": "BOOK",
    "serial": "SER",
    "article": "JOUR",
    "score": "MUSIC",
    "sound": "SOUND",
    "video": "VIDEO",
    "map": "MAP",
    "image": "ART",
    "manuscript": "MANSCPT",
    "electronic": "ELEC",
    "thesis": "THES",
    "kit": "GEN",
    "object": "GEN",
    "other": "GEN",
}


def ris(work: WorkDict) -> str:
    """A RIS record (lines ``TAG  - value``, CRLF line ends, ``ER`` last)."""
    lines = [("TY", _RIS_TYPES.get(work.get("material_type") or "", "GEN"))]
    title = full_title(work)
    if title:
        lines.append(("TI", title))
    for alternative in text_values(work, "parallel_titles"):
        lines.append(("TT", alternative))
    lines += [("AU", author) for author in text_values(work, "authors")]
    if year_of(work):
        lines.append(("PY", year_of(work)))
    for tag, key in (("PB", "publisher"), ("CY", "place"), ("ET", "edition")):
        if one_line(work.get(key)):
            lines.append((tag, one_line(work.get(key))))
    lines += [("SN", value) for value in identifiers_of(work, "isbn") + identifiers_of(work, "issn")]
    lines += [("LA", value) for value in text_values(work, "languages")]
    lines += [("KW", value) for value in text_values(work, "subjects")]
    lines += [("CN", value) for value in text_values(work, "classification")]
    if one_line(work.get("url")):
        lines.append(("UR", one_line(work.get("url"))))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {value}".rstrip(" ") + "\r\n" for tag, value in lines)
