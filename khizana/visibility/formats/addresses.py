"""Cutting one affiliation string into its parts: units, institutions, street, city, postcode, country.

``split_institutions("Univ Grenoble Alpes, CNRS, LPNC, F-38000 Grenoble, France")`` gives three
organisation parts, a postcode, a city and a country. Commas inside parentheses or brackets do not cut
(``CNRS (UMR 7243, LAMSADE)``). Pure Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .countries import US_STATES, country_code, trailing_country, us_state_zip

_BRACKETS = re.compile(r"[(\[{]")
_COMMAS = re.compile(r"[,\u060c]")

DEPARTMENT = "department"
INSTITUTION = "institution"
STREET = "street"
CITY = "city"
REGION = "region"
POSTCODE = "postcode"
COUNTRY = "country"


@dataclass(frozen=True)
class AddressPart:
    text: str
    kind: str  # department, institution, street, city, region, postcode, country
    code: str | None = None  # ISO country code of a country part


_POSTCODE = re.compile(
    r"^(?:(?:[A-Z]{1,3}-)?\d{3,6}(?:[- ]\d{3,4})?|(?:B\.?P\.?|P\.?O\.? ?Box|CP|CS|BP)\.? ?\d+[A-Z]?"
    r"|cedex(?: \d+)?|[A-Z]\d[A-Z] ?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})$",
    re.IGNORECASE,
)
_POSTCODE_IN_CITY = re.compile(
    r"^(?:(?P<pre>(?:[A-Z]{1,3}-)?\d{4,6})\s+(?P<city1>\D.*)|(?P<city2>\D.*?)\s+(?P<post>(?:[A-Z]{1,3}-)?\d{4,6}))$"
)
_STREET_WORDS = (
    r"\b(avenue|av|ave|rue|street|st|road|rd|boulevard|bd|blvd|bld|route|km|lot|"
    r"campus|cite|cité|place|pl|chemin|allee|allée|quartier|hay|bldg|building|str|straße|strasse|via|"
    r"calle|rua|lane|way|drive|dr|po box|bp|b\.p)\b\.?"
)
_STREET_WORD = re.compile(_STREET_WORDS, re.IGNORECASE)
_STREET = re.compile(r"(^\d+[A-Za-z]?\s+\w)|" + _STREET_WORDS, re.IGNORECASE)
_UNIVERSITY = re.compile(
    r"\b(univ|university|universit[eéà]|universidad|universidade|universita|universität|college|cnrs|inserm|"
    r"inra|inrae|ird|cea|inria|cirad|irstea|academy|academie|académie|hospital|hôpital|hopital|chu|"
    r"company|inc|ltd|gmbh|corporation|corp|agency|ministry|ministere|ministère|council|inst|institute|institut|"
    r"instituto|istituto)\b|جامعة|معهد",
    re.IGNORECASE,
)
_UNIT = re.compile(
    r"\b(dept|department|departement|département|dep|lab|labs|laboratory|laboratoire|laboratorio|fac|faculty|"
    r"faculte|faculté|facultad|sch|school|ecole|école|umr|ur|ura|upr|ea|unit|unite|unité|team|equipe|équipe|"
    r"grp|group|groupe|division|div|service|serv|sect|section|ctr|center|centre|centro|"
    r"program|programme|chair)\b|كلية|مختبر|قسم",
    re.IGNORECASE,
)

# A piece that starts with one of these is a unit, even when it names its institution ("UMR CNRS 5525").
_UNIT_FIRST = re.compile(
    r"(dept|department|departement|département|dep|lab|labs|laboratory|laboratoire|laboratorio|fac|faculty|"
    r"faculte|faculté|facultad|umr|ur|ura|upr|unit|unite|unité|team|equipe|équipe|service|division|grp|group|"
    r"groupe)\b|كلية|مختبر|قسم",
    re.IGNORECASE,
)


def split_top_level(text: str, separators: str = ",،") -> list[str]:
    """Split on commas (Latin or Arabic) outside parentheses and brackets; empty parts dropped."""
    if not _BRACKETS.search(text):
        return [part.strip() for part in _COMMAS.split(text) if part.strip()]
    parts, depth, start = [], 0, 0
    for position, char in enumerate(text):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        elif char in separators and depth == 0:
            parts.append(text[start:position])
            start = position + 1
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def split_institutions(affiliation: str) -> list[AddressPart]:
    """The parts of one affiliation string, in order, each with its kind."""
    pieces = split_top_level(affiliation.strip().rstrip(".;").strip())
    if not pieces:
        return []
    tail = _country_tail(pieces[-1])
    body = pieces[:-1] + tail[0] if tail else pieces
    parts = [_classify(piece) for piece in body]
    parts = [part for group in parts for part in group]
    _mark_city(parts)
    if tail:
        parts.extend(tail[1])
    return parts


@lru_cache(maxsize=65536)
def find_country(affiliation: str) -> tuple[str | None, str | None]:
    """(country as written, ISO code) of an affiliation, from its last part; (None, None) when absent."""
    pieces = split_top_level(affiliation.strip().rstrip(".;").strip())
    if not pieces:
        return None, None
    tail = _country_tail(pieces[-1])
    if not tail:
        return None, None
    country = tail[1][-1]
    return (country.text, country.code) if country.kind == COUNTRY else (None, "US")


def _country_tail(last: str) -> tuple[list[str], list[AddressPart]] | None:
    """Cut the country (or a US state and ZIP) off the last piece: (pieces left, tail parts)."""
    code = country_code(last)
    if code:
        return [], [AddressPart(last, COUNTRY, code)]
    found = trailing_country(last)
    if found:
        written, code = found
        rest = last[: len(last) - len(written)].strip(" ,")
        if code == "US" and us_state_zip(rest):
            return [], [
                AddressPart(rest[:2], REGION),
                AddressPart(rest[3:], POSTCODE),
                AddressPart(written, COUNTRY, code),
            ]
        return ([rest] if rest else []), [AddressPart(written, COUNTRY, code)]
    if us_state_zip(last):
        return [], [AddressPart(last[:2], REGION), AddressPart(last[3:].strip(), POSTCODE, None)]
    words = last.split()
    if len(words) >= 3 and us_state_zip(" ".join(words[-2:])):  # "CHICAGO, IL 60680" cut badly: "X IL 60680"
        return [" ".join(words[:-2])], [AddressPart(words[-2], REGION), AddressPart(words[-1], POSTCODE)]
    return None


def _classify(piece: str) -> list[AddressPart]:
    if _POSTCODE.match(piece):
        return [AddressPart(piece, POSTCODE)]
    if us_state_zip(piece):
        return [AddressPart(piece[:2], REGION), AddressPart(piece[3:], POSTCODE)]
    if piece.isupper() and len(piece) == 2 and piece in US_STATES:
        return [AddressPart(piece, REGION)]
    match = _POSTCODE_IN_CITY.match(piece)
    if match and not _UNIT.search(piece) and not _UNIVERSITY.search(piece) and not _STREET_WORD.search(piece):
        if match.group("pre"):
            return [AddressPart(match.group("pre"), POSTCODE), AddressPart(match.group("city1"), CITY)]
        return [AddressPart(match.group("city2"), CITY), AddressPart(match.group("post"), POSTCODE)]
    if _UNIT_FIRST.match(piece):
        return [AddressPart(piece, DEPARTMENT)]
    if _UNIVERSITY.search(piece):
        return [AddressPart(piece, INSTITUTION)]
    if _UNIT.search(piece):
        return [AddressPart(piece, DEPARTMENT)]
    if _STREET.search(piece) or any(ch.isdigit() for ch in piece):
        return [AddressPart(piece, STREET)]
    return [AddressPart(piece, INSTITUTION)]


def _mark_city(parts: list[AddressPart]) -> None:
    """The last plain name after the organisations, before postcodes, is the city (when none is known)."""
    if any(part.kind == CITY for part in parts):
        return
    for index in range(len(parts) - 1, 0, -1):
        part = parts[index]
        if part.kind in (POSTCODE, REGION):
            continue
        if part.kind == INSTITUTION and _looks_like_place(part.text):
            parts[index] = AddressPart(part.text, CITY)
        return


def _looks_like_place(text: str) -> bool:
    return len(text.split()) <= 4 and not _UNIVERSITY.search(text) and not any(ch.isdigit() for ch in text)
