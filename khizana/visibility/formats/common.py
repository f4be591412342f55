"""Helpers shared by the readers: affiliations with their country, author links, corresponding addresses."""

from __future__ import annotations

import re

from .addresses import find_country
from .model import Affiliation, Author, Correspondence, Publication
from .text import name_key, repair_mojibake, squash

_CORRESPONDING = re.compile(r"\s*\((?:corresponding|reprint) author\)\s*,?\s*", re.IGNORECASE)
_DOI = re.compile(r"10\.\d{4,9}/\S+")


def make_affiliation(raw: str, authors: list[str] | None = None) -> Affiliation:
    text = squash(raw).rstrip(";").strip()
    country, code = find_country(text)
    return Affiliation(raw=text, authors=list(authors or []), country=country, country_code=code)


class AffiliationCollector:
    """Adds addresses to a publication once each, merging the authors of repeated addresses."""

    def __init__(self, publication: Publication) -> None:
        self.publication = publication
        self.by_raw = {affiliation.raw: affiliation for affiliation in publication.affiliations}

    def add(self, raw: str, authors: list[str]) -> None:
        text = squash(raw).rstrip(";").strip()
        if not text:
            return
        affiliation = self.by_raw.get(text)
        if affiliation is None:
            affiliation = self.by_raw[text] = make_affiliation(text, [])
            self.publication.affiliations.append(affiliation)
        affiliation.authors.extend(name for name in authors if name not in affiliation.authors)


class AuthorIndex:
    """Finds a publication's author from a name written in another field (full, short or initials form)."""

    def __init__(self, authors: list[Author]) -> None:
        self.authors = authors
        self.by_key: dict[str, int] = {}
        self.by_initials: dict[str, int] = {}
        self.by_first_initial: dict[str, list[int]] = {}
        for position, author in enumerate(authors):
            for form in (author.full_name, author.name):
                if form:
                    self.by_key.setdefault(name_key(form), position)

    def _build_loose_keys(self) -> None:
        for position, author in enumerate(self.authors):
            for form in (author.full_name, author.name):
                if form:
                    self.by_initials.setdefault(name_key(surname_initials(form)), position)
                    self.by_first_initial.setdefault(_first_initial_key(form), []).append(position)

    def position(self, name: str) -> int | None:
        name = repair_mojibake(name)
        found = self.by_key.get(name_key(name))
        if found is not None:
            return found
        if not self.by_initials:
            self._build_loose_keys()
        if found is None:
            found = self.by_initials.get(name_key(surname_initials(name)))
        if found is None:
            candidates = set(self.by_first_initial.get(_first_initial_key(name), []))
            found = candidates.pop() if len(candidates) == 1 else None
        return found


def link_authors(publication: Publication, index: AuthorIndex | None = None) -> None:
    """Fill ``author_indexes`` of every affiliation from the author names written with it."""
    index = index or AuthorIndex(publication.authors)
    for affiliation in publication.affiliations:
        found: list[int] = []
        for name in affiliation.authors:
            position = index.position(name)
            if position is not None and position not in found:
                found.append(position)
        affiliation.author_indexes = found


def surname_initials(name: str) -> str:
    """``Houssein, Essam H.`` -> ``Houssein EH``: a form under which the short and full names agree."""
    if "," not in name:
        return name
    surname, given = name.split(",", 1)
    initials = "".join(word[0] for word in re.split(r"[\s.\-]+", given) if word)
    return f"{surname} {initials}"


def _first_initial_key(name: str) -> str:
    surname, _, given = name.partition(",")
    given = given.strip()
    return name_key(surname) + "|" + (name_key(given)[:1] if given else "")


def attach_identifiers(
    publication: Publication, pairs: list[str], scheme: str, index: AuthorIndex | None = None
) -> list[str]:
    """Attach WoS OI/RI ``Name/identifier`` pairs to the authors; returns the names matching nobody."""
    index = index or AuthorIndex(publication.authors)
    unmatched = []
    for pair in pairs:
        name, _, identifier = pair.rpartition("/")
        name, identifier = name.strip(), identifier.strip()
        if not name or not identifier:
            continue
        position = index.position(name)
        if position is None:
            unmatched.append(name)
        else:
            publication.authors[position].identifiers.setdefault(scheme, identifier)
    return unmatched


def wos_reprint_addresses(value: str) -> list[Correspondence]:
    """Split a WoS RP value (``X (corresponding author), Address.; Y (corresponding author), Address.``)."""
    text = squash(value)
    if not text:
        return []
    marks = list(_CORRESPONDING.finditer(text))
    if not marks:
        return [Correspondence(None, text.rstrip("."))]
    result, start = [], 0
    for number, mark in enumerate(marks):
        author = text[start : mark.start()].strip(" ;")
        end = marks[number + 1].start() if number + 1 < len(marks) else len(text)
        segment = text[mark.end() : end]
        if number + 1 < len(marks):
            cut = segment.rfind(";")
            segment, start = (segment[:cut], mark.end() + cut + 1) if cut >= 0 else (segment, end)
        result.append(Correspondence(author or None, segment.strip(" ;").rstrip(".")))
    return result


def scopus_correspondence(value: str) -> list[Correspondence]:
    """Scopus ``Name; Address; email: x; Name 2; Address 2; email: y`` correspondence addresses."""
    text = squash(value)
    result = []
    for group in _EMAIL.split(text):
        pieces = [piece.strip() for piece in group.split(";") if piece.strip()]
        if len(pieces) == 1:
            result.append(Correspondence(None, pieces[0]))
        elif pieces:
            result.append(Correspondence(pieces[0], "; ".join(pieces[1:])))
    return result


_EMAIL = re.compile(r";?\s*email:[^;]*;?", re.IGNORECASE)


def doi_of(value: str | None) -> str | None:
    match = _DOI.search(value or "")
    return match.group(0).rstrip(".,;") if match else None


def scopus_eid_of(url: str | None) -> str | None:
    match = re.search(r"eid=(2-s2\.0-\d+)", url or "")
    return match.group(1) if match else None
