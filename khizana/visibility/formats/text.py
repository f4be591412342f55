"""Decoding export files and small text helpers shared by the readers (pure Python)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\W_]+")  # also drops the combining accents left by NFKD


@dataclass(frozen=True)
class DecodedText:
    text: str  # newlines normalised to "\n", BOM removed
    encoding: str
    warning: str | None = None


def decode(data: bytes) -> DecodedText:
    """Decode an export: UTF-8 (with or without BOM) or UTF-16 (BOM or not).

    A file of mostly valid UTF-8 stays UTF-8 with its bad bytes replaced; anything else is read as
    Windows-1252 (or Latin-1). Both cases come with a warning.
    """
    warning = None
    if data.startswith(b"\xef\xbb\xbf"):
        text, encoding = _strict(data[3:], "utf-8"), "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, encoding = _strict(data, "utf-16"), "utf-16"
    elif _looks_utf16(data):
        encoding = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        text = _strict(data, encoding)
    else:
        text, encoding = _strict(data, "utf-8"), "utf-8"
    if text is None and encoding.startswith("utf-8"):
        text, warning = _mostly_utf8(data[3:] if encoding == "utf-8-sig" else data)
    if text is None:
        text, encoding = data.decode("cp1252", errors="replace"), "cp1252"
        if "\ufffd" in text:
            text = data.decode("latin-1")
            encoding = "latin-1"
        warning = f"not valid UTF-8 or UTF-16: read as {encoding}, check accented letters"
    text = text.lstrip("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return DecodedText(text, encoding, warning)


def _mostly_utf8(data: bytes) -> tuple[str | None, str | None]:
    """UTF-8 with a few bad bytes (replaced by U+FFFD) when most non-ASCII text is valid UTF-8."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    good = sum(1 for char in text if ord(char) > 127 and char != "\ufffd")
    if good <= bad:
        return None, None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return text, f"{bad} byte sequence(s) not valid UTF-8, replaced by \ufffd (the first on line {line})"
    return text, None


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _looks_utf16(data: bytes) -> bool:
    head = data[:200]
    return len(head) >= 4 and head.count(b"\x00") >= len(head) // 3


def squash(value: str | None) -> str:
    """Collapse runs of whitespace into one space and strip."""
    if not value:
        return ""
    if "  " not in value and "\n" not in value and "\t" not in value and "\r" not in value:
        return value.strip()
    return _SPACES.sub(" ", value).strip()


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """A comparison key for a personal name: no accents, no case, no punctuation or spaces."""
    folded = name.casefold()
    if not folded.isascii():
        folded = unicodedata.normalize("NFKD", folded)
    return _NOT_WORD.sub("", folded)


def parse_year(value: str | None) -> int | None:
    """The first four-digit year of a value, or None."""
    match = re.search(r"\b(1[5-9]\d\d|2\d\d\d)\b", value or "")
    return int(match.group(1)) if match else None


def split_list(value: str | None, separator: str = ";") -> list[str]:
    """Split a separated list, dropping empty items and surrounding spaces."""
    if not value:
        return []
    return [item.strip() for item in value.split(separator) if item.strip()]


def repair_mojibake(text: str) -> str:
    """``PÃ¥l`` -> ``Pål``: UTF-8 that was read as Latin-1/Windows-1252 once; other text unchanged."""
    if "Ã" not in text and "Â" not in text:
        return text
    for encoding in ("cp1252", "latin-1"):
        try:
            return text.encode(encoding).decode("utf-8")
        except UnicodeError:
            continue
    return text
