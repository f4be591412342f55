"""One text normaliser for match keys, search analysers and affiliation matching (no Django import).

It folds case and Latin accents, unifies Arabic letter forms (hamza/alef, alef maqsura, ta marbuta,
Persian letters), removes tashkeel and tatweel, turns Arabic-Indic digits into ASCII and
punctuation into spaces. ``strip_articles`` also drops French, English and Arabic articles.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Folded before NFKD. Letters NFKD does not decompose but that readers type without their mark; the
# romanisation signs of ayn and hamza (ʻ ʼ ʿ ʾ) vanish, as readers leave them out ("Shaʻbīyah" =
# "shabiyah"); the Hebrew maqaf joins words like a hyphen and becomes a space. And ۀ (heh with yeh
# above, the Persian ezafe, with its presentation forms), which NFKD would cut into ە (ae, another
# letter) and a hamza sign: it is a ه.
_BEFORE_NFKD = str.maketrans(
    {
        "œ": "oe",
        "Œ": "oe",
        "æ": "ae",
        "Æ": "ae",
        "ø": "o",
        "Ø": "o",
        "đ": "d",
        "Đ": "d",
        "ł": "l",
        "Ł": "l",
        "ı": "i",
        "ŀ": "l",
        "þ": "th",
        "ð": "d",
        "ʻ": "",
        "ʼ": "",
        "’": "'",
        "‘": "'",
        "ʿ": "",
        "ʾ": "",
        "ˀ": "",
        "ˁ": "",
        "\u05be": " ",  # Hebrew maqaf
        "ۀ": "ه",
        "\ufba4": "ه",
        "\ufba5": "ه",
    }
)

_ARABIC_LETTERS = str.maketrans(
    {
        "ى": "ي",  # alef maqsura
        "ی": "ي",  # Farsi yeh
        "ې": "ي",
        "ئ": "ي",  # yeh with hamza
        "ؤ": "و",  # waw with hamza
        "ة": "ه",  # ta marbuta
        "ک": "ك",  # keheh
        "ڪ": "ك",
        "ء": "",  # lone hamza
        "ـ": "",  # tatweel
        "ٱ": "ا",  # alef wasla
    }
)

# Latin/Greek/Cyrillic diacritics, Hebrew points, Arabic tashkeel and Quranic signs, superscript
# alef. NFKD has already split accents, hamza and madda off their letters. Indic vowel signs stay.
_MARKS = re.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
    "\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]"
)
# \w misses the vowel signs of Indic, Thai, Tibetan and Myanmar scripts: keep their blocks whole.
_NON_WORD = re.compile(r"[^\w\u0900-\u0dff\u0e00-\u0fff\u1000-\u109f]+")
_UNDERSCORE = re.compile("_+")

_FRENCH_ELIDED = re.compile(r"\b(?:l|d|qu|j|n|s|c|m|t)'(?=\w)")
_ARTICLES = frozenset({"le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "the", "a", "an"})
_ARABIC_ARTICLE_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")


def fold(text: str) -> str:
    """Case-fold, strip accents and Arabic marks, unify letter forms; keep punctuation."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", text.translate(_BEFORE_NFKD))
    text = _MARKS.sub("", text)
    text = unicodedata.normalize("NFC", text)  # recompose what is left (Hangul, ...)
    text = text.translate(_ARABIC_LETTERS).casefold()
    return ascii_digits(text)


@lru_cache(maxsize=1)
def _digit_table() -> dict[int, str]:
    table = {}
    for start in (0x0660, 0x06F0):  # Arabic-Indic and Extended Arabic-Indic digits
        for i in range(10):
            table[start + i] = str(i)
    return table


def ascii_digits(text: str) -> str:
    """Arabic-Indic and Persian digits as ASCII digits."""
    return text.translate(_digit_table())


def words(text: str, *, strip_articles: bool = False) -> list[str]:
    """The folded words of ``text``; with ``strip_articles`` without French/English/Arabic articles."""
    if not text:
        return []
    # Folding works character by character and white space separates words anyway: each
    # space-separated piece is worked out once (titles, names and publishers repeat a lot).
    out: list[str] = []
    for piece in text.split():
        out.extend(_piece_words(piece, strip_articles))
    return out


@lru_cache(maxsize=1 << 18)
def _piece_words(piece: str, strip_articles: bool) -> tuple[str, ...]:
    return tuple(_words_uncached(piece, strip_articles))


def _words_uncached(text: str, strip_articles: bool) -> list[str]:
    folded = fold(text)
    if strip_articles:
        folded = _FRENCH_ELIDED.sub(" ", folded)
    tokens = [t for t in _UNDERSCORE.sub(" ", _NON_WORD.sub(" ", folded)).split() if t]
    if not strip_articles:
        return tokens
    out = []
    for token in tokens:
        if token in _ARTICLES:
            continue
        out.append(strip_arabic_article(token))
    return out


def strip_arabic_article(token: str) -> str:
    """Drop a leading ال (with و ب ك ف before it, or لل) when enough of the word is left."""
    for prefix in _ARABIC_ARTICLE_PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= 2:
            return token[len(prefix) :]
    return token


def normalise(text: str, *, strip_articles: bool = False) -> str:
    """Folded words joined by single spaces: the form used for match keys and comparisons."""
    return " ".join(words(text, strip_articles=strip_articles))
