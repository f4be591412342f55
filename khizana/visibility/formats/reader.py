"""Read a Scopus or Web of Science export whatever its format, detected from the content. Pure Python."""

from __future__ import annotations

import re
from pathlib import Path

from . import bibtex, ris, scopus_csv, wos
from .model import (
    SCOPUS_BIBTEX,
    SCOPUS_CSV,
    SCOPUS_RIS,
    WOS_BIBTEX,
    WOS_PLAIN,
    WOS_TAB,
    ReadResult,
)
from .text import decode

BIBTEX = "bibtex"  # Scopus or WoS style, told apart entry by entry
_BIBTEX_ENTRY = re.compile(r"(?m)^\s*@\s*[A-Za-z]+\s*[{(]")
_RIS_TAG = re.compile(r"(?m)^TY  -")
_WOS_TAG = re.compile(r"^(FN|VR|PT) ")
_CSV_COLUMNS = ("authors", "title", "eid", "source title", "author(s) id", "affiliations")

READERS = {
    SCOPUS_CSV: scopus_csv.read,
    WOS_PLAIN: wos.read_plain,
    WOS_TAB: wos.read_tab,
    SCOPUS_RIS: ris.read,
    BIBTEX: bibtex.read,
    SCOPUS_BIBTEX: bibtex.read,
    WOS_BIBTEX: bibtex.read,
}


def detect_format(text: str) -> str | None:
    """The export format of a decoded text: a key of READERS, or None when it is none of them."""
    head = text[:20000].lstrip("\ufeff \n\t")
    first_line = head.split("\n", 1)[0]
    if _WOS_TAG.match(first_line):
        return WOS_PLAIN
    if first_line.startswith("PT\t") or ("\tAU\t" in first_line and "\tUT" in first_line):
        return WOS_TAB
    if _RIS_TAG.search(head[:5000]):
        return SCOPUS_RIS
    if _BIBTEX_ENTRY.search(head):
        return BIBTEX
    header = first_line.casefold()
    if (
        "," in header
        and sum(
            f'{name}"' in header or f"{name}," in header or header.endswith(name) for name in _CSV_COLUMNS
        )
        >= 2
    ):
        return SCOPUS_CSV
    return None


def read_bytes(data: bytes, file: str, source_format: str | None = None) -> ReadResult:
    """Read an export from its bytes; ``file`` names it in errors. The format is detected unless given."""
    decoded = decode(data)
    result = ReadResult(file=file, source_format=None, encoding=decoded.encoding)
    if decoded.warning:
        result.warn(None, None, decoded.warning)
    if not decoded.text.strip():
        result.error(None, None, "the file is empty")
        return result
    source_format = source_format or detect_format(decoded.text)
    if source_format not in READERS:
        result.error(
            None,
            None,
            "not a Scopus (CSV, BibTeX, RIS) or Web of Science (plain text, "
            "tab-delimited, BibTeX) export: format not recognised",
        )
        return result
    READERS[source_format](decoded.text, result)
    if not result.publications and not result.errors:
        result.error(None, None, "no record found")
    return result


def read_path(path: str | Path, source_format: str | None = None) -> ReadResult:
    """Read an export file; a file that cannot be opened is an error of the result, not an exception."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        result = ReadResult(file=path.name, source_format=None)
        result.error(None, None, f"cannot be read: {error.strerror or error}")
        return result
    return read_bytes(data, path.name, source_format)
