"""BibTeX entries from a work dict (no Django): @book, @article, @phdthesis or @misc."""

from __future__ import annotations

import unicodedata

from .fields import WorkDict, full_title, identifiers_of, one_line, text_values, year_of

_BIBTEX_TYPES = {"book": "book", "article": "article", "thesis": "phdthesis"}
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
    return "".join(_BIBTEX_SPECIAL.get(c, c) for c in one_line(text))


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return "".join(c for c in folded if c.isalnum())


def bibtex_key(work: WorkDict) -> str:
    authors = text_values(work, "authors")
    surname = _ascii_word(authors[0].split(",")[0]) if authors else ""
    title_words = [_ascii_word(w) for w in one_line(work.get("title")).split()]
    first_word = next((w for w in title_words if len(w) > 3), next((w for w in title_words if w), ""))
    key = f"{surname}{year_of(work)}{first_word}"
    if not surname or not first_word:  # non-Latin scripts fold to nothing: keep the key unique
        key = f"khizana{work.get('id') or ''}{key}"
    return key[:60] or "khizana"


def bibtex(work: WorkDict, cite_key: str = "") -> str:
    """A BibTeX entry (@book, @article, @phdthesis or @misc); ``cite_key`` replaces the generated key."""
    entry_type = _BIBTEX_TYPES.get(work.get("material_type") or "", "misc")
    fields: list[tuple[str, str]] = []
    if text_values(work, "authors"):
        fields.append(("author", " and ".join(bibtex_escape(a) for a in text_values(work, "authors"))))
    title = full_title(work)
    if title:
        fields.append(("title", "{" + bibtex_escape(title) + "}"))  # inner braces keep the case
    if year_of(work):
        fields.append(("year", year_of(work)))
    publisher_key = "school" if entry_type == "phdthesis" else "publisher"
    for name, key in ((publisher_key, "publisher"), ("address", "place"), ("edition", "edition")):
        if one_line(work.get(key)):
            fields.append((name, bibtex_escape(work.get(key))))
    if identifiers_of(work, "isbn"):
        fields.append(("isbn", bibtex_escape(", ".join(identifiers_of(work, "isbn")))))
    if identifiers_of(work, "issn"):
        fields.append(("issn", bibtex_escape(", ".join(identifiers_of(work, "issn")))))
    if text_values(work, "languages"):
        fields.append(("language", bibtex_escape(", ".join(text_values(work, "languages")))))
    if text_values(work, "subjects"):
        fields.append(("keywords", bibtex_escape(", ".join(text_values(work, "subjects")))))
    if one_line(work.get("url")):
        fields.append(("url", bibtex_escape(work.get("url"))))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{entry_type}{{{cite_key or bibtex_key(work)},\n{body}\n}}\n"
