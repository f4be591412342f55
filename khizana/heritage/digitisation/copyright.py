"""Copyright status of a candidate title (no Django import): public domain from the authors' death years
and the country's term, anonymous works from their publication year.

Terms (years after the author's death; a work falls into the public domain on 1 January of the year after
the term ends, as every law below counts terms to the end of the calendar year):

- Morocco (MA): life + 70, anonymous works 70 years after publication. Loi n° 2-00 relative aux droits
  d'auteur et droits voisins (dahir 1-00-20 of 15 February 2000), articles 25-26, as amended by loi
  n° 34-05 (dahir 1-05-192 of 14 February 2006), which raised the term from 50 to 70 years.
- Algeria (DZ): life + 50, anonymous works 50 years after publication. Ordonnance n° 03-05 of
  19 July 2003 relative aux droits d'auteur et aux droits voisins, articles 54 and 57.
- Tunisia (TN): life + 50, anonymous works 50 years after publication. Loi n° 94-36 of 24 February 1994
  relative à la propriété littéraire et artistique, article 18, as amended by loi n° 2009-33.
- France (FR): life + 70, anonymous works 70 years after publication. Code de la propriété intellectuelle,
  articles L123-1 and L123-3 (the wartime extensions of L123-8/L123-9 are not applied: a work they cover
  is cleared by staff with a note).

The table is settings.KHIZANA_COPYRIGHT_TERMS (country code -> years), this module's :data:`TERMS` by
default; a country missing from it gives "unknown".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TERMS: dict[str, int] = {"MA": 70, "DZ": 50, "TN": 50, "FR": 70}

PUBLIC_DOMAIN = "public_domain"
IN_COPYRIGHT = "in_copyright"
UNKNOWN = "unknown"
CLEARED = "cleared"

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_YEAR = r"(\d{3,4})"
# "1900-1975", "1900-1975.", "1856?-1920", "ca. 1850-1920", "m. 1975", "d. 1975", "†1975", "-1975"
_LIFE = re.compile(rf"{_YEAR}\s*\??\s*[-–—]\s*(?:ca\.?\s*)?{_YEAR}")
_DIED = re.compile(rf"(?:\bd\.|\bm\.|†|\bdied\b|\bmort\b|^\s*[-–—])\s*(?:ca\.?\s*)?{_YEAR}", re.IGNORECASE)
_BORN_ONLY = re.compile(rf"^\s*(?:b\.|n\.|born|né)?\s*{_YEAR}\s*\??\s*[-–—]?\s*$", re.IGNORECASE)


def gettext_noop(message: str) -> str:
    """Marks an English template for translation (makemessages finds it); the Django side translates."""
    return message


class DatesError(ValueError):
    """Dates of a name that cannot be read; the message quotes them."""


def death_year(dates: str) -> int | None:
    """The death year in the dates of a name heading (MARC 21 100/700 $d, UNIMARC 700/701 $f):
    ``1900-1975`` gives 1975; ``1900-`` (still living, or not known) gives None.
    Raises :class:`DatesError` for dates in which no year can be read."""
    text = (dates or "").translate(_DIGITS).strip().rstrip(".,;")
    if not text:
        return None
    if match := _LIFE.search(text):
        born, died = int(match.group(1)), int(match.group(2))
        if died < born:
            raise DatesError(f"{dates!r}: death year before birth year")
        return died
    if match := _DIED.search(text):
        return int(match.group(1))
    if _BORN_ONLY.match(text):
        return None
    raise DatesError(f"{dates!r}: no year of death can be read")


@dataclass(frozen=True)
class Status:
    """``status`` (one of the constants above), ``free_from`` (the first year in the public domain, when
    known) and ``reason``: an English sentence template with ``params``, translated by the caller."""

    status: str
    free_from: int | None
    reason: str
    params: dict


def compute_status(
    author_dates: list[str],
    *,
    anonymous: bool,
    publication_year: int | None,
    country: str,
    current_year: int,
    terms: dict[str, int] | None = None,
) -> Status:
    """The status of a work by the authors whose ``author_dates`` are given (one string per author; the
    work is free when the last of them has been dead for longer than the country's term), or, for an
    ``anonymous`` work, from its ``publication_year``."""
    table = TERMS if terms is None else terms
    term = table.get((country or "").upper())
    if term is None:
        return Status(
            UNKNOWN,
            None,
            gettext_noop("no copyright term known for the country %(country)s"),
            {"country": country},
        )
    if anonymous:
        if publication_year is None:
            return Status(UNKNOWN, None, gettext_noop("anonymous work without a publication year"), {})
        return _against(publication_year + term + 1, current_year, term, publication_year, anonymous=True)
    if not author_dates:
        return Status(UNKNOWN, None, gettext_noop("no author dates in the record"), {})
    deaths = []
    for dates in author_dates:
        died = death_year(dates)
        if died is None:
            return Status(
                UNKNOWN,
                None,
                gettext_noop("no death year in the author dates %(dates)s"),
                {"dates": dates or "-"},
            )
        deaths.append(died)
    return _against(max(deaths) + term + 1, current_year, term, max(deaths), anonymous=False)


_REASONS = {
    (False, True): gettext_noop("author died %(year)s, term %(term)s years: free since %(free_from)s"),
    (False, False): gettext_noop("author died %(year)s, term %(term)s years: free from %(free_from)s"),
    (True, True): gettext_noop(
        "anonymous, published %(year)s, term %(term)s years: free since %(free_from)s"
    ),
    (True, False): gettext_noop(
        "anonymous, published %(year)s, term %(term)s years: free from %(free_from)s"
    ),
}


def _against(free_from: int, current_year: int, term: int, year: int, *, anonymous: bool) -> Status:
    free = current_year >= free_from
    params = {"year": year, "term": term, "free_from": free_from}
    return Status(PUBLIC_DOMAIN if free else IN_COPYRIGHT, free_from, _REASONS[(anonymous, free)], params)


def terms_table(overrides: list[str] | tuple[str, ...] = ()) -> dict[str, int]:
    """:data:`TERMS` with ``overrides`` ("country:years" pairs, as settings.KHIZANA_COPYRIGHT_TERMS holds
    them) applied; raises ValueError naming a pair that cannot be read."""
    table = dict(TERMS)
    for pair in overrides:
        country, _, years = pair.partition(":")
        if len(country.strip()) != 2 or not years.strip().isdigit():
            raise ValueError(f"KHIZANA_COPYRIGHT_TERMS: {pair!r} is not country:years (e.g. MA:70)")
        table[country.strip().upper()] = int(years)
    return table
