"""The token streams of the search index (no Django import): the same functions at index and query time.

``analyse`` is the stream of the full-text fields: :func:`khizana.core.textnorm.words` (case, Latin accents,
Arabic letter forms, tashkeel, tatweel, digits, punctuation) and then a light stemmer chosen by script
and language. ``analyse_exact`` is folding only, for exact and phrase fields.

Rules (the same whatever the language, unless said otherwise):

Arabic-script tokens, always, in the spirit of Larkey's light10:

1. ``الله`` with ``و ب ف ل ت`` before it, or written ``لله``, is kept as ``الله``.
2. Article: ``ال`` and ``وال بال كال فال لل`` (:func:`khizana.core.textnorm.strip_arabic_article`), also after
   a ``و``/``ف`` (``وبال وكال ولل فبال فكال فلل``), when 2 letters or more are left.
3. Otherwise one one-letter proclitic: ``و`` when the word without its suffixes has 4 letters or more,
   ``ب ل ف ك`` when it has 5 or more (``كتاب`` stays, ``وكتاب`` and ``بكتاب`` give ``كتاب``), never on a
   short list of words whose first letter belongs to the root (``فرنسا``, ``وزارة``, ``برنامج``, ...).
4. Suffixes ``ها هم هن نا ات ون ين ان يه ه ي`` (``ة ية`` are folded to ``ه يه``) removed one at a time,
   the first in this order that leaves 3 letters or more, until none applies: ``مكتبة``, ``مكتبات``,
   ``المكتبة`` and ``بالمكتبة`` all give ``مكتب``; the stemmer is idempotent. A ``ت`` left bare by a
   pronoun suffix is read as a ta marbuta and goes too, 3 letters still left (``مكتبتنا`` -> ``مكتب``,
   ``حياته`` -> ``حيا``).

Latin-script (ASCII after folding) alphabetic tokens:

* ``language=None`` (and any language other than French or English): a final ``s`` is dropped from words
  of 4 letters or more not ending in ``ss`` (``bibliotheques`` -> ``bibliotheque``, ``paris`` -> ``pari``).
* ``"eng"``: Harman's S-stemmer (``-ies`` -> ``-y``, ``-es`` -> ``-e``, ``-s`` dropped; not after ``ss``
  or ``us``), on words of 4 letters or more, plus ``-sses -xes -ches -shes -zzes`` losing ``es``.
* ``"fre"``: a light plural/feminine stemmer after Savoy's minimal French stemmer: ``-aux`` -> ``-al``
  (``-eaux`` -> ``-eau``), final ``x`` dropped, then in turn a final ``s``, ``r``, ``e``, ``e`` (``é`` once
  folded) and a doubled final letter, each only while 3 letters or more are left: ``bibliothèque`` and
  ``bibliothèques`` give ``bibliothequ``, ``publié``, ``publiée``, ``publiées`` and ``publier`` give
  ``publi``, ``nouvelle`` gives ``nouvel``. No derivational endings (``économie`` -> ``economi``,
  ``économique`` -> ``economiqu``).

Other tokens (digits, other scripts) are only folded. The index and the queries of one field must use
the same ``language``; ``None`` is the safe choice for a field that mixes languages.
"""

from __future__ import annotations

import re
from functools import lru_cache

from khizana.core.textnorm import fold, strip_arabic_article, words

__all__ = ["LANGUAGES", "analyse", "analyse_exact", "arabic_prefix_strip", "stem_token"]

# Language codes (MARC, ISO 639-1/2, names) -> the stemmer used; anything else is language-neutral.
LANGUAGES = {
    "fre": "fre",
    "fra": "fre",
    "fr": "fre",
    "french": "fre",
    "eng": "eng",
    "en": "eng",
    "english": "eng",
}

_ALLAH_FORMS = frozenset({"الله", "لله", "والله", "بالله", "فالله", "تالله", "ولله", "فلله"})
_ARTICLE_AFTER_CONJUNCTION = ("وبال", "وكال", "فبال", "فكال", "ولل", "فلل")
_PROCLITIC_MIN = {"و": 4, "ب": 5, "ل": 5, "ف": 5, "ك": 5}  # letters of the word without suffixes
_SUFFIXES = ("ها", "هم", "هن", "نا", "ات", "ون", "ين", "ان", "يه", "ه", "ي")
_PRONOUNS = frozenset({"ها", "هم", "هن", "نا", "ه"})
_MIN_STEM = 3

# Words whose first letter is a root letter that looks like a proclitic, long enough for rule 3.
_ROOT_INITIAL_WORDS = """
    فرنسا فرنسي بريطانيا برنامج برامج ببليوغرافيا بيبليوغرافيا بيبليوغرافيه ببليوغرافيه فيزياء فولكلور
    كمبيوتر لاهوت كولومبيا كاليفورنيا فنلندا فيتنام بلجيكا بلغاريا بولندا برازيل برتغال البرتغال بروتستانت
    بيزنطه فينيقيا كازاخستان كردستان كمبوديا لوكسمبورغ ليبيريا فلبين فنزويلا بوركينا باكستان بنغلاديش
    ليبيا بيروت بغداد فهارس فهرست كنائس فوائد فضائل فلاسفة فنادق كواكب كلاسيكي لطائف لوائح بصائر كشكول
    كيمياء بيولوجيا فسيولوجيا فوتوغرافيا بيداغوجيا بروتوكول برلين بلاغيات كهرباء فراعنة
    وزارة وزير وزراء وجود وثائق وثيقة وسائل وسيلة ولاية واقع وقائع وظائف وظيفة وكالة وراثة وسيط وجيز
    وصول ولادة وصايا وقاية ورزازات واشنطن وليام ويليام وسام وليد وديع واجب ودائع وقف أوقاف وادي
"""


# What words() gives, faster, for the two commonest kinds of piece. Pure ASCII: nothing to fold but
# case. Pure Arabic script (letters, marks, digits, punctuation, presentation forms): fold() works
# character by character there (the only marks that could recompose are removed), so a table made
# with fold() itself gives the same result. The tests compare both paths with words().
_ASCII_WORD = re.compile("[a-z0-9]+")
_ARABIC_RANGES = ((0x0600, 0x0700), (0xFB50, 0xFE00), (0xFE70, 0xFF00))
_ARABIC_PIECE = re.compile("[" + "".join(f"{chr(a)}-{chr(b - 1)}" for a, b in _ARABIC_RANGES) + "]+")
_ARABIC_FOLD = {c: fold(chr(c)) for a, b in _ARABIC_RANGES for c in range(a, b)}
_FOLDED_WORD = re.compile(r"[^\W_]+")


# Chinese and Japanese write without spaces: their runs are indexed as overlapping character pairs
# (as Lucene's CJK bigram filter does), so a word inside a longer run is found.
_CJK_RUN = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{3,}")


def _cjk_bigrams(token: str) -> list[str]:
    out: list[str] = []
    position = 0
    for run in _CJK_RUN.finditer(token):
        if run.start() > position:
            out.append(token[position : run.start()])
        text = run.group(0)
        out.extend(text[i : i + 2] for i in range(len(text) - 1))
        position = run.end()
    if position < len(token):
        out.append(token[position:])
    return out


def _words(piece: str) -> list[str]:
    if piece.isascii():
        return _ASCII_WORD.findall(piece.lower())
    if _ARABIC_PIECE.fullmatch(piece):
        return _FOLDED_WORD.findall(piece.translate(_ARABIC_FOLD))
    tokens = words(piece)
    if any(_CJK_RUN.search(token) for token in tokens):
        return [part for token in tokens for part in _cjk_bigrams(token)]
    return tokens


def _strip_suffixes(token: str) -> str:
    while len(token) > _MIN_STEM and token.endswith(_SUFFIXES):
        for suffix in _SUFFIXES:
            if token.endswith(suffix):
                if len(token) - len(suffix) < _MIN_STEM:
                    continue
                token = token[: -len(suffix)]
                # Before a pronoun the ta marbuta is written ت: مكتبتنا, حياته.
                if suffix in _PRONOUNS and token[-1] == "ت" and len(token) > _MIN_STEM:
                    token = token[:-1]
                break
        else:
            break
    return token


_PROTECTED_STEMS = frozenset(_strip_suffixes(w) for word in _ROOT_INITIAL_WORDS.split() for w in words(word))


def arabic_prefix_strip(token: str) -> str:
    """Rules 1-3 of the module docstring on one folded Arabic token ('بالمكتبه' -> 'مكتبه')."""
    if token in _ALLAH_FORMS:
        return "الله"
    if token.startswith(_ARTICLE_AFTER_CONJUNCTION):
        for prefix in _ARTICLE_AFTER_CONJUNCTION:
            if token.startswith(prefix) and len(token) - len(prefix) >= 2:
                return token[len(prefix) :]
    stripped = strip_arabic_article(token)
    if stripped != token:
        return stripped
    minimum = _PROCLITIC_MIN.get(token[0])
    if minimum is not None:
        whole = _strip_suffixes(token)
        if len(whole) >= minimum and whole not in _PROTECTED_STEMS:
            return token[1:]
    return token


def _stem_arabic(token: str) -> str:
    token = arabic_prefix_strip(token)
    return token if token == "الله" else _strip_suffixes(token)


def _stem_neutral(token: str) -> str:
    if len(token) >= 4 and token[-1] == "s" and token[-2] != "s":
        return token[:-1]
    return token


def _stem_english(token: str) -> str:
    # Harman (1991), the S-stemmer.
    if len(token) < 4 or token[-1] != "s":
        return token
    if token.endswith("ies") and not token.endswith(("eies", "aies")):
        return token[:-3] + "y"
    if token.endswith(("sses", "xes", "ches", "shes", "zzes")):
        return token[:-2]
    if token.endswith("es") and not token.endswith(("aes", "ees", "oes")):
        return token[:-1]
    if not token.endswith(("us", "ss")):
        return token[:-1]
    return token


def _stem_french(token: str) -> str:
    # After Savoy's minimal French stemmer (the one in Lucene), with a minimum stem of 3 letters.
    if len(token) <= _MIN_STEM:
        return token
    if token[-1] == "x":
        if token.endswith("aux") and not token.endswith("eaux") and len(token) > 4:
            return token[:-2] + "l"
        return token[:-1]
    for letter in "sree":
        if token[-1] == letter and len(token) > _MIN_STEM:
            token = token[:-1]
    if len(token) > _MIN_STEM and token[-1] == token[-2]:
        token = token[:-1]
    return token


_LATIN_STEMMERS = {None: _stem_neutral, "eng": _stem_english, "fre": _stem_french}


def _is_arabic(token: str) -> bool:
    return "\u0600" <= token[0] <= "\u06ff"


def stem_token(token: str, language: str | None = None) -> str:
    """The stem of one folded token (a word of :func:`khizana.core.textnorm.words`)."""
    if token.isascii():
        if token.isalpha():
            return _LATIN_STEMMERS[LANGUAGES.get(language.lower()) if language else None](token)
        return token
    if _is_arabic(token):
        return _stem_arabic(token)
    return token


def _chunk_analyser(language: str | None):
    stemmer = _LATIN_STEMMERS[language]

    @lru_cache(maxsize=1 << 18)
    def analyse_chunk(chunk: str) -> tuple[str, ...]:
        out = []
        for token in _words(chunk):
            if token.isascii():
                out.append(stemmer(token) if token.isalpha() else token)
            elif _is_arabic(token):
                out.append(_stem_arabic(token))
            else:
                out.append(token)
        return tuple(out)

    return analyse_chunk


_ANALYSERS = {language: _chunk_analyser(language) for language in _LATIN_STEMMERS}


@lru_cache(maxsize=1 << 18)
def _exact_chunk(chunk: str) -> tuple[str, ...]:
    return tuple(_words(chunk))


# Folding works character by character and punctuation separates words anyway, so a text can be cut
# at white space first and each piece analysed once (the pieces of titles repeat a lot).
def analyse(text: str, language: str | None = None) -> list[str]:
    """Folded and lightly stemmed tokens of ``text`` for the full-text fields."""
    if not text:
        return []
    chunk = _ANALYSERS[LANGUAGES.get(language.lower()) if language else None]
    return [token for piece in text.split() for token in chunk(piece)]


def analyse_exact(text: str) -> list[str]:
    """Folded tokens of ``text`` without stemming (exact and phrase fields): ``words(text)``, with
    Chinese and Japanese runs cut into character pairs."""
    if not text:
        return []
    return [token for piece in text.split() for token in _exact_chunk(piece)]


_SHORT_PROCLITICS = frozenset("بلفك")


def with_proclitic_variants(tokens: list[str]) -> list[str]:
    """Index-time extra forms: a four-letter Arabic token starting with ب ل ف ك also as the rest.

    The stemmer leaves such short words whole (بفاس could be a word of its own), so the index
    carries both forms: a reader typing فاس finds "بفاس", a reader typing بفاس still finds it.
    """
    extra = [
        token[1:]
        for token in tokens
        if len(token) == 4
        and token[0] in _SHORT_PROCLITICS
        and _is_arabic(token)
        and token not in _PROTECTED_STEMS
    ]
    return tokens + extra if extra else tokens


# Words a reader may type or leave out ("bataille au maroc" for "La bataille du Maroc"): a query
# does not require them when it has other words. Folded forms.
STOPWORDS = frozenset(
    [
        "le",
        "la",
        "les",
        "l",
        "un",
        "une",
        "des",
        "du",
        "de",
        "d",
        "au",
        "aux",
        "et",
        "ou",
        "en",
        "a",
        "sur",
        "pour",
        "par",
        "dans",
        "avec",
        "sans",
        "the",
        "a",
        "an",
        "of",
        "and",
        "or",
        "in",
        "on",
        "for",
        "to",
        "by",
        "with",
        "from",
        "at",
        "في",
        "من",
        "على",
        "عن",
        "الى",
        "او",
        "ثم",
        "مع",
    ]
)
