"""The fields of a work dict as every format reads them (no Django): one line of text, lists of texts,
identifiers of a scheme, the full title, the year. Missing keys are read as empty."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

WorkDict = dict[str, Any]


def one_line(value: Any) -> str:
    """One line of text: no control characters, runs of white space as one space."""
    text = "" if value is None else str(value)
    text = "".join(" " if unicodedata.category(c) in {"Cc", "Zl", "Zp"} else c for c in text)
    return re.sub(r"\s+", " ", text).strip()


def text_values(work: WorkDict, key: str) -> list[str]:
    """The non-empty texts of a list field (a single string counts as a list of one)."""
    values = work.get(key) or []
    if isinstance(values, str):
        values = [values]
    return [t for t in (one_line(v) for v in values) if t]


def identifiers_of(work: WorkDict, scheme: str) -> list[str]:
    """The work's identifiers of ``scheme`` (isbn, issn...), as texts."""
    identifiers = work.get("identifiers") or {}
    return [t for t in (one_line(v) for v in identifiers.get(scheme, []) or []) if t]


def full_title(work: WorkDict, separator: str = ": ") -> str:
    title, subtitle = one_line(work.get("title")), one_line(work.get("subtitle"))
    if title and subtitle:
        return f"{title.rstrip(' :/;.')}{separator}{subtitle}"
    return title or subtitle


def year_of(work: WorkDict) -> str:
    """The year of publication as text ("" when unknown)."""
    year = work.get("year")
    return str(year) if isinstance(year, int) and not isinstance(year, bool) else ""
