"""Cluster records that describe the same edition (no Django import).

Rules, in order of strength:

1. ``manual``: a member of staff joined two records; a manual split keeps records apart whatever
   any rule says.
2. ``isbn`` / ``issn`` / ``lccn`` / ``oclc`` / ``nbn``: the records share a normalised identifier,
   their titles are not clearly different (guards against set ISBNs and keying errors), and their
   year and edition do not conflict. A shared identifier with conflicting years or editions (a
   reprint, a second edition under the first one's LCCN) is not merged: it goes to staff review.
3. ``fuzzy``: same year, same material type, no conflicting identifiers or edition numbers, and a
   weighted rapidfuzz score of title, first author and publisher at or above ``FUZZY_THRESHOLD``.
   Forms in different scripts (an Arabic-script title against an ALA-LC romanised one) are compared
   through the transliteration key of :mod:`khizana.core.translit`; a record's 880 forms count as its
   own. Pairs scored just under the threshold go to staff review.

Candidates: only records sharing a blocking key (:func:`block_keys`) are ever compared. A record has
several keys, so that one typo, a dropped subtitle or article, initials against full names or a change
of script still leave a shared key: its identifiers; title words in any order with one of the first
four left out, with the year; the first author's surname with the year; and the same title and author
keys through the transliteration key for Arabic records. The clusters of a set of records closed under
shared keys do not depend on any record outside it: that is what lets the catalog re-cluster only the
neighbourhood of the records an import changed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from khizana.core.textnorm import normalise
from khizana.core.translit import arabic_edition_number, has_arabic, skeleton

from .records import BibFields

STRONG_SCHEMES = ("isbn", "issn", "lccn", "oclc", "nbn")
# Identifiers that name one record in one catalogue: two different values mean two descriptions.
_EXCLUSIVE_SCHEMES = ("lccn",)  # OCLC has duplicate records of one edition: not exclusive
FUZZY_THRESHOLD = 90.0
REVIEW_FLOOR = 80.0  # fuzzy scores from here to the threshold go to staff review
YEAR_TOLERANCE = 1  # years further apart than this conflict (printing vs copyright, Hijri conversions)
# Below this title similarity a shared identifier is not trusted (set ISBNs, keying errors); an ISSN
# names one serial title, so its guard is strict ("Hikobia" and "Hikobia. Supplement").
STRONG_TITLE_GUARD = {"issn": 90.0}
DEFAULT_TITLE_GUARD = 50.0
FUZZY_TITLE_MINIMUM = 90.0
# A title this close is enough when author and publisher agree fully (a typo in a short title).
MAX_KEYING_ERRORS = 2  # letters substituted, dropped or added between two titles of one edition
MAX_BLOCK_FOR_FUZZY = 400  # larger blocks (very common titles) are compared to neighbours only
TITLE_KEY_WORDS = 4  # the first words of a title that make its blocking keys
_ARABIC_LANGUAGES = frozenset({"ara", "per", "urd", "ota", "fas"})

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
    # Main titles (without subtitle) of every title form, the first author's and the publisher's
    # forms in every script the record gives (880 fields): normalised.
    main_titles: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    surnames: list[str] = field(default_factory=list)  # the first author's forms before their comma
    publishers: list[str] = field(default_factory=list)
    # An Arabic book: its titles and first author also get keys through the transliteration key.
    arabic: bool = False
    # "scheme:value" of every strong identifier: one set intersection tells whether two records share one.
    strong_ids: frozenset[str] = field(default_factory=frozenset, compare=False, repr=False)
    # Normalised titles with their articles, compared letter by letter for keying errors.
    plain_title: str = field(default="", compare=False, repr=False)
    plain_main: str = field(default="", compare=False, repr=False)


_CONJUNCTIONS = frozenset({"and", "et", "und", "e", "y"})


def _title_form(text: str) -> str:
    """Normalised title without articles or conjunctions ("Pride & prejudice" = "Pride and prejudice")."""
    return " ".join(w for w in normalise(text, strip_articles=True).split() if w not in _CONJUNCTIONS)


def _main_part(title: str) -> str:
    """The title proper of a "title : subtitle" form (880 titles come joined that way)."""
    return title.split(" : ", 1)[0]


def _add(items: list[str], value: str) -> None:
    if value and value not in items:
        items.append(value)


def match_record(key: str, fields: BibFields) -> MatchRecord:
    titles: list[str] = []
    mains: list[str] = []
    _add(titles, _title_form(f"{fields.title} {fields.subtitle}"))
    _add(mains, _title_form(fields.title))
    for parallel in fields.parallel_titles:
        _add(titles, _title_form(parallel))
        _add(mains, _title_form(_main_part(parallel)))
    original = fields.original_script or {}
    authors: list[str] = []
    surnames: list[str] = []
    if fields.authors:
        for form in (fields.authors[0], *original.get("author", ())[:2]):
            _add(authors, normalise(form))
            _add(surnames, normalise(_surname(form)))
    publishers: list[str] = []
    for form in (fields.publisher, *original.get("publisher", ())[:2]):
        _add(publishers, normalise(form, strip_articles=True))
    edition = edition_number(fields.edition)
    if not edition:
        edition = next((edition_number(e) for e in original.get("edition", ()) if e.strip()), "")
    identifiers = {
        scheme: frozenset(values)
        for scheme, values in fields.identifiers.items()
        if scheme in STRONG_SCHEMES and values
    }
    return MatchRecord(
        key=key,
        titles=titles,
        main_title=_title_form(fields.title),
        has_subtitle=bool(fields.subtitle.strip()),
        author=authors[0] if fields.authors else "",
        year=fields.year,
        publisher=normalise(fields.publisher, strip_articles=True),
        edition=edition,
        volume=_volume_number(fields.title),
        material_type=str(fields.material_type),
        identifiers=identifiers,
        main_titles=mains,
        authors=authors,
        surnames=surnames,
        publishers=publishers,
        arabic=bool(_ARABIC_LANGUAGES.intersection(fields.languages))
        or any(has_arabic(t) for t in titles[:3]),
        strong_ids=frozenset(
            f"{scheme}:{value}" for scheme, values in identifiers.items() for value in values
        ),
        plain_title=normalise(f"{fields.title} {fields.subtitle}"),
        plain_main=normalise(fields.title),
    )


def edition_number(statement: str) -> str:
    """ "2nd ed." -> "2", "الطبعة الثانية" / "al-Ṭabʻah al-thāniyah" -> "2", "Nouvelle éd. revue" ->
    "nouvelle ed revue", "" -> ""."""
    text = normalise(statement)
    if not text:
        return ""
    arabic = arabic_edition_number(statement)
    if arabic:
        return arabic
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
        r"\b(?:vol|volume|v|tome|t|band|bd|teil|tl|part|pt|partie|livre|book|no|n|numero|juz|mujallad|جزء|مجلد|ج)\s*(\d+)\b",
        text,
    )
    return match.group(1) if match else ""


# --------------------------------------------------------------------------- blocking keys


_NOT_KEY_WORDS = frozenset({"al", "el"})  # the romanised Arabic article, written apart by normalising


def _word_keys(words: list[str], prefix: str, year: str) -> set[str]:
    """Keys from the first title words in any order, each leaving one of them out, so that one
    mistyped word among them still leaves a key the other record shares."""
    words = [w for w in words if len(w) > 1 and w not in _NOT_KEY_WORDS]
    first = sorted(set(words[:TITLE_KEY_WORDS]))
    if len(first) <= 2:
        subsets = [[w] for w in first] if len(first) == 2 else [first]
    else:
        subsets = [[w for w in first if w != left_out] for left_out in first]
    return {f"{prefix}:{' '.join(subset)}|{year}"[:255] for subset in subsets if subset}


def _surname(name: str) -> str:
    """The part of a heading before its first comma ("Ibn Khaldūn, ʻAbd al-Raḥmān" -> "Ibn Khaldūn")."""
    return name.replace("،", ",").split(",", 1)[0].strip()


def block_keys(record: MatchRecord) -> set[str]:
    """Keys under which a record is compared with others; stored so neighbourhoods can be found."""
    keys = {f"{scheme}:{value}" for scheme, values in record.identifiers.items() for value in values}
    year = str(record.year or "")
    for title in record.main_titles[:3]:
        keys |= _word_keys(title.split(), "t", year)
    if record.surnames and record.surnames[0]:
        keys.add(f"a:{record.surnames[0]}|{year}"[:255])
    if record.arabic:
        for title in record.main_titles[:3]:
            keys |= _word_keys(skeleton(title).split(), "ts", year)
        for surname in record.surnames[:3]:
            if skeleton(surname):
                keys.add(f"as:{skeleton(surname)}|{year}"[:255])
    return keys


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class Edge:
    a: str
    b: str
    rule: str
    score: float  # 0..1


@dataclass(frozen=True)
class Review:
    """A pair the rules leave to staff: ``kind`` "near" (just under the threshold) or "conflict".

    ``reasons`` are "name=value|value" codes ("title=88", "shared=lccn|08012345", "years=1907|1918"),
    put into words in the reader's language where they are shown.
    """

    a: str
    b: str
    kind: str
    score: float  # 0..1
    reasons: tuple[str, ...]


@dataclass
class Clustering:
    clusters: list[list[str]]  # record keys, each cluster sorted, clusters sorted by first key
    edges: list[Edge]  # the links that joined each cluster (a spanning forest)
    refused: list[Edge]  # links a manual split overruled
    review: list[Review] = field(default_factory=list)  # pairs left apart that staff should look at


def _similarity(x: str, y: str, scorer) -> float:
    """``scorer`` on two normalised forms; forms in different scripts through the transliteration key."""
    if has_arabic(x) == has_arabic(y):
        return scorer(x, y)
    return scorer(skeleton(x), skeleton(y))


def title_similarity(a: MatchRecord, b: MatchRecord) -> float:
    """Best token-sorted similarity of the titles in any script; a subtitle only one side gives is ignored.

    Word-subset scores are not used: "Hikobia" and "Hikobia. Supplement" are two serials.
    """
    best = 0.0
    if not a.has_subtitle or not b.has_subtitle:
        for ta in a.main_titles or ([a.main_title] if a.main_title else []):
            for tb in b.main_titles or ([b.main_title] if b.main_title else []):
                best = max(best, _similarity(ta, tb, fuzz.token_sort_ratio))
                if best >= 100:
                    return 100.0
    for ta in a.titles:
        for tb in b.titles:
            if best >= 100:
                return 100.0
            best = max(best, _similarity(ta, tb, fuzz.token_sort_ratio))
    return best


def _name_similarity(x: str, y: str) -> float:
    """Two headings in one script: a subset (initials, a fuller form) scores high."""
    return max(fuzz.token_set_ratio(x, y), fuzz.partial_ratio(x, y))


def _name_key(name: str) -> str:
    """The transliteration key of a heading without its dates."""
    return " ".join(w for w in skeleton(name).split() if not w.isdigit())


def _cross_script_names(ours: list[str], theirs: list[str]) -> float:
    """Headings in two scripts: whole keys compared word for word (a shared "Muḥammad" is not enough)."""
    best = 0.0
    for x in ours:
        for y in theirs:
            if has_arabic(x) != has_arabic(y):
                best = max(best, fuzz.token_sort_ratio(_name_key(x), _name_key(y)))
    return best


def _same_script_names(ours: list[str], theirs: list[str]) -> float:
    return max(
        (_name_similarity(x, y) for x in ours for y in theirs if has_arabic(x) == has_arabic(y)),
        default=0.0,
    )


def _best(ours: list[str], theirs: list[str], scorer) -> float:
    return max((_similarity(x, y, scorer) for x in ours for y in theirs), default=0.0)


def author_similarity(a: MatchRecord, b: MatchRecord) -> float:
    """The first authors in any script; across scripts, the surnames too (a heading with and without
    its forenames)."""
    ours, theirs = a.authors or [a.author], b.authors or [b.author]
    best = _same_script_names(ours, theirs)
    if best < 100:
        best = max(best, _cross_script_names(ours, theirs), _cross_script_names(a.surnames, b.surnames))
    return best


def publisher_similarity(a: MatchRecord, b: MatchRecord) -> float:
    ours, theirs = a.publishers or [a.publisher], b.publishers or [b.publisher]
    return max(_same_script_names(ours, theirs), _cross_script_names(ours, theirs))


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


def _imprint_conflict(a: MatchRecord, b: MatchRecord) -> str:
    """Why two records sharing an identifier are still two editions ("" when nothing conflicts)."""
    if a.year is not None and b.year is not None and abs(a.year - b.year) > YEAR_TOLERANCE:
        return f"years={a.year}|{b.year}"
    if a.edition and b.edition and a.edition != b.edition:
        return f"editions={a.edition}|{b.edition}"
    return ""


def _same_imprint(a: MatchRecord, b: MatchRecord) -> bool:
    """Same year and same author or publisher: a shared identifier then holds even if titles differ
    (a title in another script, or mangled by a bad character set)."""
    if a.year is None or a.year != b.year:
        return False
    if a.author and b.author and _best(a.authors, b.authors, fuzz.token_set_ratio) >= 90:
        return True
    return bool(a.publisher and b.publisher and _best(a.publishers, b.publishers, fuzz.token_set_ratio) >= 90)


def _identifier_link(a: MatchRecord, b: MatchRecord) -> Edge | Review | None:
    """The strong link two records' shared identifier makes, the conflict it meets, or None."""
    if not a.strong_ids & b.strong_ids:
        return None
    for scheme in STRONG_SCHEMES:
        shared = a.identifiers.get(scheme, frozenset()) & b.identifiers.get(scheme, frozenset())
        if not shared:
            continue
        guard = STRONG_TITLE_GUARD.get(scheme, DEFAULT_TITLE_GUARD)
        if a.titles and b.titles and title_similarity(a, b) < guard and not _same_imprint(a, b):
            return None
        if a.volume != b.volume or (scheme != "isbn" and _conflicting_identifiers(a, b)):
            return None
        # An ISSN names a serial's whole run: its records may give any year of it.
        conflict = "" if scheme == "issn" else _imprint_conflict(a, b)
        if conflict:
            value = min(shared)
            reasons = (f"shared={scheme}|{value}", conflict)
            return Review(*sorted((a.key, b.key)), kind="conflict", score=1.0, reasons=reasons)
        return Edge(*sorted((a.key, b.key)), rule=scheme, score=1.0)
    return None


def strong_link(a: MatchRecord, b: MatchRecord) -> Edge | None:
    link = _identifier_link(a, b)
    return link if isinstance(link, Edge) else None


# Material types one edition may be given by two catalogues: a thesis is a book to a library that
# does not code it as a thesis.
_MATERIAL_CLASS = {"thesis": "book"}


def _same_material(a: MatchRecord, b: MatchRecord) -> bool:
    return _MATERIAL_CLASS.get(a.material_type, a.material_type) == _MATERIAL_CLASS.get(
        b.material_type, b.material_type
    )


def _numbers(title: str) -> list[str]:
    return _NUMBER.findall(title)


def _keying_error(a: MatchRecord, b: MatchRecord) -> float:
    """Letter-by-letter similarity of two titles as written (articles kept) that differ by a keying
    error or two ("Lr budget", "tudes sur la poésie"), else 0: not when their numbers differ ("Lettres
    de 1792" / "de 1812"), nor when one has words the other lacks ("… Philosophie" / "… Philosophie I")."""
    if a.has_subtitle == b.has_subtitle:
        x, y = a.plain_title, b.plain_title
    else:
        x, y = a.plain_main, b.plain_main
    if not x or not y or has_arabic(x) != has_arabic(y) or _numbers(x) != _numbers(y):
        return 0.0
    if Levenshtein.distance(x, y, score_cutoff=MAX_KEYING_ERRORS) > MAX_KEYING_ERRORS:
        return 0.0
    return fuzz.ratio(x, y)


def _fuzzy(
    a: MatchRecord, b: MatchRecord, title_minimum: float
) -> tuple[float, float, bool, tuple[str, ...]] | None:
    """Weighted similarity 0..100, title similarity, whether author and publisher agree fully, and the
    parts; None when a hard rule keeps the records apart."""
    if a.year != b.year or not _same_material(a, b) or not a.titles or not b.titles:
        return None
    if _conflicting_identifiers(a, b) or _editions_conflict(a, b):
        return None
    title = title_similarity(a, b)
    keying = _keying_error(a, b) if title < FUZZY_TITLE_MINIMUM else 0.0
    title = max(title, keying)
    if title < title_minimum:
        return None
    if a.author and b.author:
        author = author_similarity(a, b)
        if author < 80:
            return None
    elif a.author or b.author:
        author = 70.0  # one record names no author: weaker evidence
    else:
        author = 100.0
    publisher = publisher_similarity(a, b) if a.publisher and b.publisher else 85.0
    score = 0.6 * title + 0.25 * author + 0.15 * publisher
    # A keying error in the title is enough when author and publisher agree fully.
    both_named = bool(a.author and b.author and a.publisher and b.publisher)
    corroborated = keying > 0 and both_named and author >= 95 and publisher >= 90
    reasons = (f"title={title:.0f}", f"author={author:.0f}", f"publisher={publisher:.0f}")
    if a.year is not None:
        reasons += (f"year={a.year}",)

    return score, title, corroborated, reasons


def fuzzy_score(a: MatchRecord, b: MatchRecord) -> float | None:
    """Weighted similarity 0..100 of two records, or None when a hard rule keeps them apart."""
    scored = _fuzzy(a, b, FUZZY_TITLE_MINIMUM)
    return None if scored is None else scored[0]


def _sort_key(record: MatchRecord) -> tuple[str, str]:
    return (record.titles[0] if record.titles else "", record.key)


def _candidate_pairs(records: dict[str, MatchRecord]) -> Iterable[tuple[str, str]]:
    """Every pair of records sharing a block, once, the first key first."""
    blocks: dict[str, list[str]] = defaultdict(list)
    for key in sorted(records):
        for block in block_keys(records[key]):
            blocks[block].append(key)
    partners: dict[str, set[str]] = defaultdict(set)  # key -> later keys it is compared with
    for members in blocks.values():
        if len(members) < 2:
            continue
        if len(members) <= MAX_BLOCK_FOR_FUZZY:
            for index, key in enumerate(members[:-1]):
                partners[key].update(members[index + 1 :])
        else:  # sorted neighbourhood: each record against the next few of the block, in title order
            ordered = sorted(members, key=lambda k: _sort_key(records[k]))
            for i in range(len(ordered)):
                for j in range(i + 1, min(i + 6, len(ordered))):
                    first, second = sorted((ordered[i], ordered[j]))
                    partners[first].add(second)
    for key in sorted(partners):
        for other in sorted(partners[key]):
            yield key, other


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
    manual_same, manual_different = list(manual_same), list(manual_different)
    manual_pairs = [*manual_same, *manual_different]
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
    review: list[Review] = []
    for ka, kb in _candidate_pairs(by_key):
        a, b = by_key[ka], by_key[kb]
        if not a.strong_ids & b.strong_ids and (
            a.year != b.year or a.volume != b.volume or (a.edition and b.edition and a.edition != b.edition)
        ):
            continue  # the common case, decided here: without a shared identifier these never link
        found = _identifier_link(a, b)
        if isinstance(found, Edge):
            strong.append(found)
            continue
        if found is not None:
            review.append(found)
            continue
        scored = _fuzzy(a, b, REVIEW_FLOOR)
        if scored is None or scored[0] < REVIEW_FLOOR:
            continue
        score, title, corroborated, reasons = scored
        if score >= FUZZY_THRESHOLD and (title >= FUZZY_TITLE_MINIMUM or corroborated):
            fuzzy.append(Edge(ka, kb, rule="fuzzy", score=round(score / 100, 4)))
        else:
            review.append(Review(ka, kb, kind="near", score=round(score / 100, 4), reasons=reasons))
    for edge in sorted(strong, key=lambda e: (STRONG_SCHEMES.index(e.rule), e.a, e.b)):
        link(edge)
    for edge in sorted(fuzzy, key=lambda e: (-e.score, e.a, e.b)):
        link(edge)

    groups: dict[str, list[str]] = defaultdict(list)
    for key in by_key:
        groups[components.find(key)].append(key)
    clusters = sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])
    decided = {frozenset(pair) for pair in manual_pairs}
    # One pair per two clusters left apart: the conflict first, then the best score.
    best: dict[tuple[str, str], Review] = {}
    for item in sorted(review, key=lambda r: (r.kind != "conflict", -r.score, r.a, r.b)):
        roots = tuple(sorted((components.find(item.a), components.find(item.b))))
        if roots[0] == roots[1] or frozenset((item.a, item.b)) in decided:
            continue
        if components.cannot[roots[0]] & components.members[roots[1]]:
            continue  # staff already said these two works are different
        best.setdefault(roots, item)
    open_review = sorted(best.values(), key=lambda r: (r.a, r.b))
    return Clustering(clusters=clusters, edges=edges, refused=refused, review=open_review)
