"""Read an OpenURL (Z39.88-2004 key/encoded-value, as link resolvers send it) into a citation, no Django."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

FIELDS = {
    "title": ("rft.btitle", "rft.jtitle", "rft.title", "title"),
    "article_title": ("rft.atitle", "atitle"),
    "isbn": ("rft.isbn", "isbn"),
    "issn": ("rft.issn", "rft.eissn", "issn"),
    "author": ("rft.au", "rft.aulast", "aulast"),
    "date": ("rft.date", "date"),
    "volume": ("rft.volume", "volume"),
    "issue": ("rft.issue", "issue"),
    "spage": ("rft.spage", "spage"),
    "epage": ("rft.epage", "epage"),
    "pages": ("rft.pages", "pages"),
}
MAX_VALUE = 1000


class OpenUrlError(ValueError):
    pass


def parse_openurl(url_or_query: str) -> dict[str, str]:
    """The citation of an OpenURL (a full URL or its query string): title, article_title, author, isbn,
    issn, date, volume, issue, pages ("spage-epage"). An OpenURL without a title or identifier is refused."""
    text = (url_or_query or "").strip()
    query = urlsplit(text).query if "://" in text else text.lstrip("?")
    values = parse_qs(query, keep_blank_values=False)
    citation: dict[str, str] = {}
    for name, keys in FIELDS.items():
        for key in keys:
            if values.get(key):
                citation[name] = " ".join(values[key][0].split())[:MAX_VALUE]
                break
    if "author" in citation and values.get("rft.aufirst") and "rft.au" not in values:
        citation["author"] = f"{citation['author']}, {values['rft.aufirst'][0].strip()}"
    if "pages" not in citation and "spage" in citation:
        citation["pages"] = citation["spage"] + (f"-{citation['epage']}" if "epage" in citation else "")
    citation.pop("spage", None)
    citation.pop("epage", None)
    if "date" in citation:
        year = re.match(r"\d{4}", citation["date"])
        citation["date"] = year.group(0) if year else ""
        if not citation["date"]:
            del citation["date"]
    if not any(key in citation for key in ("title", "article_title", "isbn", "issn")):
        raise OpenUrlError(
            "the OpenURL has no title, ISBN or ISSN (rft.title, rft.atitle, rft.isbn, rft.issn)"
        )
    return citation


def page_count(pages: str) -> int | None:
    """How many pages "12-30" or "5" or "1-3, 7" asks for (None when it cannot be read)."""
    total = 0
    for part in re.split(r"[,;]", pages or ""):
        part = part.strip()
        if not part:
            continue
        found = re.fullmatch(r"(\d+)\s*[-–]\s*(\d+)|(\d+)", part)
        if not found:
            return None
        if found.group(3):
            total += 1
        else:
            start, end = int(found.group(1)), int(found.group(2))
            if end < start:
                return None
            total += end - start + 1
    return total or None
