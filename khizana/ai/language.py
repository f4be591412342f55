"""Language and script of a title (no Django import).

The script comes from the letters (``khizana.catalog.scripts``); the language from lingua
(PyPI ``lingua-language-detector``, its models ship inside the wheel: nothing is downloaded), asked only
among the candidate languages written in that script. Tifinagh letters say Amazigh (MARC ``ber``):
lingua has no Berber model, and no other language of the network is written in Tifinagh.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from lingua import Language, LanguageDetectorBuilder

from khizana.catalog.scripts import script_of

# MARC (ISO 639-2/B) code -> lingua language, for every language lingua can be asked about.
LINGUA = {
    "ara": Language.ARABIC,
    "per": Language.PERSIAN,
    "urd": Language.URDU,
    "fre": Language.FRENCH,
    "eng": Language.ENGLISH,
    "spa": Language.SPANISH,
    "ger": Language.GERMAN,
    "ita": Language.ITALIAN,
    "por": Language.PORTUGUESE,
    "dut": Language.DUTCH,
    "lat": Language.LATIN,
    "cat": Language.CATALAN,
}
_CODE_OF = {language: code for code, language in LINGUA.items()}
_SCRIPT_OF_LANGUAGE = {"ara": "Arabic", "per": "Arabic", "urd": "Arabic"}  # the others: Latin
AMAZIGH = "ber"  # MARC "Berber (Other)": the Amazigh languages of Morocco, written in Tifinagh
# Marks of a romanised Arabic-script title (ALA-LC: ayn and hamza, long vowels, dotted consonants, the
# article joined by a hyphen); none of the Latin-script languages of the network writes them.
_ROMANISED = re.compile(
    r"[\u02bb\u02bc\u0101\u012b\u016b\u1e25\u1e63\u1e0d\u1e6d\u1e93\u1e24\u1e62\u1e0c\u1e6c\u1e92]|(?:^|\s)(?:al|wa|li|bi)-\w",
    re.I,
)


@dataclass(frozen=True)
class Detection:
    """What a title looks like: its main script and, when one can be told, its language."""

    script: str  # "Latin", "Arabic", "Tifinagh"... ("" without letters)
    language: str = ""  # MARC code; "" when none of the candidates is written in that script
    confidence: float = 0.0  # 0..1: lingua's share for the language (letters' share for Tifinagh)
    romanised: bool = False  # a romanised Arabic-script title, read from its original-script form if any


def main_script(text: str) -> tuple[str, float]:
    """The script of most letters of ``text`` and its share of the letters (("", 0.0) without letters)."""
    counts = Counter(script for script in map(script_of, text) if script)
    if not counts:
        return "", 0.0
    script, count = counts.most_common(1)[0]
    return script, count / sum(counts.values())


@lru_cache(maxsize=16)
def _detector(codes: tuple[str, ...]):
    languages = [LINGUA[code] for code in codes]
    if len(languages) == 1:  # lingua wants two at least; a lone candidate is decided without it
        return None
    return LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models().build()


def candidates_for(script: str, languages: tuple[str, ...]) -> tuple[str, ...]:
    """The candidate languages (MARC codes lingua knows) written in ``script``."""
    known = (code for code in languages if code in LINGUA)
    return tuple(sorted(code for code in known if _SCRIPT_OF_LANGUAGE.get(code, "Latin") == script))


def detect(text: str, languages: tuple[str, ...]) -> Detection:
    """The script of ``text`` and its most likely language among ``languages`` (MARC codes)."""
    script, share = main_script(text)
    if script == "Tifinagh" and AMAZIGH in languages:
        return Detection(script, AMAZIGH, round(share, 4))
    codes = candidates_for(script, languages)
    if not codes:
        return Detection(script)
    detector = _detector(codes)
    if detector is None:
        return Detection(script, codes[0], round(share, 4))
    values = detector.compute_language_confidence_values(text)
    if not values or values[0].value <= 0:
        return Detection(script)
    best = values[0]
    return Detection(script, _CODE_OF[best.language], round(best.value * share, 4))


def is_romanised(text: str) -> bool:
    """Whether ``text`` looks like an ALA-LC romanisation of Arabic script (Arabic, Persian, Urdu...)."""
    return bool(_ROMANISED.search(text))


def detect_title(
    title: str, subtitle: str, parallel_titles: list[str], languages: tuple[str, ...]
) -> Detection:
    """The language of a title and subtitle. A romanised title says nothing of its language to lingua
    (it reads as English or French): its Arabic-script form (MARC 880, a parallel title) is read instead,
    and without one no language is suggested."""
    text = " ".join(part for part in (title, subtitle) if part)
    if not is_romanised(text):
        return detect(text, languages)
    original = next((t for t in parallel_titles if main_script(t)[0] == "Arabic"), "")
    if not original:
        return Detection("Latin", romanised=True)
    found = detect(original, languages)
    return Detection(found.script, found.language, found.confidence, romanised=True)
