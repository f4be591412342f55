"""A consonant key that an Arabic-script form and its ALA-LC romanisation share (no Django import).

Libraries of the Maghreb catalogue one Arabic book either in Arabic script or romanised (ALA-LC, often
with the Arabic form in a linked 880 field). To compare the two, both are reduced to the same skeleton:

- the romanised side loses its diacritics (ḥ → h, ā → a) and the signs of ʻayn and hamzah, and the
  digraphs th, kh, dh, sh, gh become one letter each, as their Arabic letters are one;
- short vowels are not written in Arabic, and long ones are written with letters that also stand for
  consonants (و w/ū, ي y/ī), so every vowel, w and y is dropped on both sides, as are alif, hamzah
  and ʻayn;
- letters that ALA-LC tells apart only by a dot below fall together (ت ط → t, د ض → d, س ص → s,
  ز ظ → z, ح ه → h): readers and cataloguers often drop the dot;
- the article al- and the proclitics before it (wa-al-, bi-al-, lil-) are dropped on both sides,
  doubled letters (shaddah) are written once, and a final t or h is dropped: the tāʼ marbūṭah is
  romanised -ah or -at and written ة, which no rule can tell from a final ت or ه.

The key is deliberately lossy: it brings candidates together and lets a similarity score compare them;
it decides nothing alone.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ARABIC_CLASSES = {
    "ب": "b",
    "پ": "b",
    "ت": "t",
    "ط": "t",
    "ث": "T",
    "ج": "j",
    "چ": "j",
    "گ": "j",
    "ح": "h",
    "ه": "h",
    "ة": "h",
    "خ": "K",
    "د": "d",
    "ض": "d",
    "ذ": "D",
    "ر": "r",
    "ز": "z",
    "ظ": "z",
    "ژ": "z",
    "س": "s",
    "ص": "s",
    "ش": "S",
    "غ": "G",
    "ف": "f",
    "ڤ": "f",
    "ق": "q",
    "ك": "k",
    "ک": "k",
    "ل": "l",
    "م": "m",
    "ن": "n",
}
# Dropped on the Arabic side: alif in every form, hamzah, waw, yaa, alif maqsurah, ʻayn, tatweel.
_ARABIC_DROPPED = frozenset("اأإآٱءؤئوىيیعـ")

_ROMAN_DIGRAPHS = (("th", "T"), ("kh", "K"), ("dh", "D"), ("sh", "S"), ("gh", "G"))
_ROMAN_CLASSES = {
    "b": "b",
    "p": "b",
    "t": "t",
    "j": "j",
    "g": "j",
    "h": "h",
    "d": "d",
    "r": "r",
    "z": "z",
    "s": "s",
    "f": "f",
    "v": "f",
    "q": "q",
    "k": "k",
    "c": "k",
    "l": "l",
    "m": "m",
    "n": "n",
    "x": "ks",
}
_ROMAN_DROPPED = frozenset("aeiouwy")
# Signs of ʻayn and hamzah as cataloguers type them: modifier letters, quotation marks, apostrophes.
_AYN_HAMZA = str.maketrans({c: "" for c in "ʻʼʿʾ‘’'`´ʹ"})
_ARTICLE_PARTS = frozenset({"al", "el"})
_PROCLITICS = frozenset({"wa", "fa", "bi", "li", "ka", "lil", "wal", "bil", "fal"})
# An Arabic word that starts with the article, perhaps after و ف and ب ل ك: "والحرب", "بالقاهرة".
_ARABIC_ARTICLE = re.compile(r"^(?:[وف]?[بلك]?ال|[وف]?لل)(?=\w\w)")
_TOKEN = re.compile(r"[^\W_]+")
_BIDI_AND_MARKS = frozenset({"Mn", "Me", "Cf"})


def _digit(char: str) -> str:
    """ASCII form of a digit of any script ("٢" -> "2"), "" for anything else."""
    return str(unicodedata.digit(char)) if char.isdigit() else ""


# Heh with yeh above (the Persian ezafe) is a heh: NFKD would make it ە (ae, another letter) + a sign.
_BEFORE_NFKD = str.maketrans({"ۀ": "ه", "\ufba4": "ه", "\ufba5": "ه"})


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_BEFORE_NFKD))
    return "".join(c for c in decomposed if unicodedata.category(c) not in _BIDI_AND_MARKS)


def _finish(classes: str) -> str:
    """Collapse doubled letters and drop a final t or h (see the module's docstring)."""
    out: list[str] = []
    for char in classes:
        if not out or out[-1] != char:
            out.append(char)
    if len(out) > 1 and out[-1] in "th":
        out.pop()
    return "".join(out)


def _arabic_word(word: str) -> str:
    word = _ARABIC_ARTICLE.sub("", word)
    return _finish("".join(_ARABIC_CLASSES.get(c, _digit(c)) for c in word))


def _roman_word(word: str) -> str:
    text = word
    for digraph, letter in _ROMAN_DIGRAPHS:
        text = text.replace(digraph, letter)
    return _finish(
        "".join(
            _ROMAN_CLASSES.get(c, c if c in "TKDSG" else _digit(c)) for c in text if c not in _ROMAN_DROPPED
        )
    )


def _roman_tokens(tokens: list[str]) -> list[str]:
    """Drop the article and the proclitics before it, and attach other proclitics to their word:
    "wa-al-shams" -> "shams", "lil-ṭullāb" -> "ṭullāb", "bi-kull" -> "bikull" (as بكل is one word)."""
    words: list[str] = []
    prefix = ""
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if token in _ARTICLE_PARTS:
            continue
        if token in _PROCLITICS and following:
            if following in _ARTICLE_PARTS or token.endswith("l"):
                continue
            prefix += token
            continue
        words.append(prefix + token)
        prefix = ""
    return words


_ARABIC_LETTER = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


def _is_arabic(word: str) -> bool:
    return not word.isascii() and _ARABIC_LETTER.search(word) is not None


@lru_cache(maxsize=65536)
def skeleton_words(text: str) -> tuple[str, ...]:
    """The key of every word of ``text`` (Arabic script or romanised), empty keys left out."""
    if not text:
        return ()
    plain = _strip_marks(text).translate(_AYN_HAMZA)
    keys: list[str] = []
    roman: list[str] = []  # a run of romanised tokens, words and hyphenated parts alike
    for match in _TOKEN.finditer(plain):
        token = match.group(0)
        if _is_arabic(token):
            keys.extend(_roman_word(w) for w in _roman_tokens(roman))
            roman = []
            keys.append(_arabic_word(token))
        else:
            roman.append(token.lower())
    keys.extend(_roman_word(w) for w in _roman_tokens(roman))
    keys = [key for key in keys if key]
    return tuple(keys)


def skeleton(text: str) -> str:
    """``skeleton_words`` joined by spaces: "al-Ḥarb fī al-alfīyah" and "الحرب في الألفية" -> "hrb f lf"."""
    return " ".join(skeleton_words(text))


def has_arabic(text: str) -> bool:
    return _is_arabic(text)


# Arabic ordinals of edition statements, by key: "al-ṭabʻah al-thāniyah" / "الطبعة الثانية" -> 2.
_ORDINAL_KEYS = {
    "l": "1",
    "Tn": "2",
    "TlT": "3",
    "rb": "4",
    "Kms": "5",
    "sds": "6",
    "sb": "7",
    "Tmn": "8",
    "ts": "9",
    "Sr": "10",
}
_EDITION_WORD_KEYS = frozenset({"tb", "t"})  # طبعة / ṭabʻah and its abbreviation ط.


def arabic_edition_number(statement: str) -> str:
    """The number of an Arabic edition statement in either script ("" when it is not one)."""
    keys = skeleton_words(statement)
    if not keys or not _EDITION_WORD_KEYS.intersection(keys):
        return ""
    for key in keys:
        if key.isdigit():
            return key.lstrip("0") or "0"
        if key in _ORDINAL_KEYS:
            return _ORDINAL_KEYS[key]
    return ""
