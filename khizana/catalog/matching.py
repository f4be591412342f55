"""Cluster records that describe the same edition (no Django import).

Rules, in order of strength:

1. ``manual``: a member of staff joined two records; a manual split keeps records apart whatever
   any rule says.
2. ``isbn`` / ``issn`` / ``lccn`` / ``oclc`` / ``nbn``: the records share a normalised identifier,
   and their titles are not clearly different (guards against set ISBNs and keying errors).
3. ``fuzzy``: same year, same material type, no conflicting identifiers or edition numbers, and a
   weighted rapidfuzz score of title, first author and publisher at or above ``FUZZY_THRESHOLD``.

Only records sharing a blocking key (:func:`block_keys`) are ever compared, so the clusters of a set
of records closed under shared keys do not depend on any record outside it: that is what lets the
catalog re-cluster only the neighbourhood of the records an import changed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from rapidfuzz import fuzz

from khizana.core.textnorm import normalise

from .records import BibFields

STRONG_SCHEMES = ("isbn", "issn", "lccn", "oclc", "nbn")
# Identifiers that name one record in one catalogue: two different values mean two descriptions.
_EXCLUSIVE_SCHEMES = ("lccn",)  # OCLC has duplicate records of one edition: not exclusive
FUZZY_THRESHOLD = 90.0
# Below this title similarity a shared identifier is not trusted (set ISBNs, keying errors); an ISSN
# names one serial title, so its guard is strict ("Hikobia" and "Hikobia. Supplement").
STRONG_TITLE_GUARD = {"issn": 90.0}
DEFAULT_TITLE_GUARD = 50.0
FUZZY_TITLE_MINIMUM = 90.0
MAX_BLOCK_FOR_FUZZY = 400  # larger blocks (very common titles) are compared to neighbours only
TITLE_KEY_WORDS = 3

_ORDINALS = {
    "first": "1",
    "premiere": "1",
    "premier": "1",
    "1re": "1",
    "1er": "1",
    "second": "2",
    "deuxieme": "2",
    "seconde": "2",
    "third": "3",
    "troisieme": "3",
    "fourth": "4",
    "quatrieme": "4",
    "fifth": "5",
    "cinquieme": "5",
    "sixth": "6",
    "sixieme": "6",
    "seventh": "7",
    "septieme": "7",
    "eighth": "8",
    "huitieme": "8",
    "ninth": "9",
    "neuvieme": "9",
    "tenth": "10",
    "dixieme": "10",
}
_NUMBER = re.compile(r"\d+")


@dataclass
class MatchRecord:
    """What the matcher needs of one bibliographic record."""

    key: str  # stable identity, e.g. "BNRM/ocm0012345": orders edges and picks nothing else
    titles: list[str]  # normalised: main title (+ subtitle) first, then parallel titles
    main_title: str  # normalised title proper, without subtitle
    has_subtitle: bool
    author: str  # normalised first author
    year: int | None
    publisher: str
    edition: str  # normalised edition number ("2") or words; "" when none
    volume: str  # digits of a part/volume number in the title, "" when none
    material_type: str
    identifiers: dict[str, frozenset[str]] = field(default_factory=dict)


_CONJUNCTIONS = frozenset({"and", "et", "und", "e", "y"})


def _title_form(text: str) -> str:
    """Normalised title without articles or conjunctions ("Pride & prejudice" = "Pride and prejudice")."""
    return " ".join(w for w in normalise(text, strip_articles=True).split() if w not in _CONJUNCTIONS)


def match_record(key: str, fields: BibFields) -> MatchRecord:
    titles = []
    main = _title_form(f"{fields.title} {fields.subtitle}")
    if main:
        titles.append(main)
    for parallel in fields.parallel_titles:
        value = _title_form(parallel)
        if value and value not in titles:
            titles.append(value)
    return MatchRecord(
        key=key,
        titles=titles,
        main_title=_title_form(fields.title),
        has_subtitle=bool(fields.subtitle.strip()),
        author=normalise(fields.authors[0]) if fields.authors else "",
        year=fields.year,
        publisher=normalise(fields.publisher, strip_articles=True),
        edition=edition_number(fields.edition),
        volume=_volume_number(fields.title),
        material_type=str(fields.material_type),
        identifiers={
            scheme: frozenset(values)
            for scheme, values in fields.identifiers.items()
            if scheme in STRONG_SCHEMES and values
        },
    )


def edition_number(statement: str) -> str:
    """ "2nd ed." -> "2", "Nouvelle éd. revue" -> "nouvelle ed revue", "" -> ""."""
    text = normalise(statement)
    if not text:
        return ""
    number = _NUMBER.search(text)
    if number:
        return number.group(0).lstrip("0") or "0"
    for word in text.split():
        if word in _ORDINALS:
            return _ORDINALS[word]
    return text


def _volume_number(title: str) -> str:
    text = normalise(title)
    match = re.search(
        r"\b(?:vol|volume|v|tome|t|band|bd|teil|tl|part|pt|partie|livre|book|no|n|numero|juz|mujallad)\s*(\d+)\b",
        text,
    )
    return match.group(1) if match else ""


def block_keys(record: MatchRecord) -> set[str]:
    """Keys under which a record is compared with others; stored so neighbourhoods can be found."""
    keys = {f"{scheme}:{value}" for scheme, values in record.identifiers.items() for value in values}
    for title in record.titles:
        words = title.split()[:TITLE_KEY_WORDS]
        if words:
            keys.add(f"t:{' '.join(words)}|{record.year or ''}"[:255])
    return keys


@dataclass(frozen=True)
class Edge:
    a: str
    b: str
    rule: str
    score: float  # 0..1


@dataclass
class Clustering:
    clusters: list[list[str]]  # record keys, each cluster sorted, clusters sorted by first key
    edges: list[Edge]  # the links that joined each cluster (a spanning forest)
    refused: list[Edge]  # links a manual split overruled


def title_similarity(a: MatchRecord, b: MatchRecord) -> float:
    """Best token-sorted similarity of the titles in any script; a subtitle only one side gives is ignored.

    Word-subset scores are not used: "Hikobia" and "Hikobia. Supplement" are two serials.
    """
    best = 0.0
    if (not a.has_subtitle or not b.has_subtitle) and a.main_title and b.main_title:
        best = fuzz.token_sort_ratio(a.main_title, b.main_title)
    for ta in a.titles:
        for tb in b.titles:
            if best >= 100:
                return 100.0
            best = max(best, fuzz.token_sort_ratio(ta, tb))
    return best


def _conflicting_identifiers(a: MatchRecord, b: MatchRecord) -> bool:
    for scheme in ("isbn", *_EXCLUSIVE_SCHEMES):
        ours, theirs = a.identifiers.get(scheme), b.identifiers.get(scheme)
        if ours and theirs and not ours & theirs:
            return True
    return False


def _editions_conflict(a: MatchRecord, b: MatchRecord) -> bool:
    if a.volume != b.volume:
        return True
    return bool(a.edition and b.edition and a.edition != b.edition)


def _same_imprint(a: MatchRecord, b: MatchRecord) -> bool:
    """Same year and same author or publisher: a shared identifier then holds even if titles differ
    (a title in another script, or mangled by a bad character set)."""
    if a.year is None or a.year != b.year:
        return False
    if a.author and b.author and fuzz.token_set_ratio(a.author, b.author) >= 90:
        return True
    return bool(a.publisher and b.publisher and fuzz.token_set_ratio(a.publisher, b.publisher) >= 90)


def strong_link(a: MatchRecord, b: MatchRecord) -> Edge | None:
    for scheme in STRONG_SCHEMES:
        shared = a.identifiers.get(scheme, frozenset()) & b.identifiers.get(scheme, frozenset())
        if not shared:
            continue
        guard = STRONG_TITLE_GUARD.get(scheme, DEFAULT_TITLE_GUARD)
        if a.titles and b.titles and title_similarity(a, b) < guard and not _same_imprint(a, b):
            return None
        if a.volume != b.volume or (scheme != "isbn" and _conflicting_identifiers(a, b)):
            return None
        return Edge(*sorted((a.key, b.key)), rule=scheme, score=1.0)
    return None


def fuzzy_score(a: MatchRecord, b: MatchRecord) -> float | None:
    """Weighted similarity 0..100 of two records, or None when a hard rule keeps them apart."""
    if a.year != b.year or a.material_type != b.material_type or not a.titles or not b.titles:
        return None
    if _conflicting_identifiers(a, b) or _editions_conflict(a, b):
        return None
    title = title_similarity(a, b)
    if title < FUZZY_TITLE_MINIMUM:
        return None
    if a.author and b.author:
        author = max(fuzz.token_set_ratio(a.author, b.author), fuzz.partial_ratio(a.author, b.author))
        if author < 80:
            return None
    elif a.author or b.author:
        author = 70.0  # one record names no author: weaker evidence
    else:
        author = 100.0
    if a.publisher and b.publisher:
        publisher = max(
            fuzz.token_set_ratio(a.publisher, b.publisher), fuzz.partial_ratio(a.publisher, b.publisher)
        )
    else:
        publisher = 85.0
    return 0.6 * title + 0.25 * author + 0.15 * publisher


def _candidate_pairs(records: dict[str, MatchRecord]) -> Iterable[tuple[str, str]]:
    blocks: dict[str, list[str]] = defaultdict(list)
    for key in sorted(records):
        for block in block_keys(records[key]):
            blocks[block].append(key)
    seen: set[tuple[str, str]] = set()
    for members in blocks.values():
        if len(members) < 2:
            continue
        if len(members) <= MAX_BLOCK_FOR_FUZZY:
            pairs = combinations(members, 2)
        else:  # sorted neighbourhood: each record against the next few of the block
            pairs = (
                (members[i], members[j])
                for i in range(len(members))
                for j in range(i + 1, min(i + 6, len(members)))
            )
        for pair in pairs:
            if pair not in seen:
                seen.add(pair)
                yield pair


# Attributes that must agree across a whole cluster, not only between the two records of a link:
# otherwise a record with no edition statement would chain the 2nd and the 3rd edition together.
_EXCLUSIVE_ATTRIBUTES = ("edition", "volume", "isbn", *_EXCLUSIVE_SCHEMES)


def _attributes(record: MatchRecord) -> dict[str, frozenset[str]]:
    values = {name: record.identifiers.get(name, frozenset()) for name in ("isbn", *_EXCLUSIVE_SCHEMES)}
    values["edition"] = frozenset([record.edition]) if record.edition else frozenset()
    values["volume"] = frozenset([record.volume]) if record.volume else frozenset()
    return values


class _Components:
    """Union-find over record keys that refuses unions joining a cannot-link pair or clashing editions."""

    def __init__(self, records: dict[str, MatchRecord], cannot: dict[str, set[str]]):
        self.parent = {k: k for k in records}
        self.members = {k: {k} for k in self.parent}
        self.cannot = {k: set(cannot.get(k, ())) for k in self.parent}
        self.attributes = {k: _attributes(r) for k, r in records.items()}

    def find(self, key: str) -> str:
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def _clash(self, ra: str, rb: str, rule: str) -> bool:
        ours, theirs = self.attributes[ra], self.attributes[rb]
        for name in _EXCLUSIVE_ATTRIBUTES:
            if name == rule:  # the link itself is a shared value of this identifier
                continue
            if ours[name] and theirs[name] and not ours[name] & theirs[name]:
                return True
        return False

    def union(self, a: str, b: str, rule: str) -> bool | None:
        """True if joined, None if already together, False if refused (manual split or clash)."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        if self.cannot[ra] & self.members[rb]:
            return False
        if rule != "manual" and self._clash(ra, rb, rule):
            return False
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra] |= self.members.pop(rb)
        self.cannot[ra] |= self.cannot.pop(rb)
        theirs = self.attributes.pop(rb)
        self.attributes[ra] = {name: values | theirs[name] for name, values in self.attributes[ra].items()}
        return True


def cluster(
    records: Sequence[MatchRecord],
    manual_same: Iterable[tuple[str, str]] = (),
    manual_different: Iterable[tuple[str, str]] = (),
) -> Clustering:
    """Group ``records`` into editions. Deterministic: the result depends only on the inputs."""
    by_key = {r.key: r for r in records}
    cannot: dict[str, set[str]] = defaultdict(set)
    for a, b in manual_different:
        if a in by_key and b in by_key:
            cannot[a].add(b)
            cannot[b].add(a)
    components = _Components(by_key, cannot)
    edges: list[Edge] = []
    refused: list[Edge] = []

    def link(edge: Edge) -> None:
        joined = components.union(edge.a, edge.b, edge.rule)
        if joined:
            edges.append(edge)
        elif joined is False and edge.rule != "fuzzy":
            refused.append(edge)

    for a, b in manual_same:
        if a in by_key and b in by_key:
            link(Edge(*sorted((a, b)), rule="manual", score=1.0))

    strong: list[Edge] = []
    fuzzy: list[Edge] = []
    for ka, kb in _candidate_pairs(by_key):
        a, b = by_key[ka], by_key[kb]
        edge = strong_link(a, b)
        if edge:
            strong.append(edge)
            continue
        score = fuzzy_score(a, b)
        if score is not None and score >= FUZZY_THRESHOLD:
            fuzzy.append(Edge(ka, kb, rule="fuzzy", score=round(score / 100, 4)))
    for edge in sorted(strong, key=lambda e: (STRONG_SCHEMES.index(e.rule), e.a, e.b)):
        link(edge)
    for edge in sorted(fuzzy, key=lambda e: (-e.score, e.a, e.b)):
        link(edge)

    groups: dict[str, list[str]] = defaultdict(list)
    for key in by_key:
        groups[components.find(key)].append(key)
    clusters = sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])
    return Clustering(clusters=clusters, edges=edges, refused=refused)
