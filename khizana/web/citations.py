"""Citations and exports of one work: RIS, BibTeX, a plain-text citation, Dublin Core and schema.org.

Pure functions (no Django): each takes a *work dict*, the display fields of a work::

    {
        "id": 12, "title": "...", "subtitle": "...", "parallel_titles": [...],
        "authors": ["Surname, Forename", ...], "identifiers": {"isbn": [...], "issn": [...], ...},
        "publisher": "...", "place": "...", "year": 1962 or None, "edition": "...",
        "languages": ["fre", ...], "language_tags": ["fr", ...] (BCP 47, optional),
        "material_type": "book", "subjects": [...], "classification": [...],
        "url": "https://..." (optional),
        "holdings": [{"library_code", "library_name", "library_url", "call_number", "location",
                      "status"}, ...] (optional),
    }

Missing keys are read as empty.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from lxml import etree

WorkDict = dict[str, Any]

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
SRW_DC = "info:srw/schema/1/dc-schema"
DC_SCHEMAS = {OAI_DC: OAI_DC_SCHEMA, SRW_DC: "http://www.loc.gov/standards/sru/recordSchemas/dc-schema.xsd"}

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
_BIBTEX_TYPES = {"book": "book", "article": "article", "thesis": "phdthesis"}
_DC_TYPES = {
    "book": "Text",
    "serial": "Text",
    "article": "Text",
    "thesis": "Text",
    "manuscript": "Text",
    "score": "Text",
    "sound": "Sound",
    "video": "MovingImage",
    "map": "StillImage",
    "image": "StillImage",
    "electronic": "Software",
    "object": "PhysicalObject",
    "kit": "Collection",
}
_SCHEMA_TYPES = {"book": "Book", "thesis": "Book", "serial": "Periodical"}
_SCHEMA_AVAILABILITY = {
    "available": "https://schema.org/InStock",
    "on_loan": "https://schema.org/OutOfStock",
    "not_for_loan": "https://schema.org/InStoreOnly",
    "lost": "https://schema.org/Discontinued",
}

# Words of the plain citation, per language of the page.
_WORDS = {
    "fr": {"nd": "s.d.", "et_al": "et al.", "and": " ; ", "colon": " : ", "comma": ", ", "ed": "éd."},
    "en": {"nd": "n.d.", "et_al": "et al.", "and": "; ", "colon": ": ", "comma": ", ", "ed": "ed."},
    "ar": {"nd": "د.ت.", "et_al": "وآخرون", "and": "؛ ", "colon": ": ", "comma": "، ", "ed": "ط."},
}


def _text(value: Any) -> str:
    """One line of text: no control characters, runs of white space as one space."""
    text = "" if value is None else str(value)
    text = "".join(" " if unicodedata.category(c) in {"Cc", "Zl", "Zp"} else c for c in text)
    return re.sub(r"\s+", " ", text).strip()


def _list(work: WorkDict, key: str) -> list[str]:
    values = work.get(key) or []
    if isinstance(values, str):
        values = [values]
    return [t for t in (_text(v) for v in values) if t]


def _ids(work: WorkDict, scheme: str) -> list[str]:
    identifiers = work.get("identifiers") or {}
    return [t for t in (_text(v) for v in identifiers.get(scheme, []) or []) if t]


def full_title(work: WorkDict, separator: str = ": ") -> str:
    title, subtitle = _text(work.get("title")), _text(work.get("subtitle"))
    if title and subtitle:
        return f"{title.rstrip(' :/;.')}{separator}{subtitle}"
    return title or subtitle


def _year(work: WorkDict) -> str:
    year = work.get("year")
    return str(year) if isinstance(year, int) and not isinstance(year, bool) else ""


# ------------------------------------------------------------------ RIS


def ris(work: WorkDict) -> str:
    """A RIS record (lines ``TAG  - value``, CRLF line ends, ``ER`` last)."""
    lines = [("TY", _RIS_TYPES.get(work.get("material_type") or "", "GEN"))]
    title = full_title(work)
    if title:
        lines.append(("TI", title))
    for alternative in _list(work, "parallel_titles"):
        lines.append(("TT", alternative))
    lines += [("AU", author) for author in _list(work, "authors")]
    if _year(work):
        lines.append(("PY", _year(work)))
    for tag, key in (("PB", "publisher"), ("CY", "place"), ("ET", "edition")):
        if _text(work.get(key)):
            lines.append((tag, _text(work.get(key))))
    lines += [("SN", value) for value in _ids(work, "isbn") + _ids(work, "issn")]
    lines += [("LA", value) for value in _list(work, "languages")]
    lines += [("KW", value) for value in _list(work, "subjects")]
    lines += [("CN", value) for value in _list(work, "classification")]
    if _text(work.get("url")):
        lines.append(("UR", _text(work.get("url"))))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {value}".rstrip(" ") + "\r\n" for tag, value in lines)


# ------------------------------------------------------------------ BibTeX

_BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def bibtex_escape(text: str) -> str:
    """``text`` safe inside a braced BibTeX value: the characters special to TeX are escaped, so
    braces always balance. Other characters are kept (UTF-8, as biber and bibtexu read it)."""
    return "".join(_BIBTEX_SPECIAL.get(c, c) for c in _text(text))


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return "".join(c for c in folded if c.isalnum())


def bibtex_key(work: WorkDict) -> str:
    authors = _list(work, "authors")
    surname = _ascii_word(authors[0].split(",")[0]) if authors else ""
    title_words = [_ascii_word(w) for w in _text(work.get("title")).split()]
    first_word = next((w for w in title_words if len(w) > 3), next((w for w in title_words if w), ""))
    key = f"{surname}{_year(work)}{first_word}"
    if not surname or not first_word:  # non-Latin scripts fold to nothing: keep the key unique
        key = f"khizana{work.get('id') or ''}{key}"
    return key[:60] or "khizana"


def bibtex(work: WorkDict, cite_key: str = "") -> str:
    """A BibTeX entry (@book, @article, @phdthesis or @misc); ``cite_key`` replaces the generated key."""
    entry_type = _BIBTEX_TYPES.get(work.get("material_type") or "", "misc")
    fields: list[tuple[str, str]] = []
    if _list(work, "authors"):
        fields.append(("author", " and ".join(bibtex_escape(a) for a in _list(work, "authors"))))
    title = full_title(work)
    if title:
        fields.append(("title", "{" + bibtex_escape(title) + "}"))  # inner braces keep the case
    if _year(work):
        fields.append(("year", _year(work)))
    publisher_key = "school" if entry_type == "phdthesis" else "publisher"
    for name, key in ((publisher_key, "publisher"), ("address", "place"), ("edition", "edition")):
        if _text(work.get(key)):
            fields.append((name, bibtex_escape(work.get(key))))
    if _ids(work, "isbn"):
        fields.append(("isbn", bibtex_escape(", ".join(_ids(work, "isbn")))))
    if _ids(work, "issn"):
        fields.append(("issn", bibtex_escape(", ".join(_ids(work, "issn")))))
    if _list(work, "languages"):
        fields.append(("language", bibtex_escape(", ".join(_list(work, "languages")))))
    if _list(work, "subjects"):
        fields.append(("keywords", bibtex_escape(", ".join(_list(work, "subjects")))))
    if _text(work.get("url")):
        fields.append(("url", bibtex_escape(work.get("url"))))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{entry_type}{{{cite_key or bibtex_key(work)},\n{body}\n}}\n"


# ------------------------------------------------------------------ plain text


def plain_citation(work: WorkDict, language: str = "fr") -> str:
    """A short citation in the conventions of ``language`` (fr, en or ar): authors. Title. Edition.
    Place: Publisher, year. ISBN."""
    words = _WORDS.get((language or "fr")[:2], _WORDS["fr"])
    parts: list[str] = []
    authors = _list(work, "authors")
    if authors:
        shown = words["and"].join(authors[:3])
        if len(authors) > 3:
            shown += " " + words["et_al"]
        parts.append(shown)
    title = full_title(work, words["colon"])
    if title:
        parts.append(title)
    if _text(work.get("edition")):
        parts.append(_text(work.get("edition")))
    place, publisher = _text(work.get("place")), _text(work.get("publisher"))
    imprint = words["colon"].join(p for p in (place, publisher) if p)
    year = _year(work) or words["nd"]
    parts.append(f"{imprint}{words['comma']}{year}" if imprint else year)
    isbn = _ids(work, "isbn")
    if isbn:
        parts.append(f"ISBN {isbn[0]}")
    elif _ids(work, "issn"):
        parts.append(f"ISSN {_ids(work, 'issn')[0]}")
    return " ".join(p if p.endswith((".", "?", "!", "؟")) else p + "." for p in parts)


# ------------------------------------------------------------------ Dublin Core


def dublin_core_xml(work: WorkDict) -> bytes:
    """An ``oai_dc:dc`` document (UTF-8, with its XML declaration)."""
    root = dublin_core_element(work)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def dublin_core_element(work: WorkDict, tag: str = f"{{{OAI_DC}}}dc") -> etree._Element:
    """The Dublin Core description of the work as an element (``oai_dc:dc`` unless ``tag`` is given:
    SRU's ``srw_dc:dc`` holds the same ``dc:`` elements)."""
    namespace = etree.QName(tag).namespace
    prefix = "oai_dc" if namespace == OAI_DC else "srw_dc"
    root = etree.Element(
        tag,
        nsmap={prefix: namespace, "dc": DC, "xsi": XSI},
        attrib={f"{{{XSI}}}schemaLocation": f"{namespace} {DC_SCHEMAS.get(namespace, '')}".strip()},
    )

    def add(name: str, value: str) -> None:
        value = _text(value)
        if value:
            etree.SubElement(root, f"{{{DC}}}{name}").text = _xml_safe(value)

    add("title", full_title(work))
    for alternative in _list(work, "parallel_titles"):
        add("title", alternative)
    for author in _list(work, "authors"):
        add("creator", author)
    for subject in _list(work, "subjects"):
        add("subject", subject)
    for classification in _list(work, "classification"):
        add("subject", classification)
    add("publisher", work.get("publisher"))
    add("date", _year(work))
    add("type", _DC_TYPES.get(work.get("material_type") or "", ""))
    for value in _ids(work, "isbn"):
        add("identifier", f"URN:ISBN:{value}")
    for value in _ids(work, "issn"):
        add("identifier", f"urn:ISSN:{value}")
    add("identifier", work.get("url"))
    for language in _list(work, "languages"):
        add("language", language)
    return root


def _xml_safe(text: str) -> str:
    """Drop the characters XML 1.0 cannot carry."""
    return "".join(
        c
        for c in text
        if c in "\t\n\r" or "\x20" <= c <= "\ud7ff" or "\ue000" <= c <= "\ufffd" or c >= "\U00010000"
    )


# ------------------------------------------------------------------ schema.org


def json_ld(work: WorkDict, url: str) -> dict:
    """schema.org description (JSON-LD) of the work, with its copies as library offers."""
    kind = _SCHEMA_TYPES.get(work.get("material_type") or "", "CreativeWork")
    data: dict[str, Any] = {"@context": "https://schema.org", "@type": kind, "@id": url, "url": url}
    title = full_title(work)
    if title:
        data["name"] = title
    if _list(work, "parallel_titles"):
        data["alternateName"] = _list(work, "parallel_titles")
    if _list(work, "authors"):
        data["author"] = [{"@type": "Person", "name": name} for name in _list(work, "authors")]
    if _year(work):
        data["datePublished"] = _year(work)
    if _text(work.get("publisher")):
        publisher: dict[str, Any] = {"@type": "Organization", "name": _text(work.get("publisher"))}
        if _text(work.get("place")):
            publisher["location"] = _text(work.get("place"))
        data["publisher"] = publisher
    if kind == "Book" and _ids(work, "isbn"):
        data["isbn"] = _ids(work, "isbn")
    if kind == "Book" and _text(work.get("edition")):
        data["bookEdition"] = _text(work.get("edition"))
    if kind == "Periodical" and _ids(work, "issn"):
        data["issn"] = _ids(work, "issn")
    languages = _list(work, "language_tags") or _list(work, "languages")
    if languages:
        data["inLanguage"] = languages
    if _list(work, "subjects"):
        data["about"] = [{"@type": "Thing", "name": s} for s in _list(work, "subjects")]
    offers = []
    for holding in work.get("holdings") or []:
        library: dict[str, Any] = {"@type": "Library", "name": _text(holding.get("library_name"))}
        if _text(holding.get("library_url")):
            library["@id"] = _text(holding.get("library_url"))
        offer: dict[str, Any] = {
            "@type": "Offer",
            "businessFunction": "http://purl.org/goodrelations/v1#LeaseOut",
            "availableAtOrFrom": library,
            "itemOffered": {"@id": url},
        }
        if _text(holding.get("call_number")):
            offer["sku"] = _text(holding.get("call_number"))
        if holding.get("status") in _SCHEMA_AVAILABILITY:
            offer["availability"] = _SCHEMA_AVAILABILITY[holding["status"]]
        offers.append(offer)
    if offers:
        data["offers"] = offers
    return data


# ------------------------------------------------------------------ CSL-JSON

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
    parts = [p.strip(" .,;") for p in re.split(r"[,،]", _text(name))]
    parts = [p for p in parts if p and not _NAME_DATES.match(p)]
    if len(parts) >= 2:
        return {"family": parts[0], "given": parts[1]}
    return {"literal": parts[0] if parts else _text(name)}


def csl_item(work: WorkDict) -> dict[str, Any]:
    """One CSL-JSON item (the field names of the CSL-JSON schema)."""
    item: dict[str, Any] = {
        "id": f"khizana-{work.get('id')}" if work.get("id") is not None else "khizana",
        "type": _CSL_TYPES.get(work.get("material_type") or "", "document"),
    }
    title = full_title(work)
    if title:
        item["title"] = title
    if _list(work, "authors"):
        item["author"] = [csl_name(a) for a in _list(work, "authors")]
    if _year(work):
        item["issued"] = {"date-parts": [[int(_year(work))]]}
    for key, source in (("publisher", "publisher"), ("publisher-place", "place"), ("edition", "edition")):
        if _text(work.get(source)):
            item[key] = _text(work.get(source))
    if _ids(work, "isbn"):
        item["ISBN"] = _ids(work, "isbn")[0]
    if _ids(work, "issn"):
        item["ISSN"] = _ids(work, "issn")[0]
    languages = _list(work, "language_tags") or _list(work, "languages")
    if languages:
        item["language"] = languages[0]
    if _list(work, "subjects"):
        item["keyword"] = ", ".join(_list(work, "subjects"))
    if _text(work.get("url")):
        item["URL"] = _text(work.get("url"))
    return item


def csl_json(works: list[WorkDict]) -> list[dict[str, Any]]:
    """CSL-JSON: an array of items, as Zotero, Pandoc and citeproc read it."""
    return [csl_item(work) for work in works]
