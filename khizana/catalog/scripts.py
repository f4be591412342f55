"""Which writing systems a text uses (no Django import)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# First word of a letter's Unicode name -> script label.
_SCRIPT_BY_NAME_PREFIX = {
    "LATIN": "Latin",
    "ARABIC": "Arabic",
    "HEBREW": "Hebrew",
    "CYRILLIC": "Cyrillic",
    "GREEK": "Greek",
    "CJK": "Han",
    "HIRAGANA": "Japanese",
    "KATAKANA": "Japanese",
    "HANGUL": "Hangul",
    "DEVANAGARI": "Devanagari",
    "TIFINAGH": "Tifinagh",
    "THAI": "Thai",
    "ARMENIAN": "Armenian",
    "GEORGIAN": "Georgian",
    "ETHIOPIC": "Ethiopic",
    "BENGALI": "Bengali",
    "TAMIL": "Tamil",
    "SYRIAC": "Syriac",
    "TIBETAN": "Tibetan",
    "GUJARATI": "Gujarati",
    "GURMUKHI": "Gurmukhi",
    "KANNADA": "Kannada",
    "MALAYALAM": "Malayalam",
    "TELUGU": "Telugu",
    "SINHALA": "Sinhala",
    "KHMER": "Khmer",
    "LAO": "Lao",
    "MYANMAR": "Myanmar",
    "THAANA": "Thaana",
    "MONGOLIAN": "Mongolian",
    "BOPOMOFO": "Han",
    "YI": "Yi",
    "NKO": "NKo",
    "CHEROKEE": "Cherokee",
}


@lru_cache(maxsize=8192)
def script_of(char: str) -> str:
    """The script label of one letter, or "" for digits, punctuation and unknown letters."""
    if not char.isalpha():
        return ""
    name = unicodedata.name(char, "")
    return _SCRIPT_BY_NAME_PREFIX.get(name.split(" ", 1)[0], "")


def scripts_in(texts: Iterable[str]) -> list[str]:
    """Sorted script labels used by the letters of ``texts``."""
    found: set[str] = set()
    for text in texts:
        if text.isascii():
            if any(c.isalpha() for c in text):
                found.add("Latin")
            continue
        for char in text:
            label = script_of(char)
            if label:
                found.add(label)
    return sorted(found)
