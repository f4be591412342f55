"""Affiliation string -> registry institutions (no Django import).

``Matcher(institutions)`` compiles an index of every name variant of the institutions (display name,
labels in every language, aliases; acronyms apart) and ``Matcher.match(text)`` returns the
institutions an affiliation string names, each with a score and the reason.

How a string is matched:

1. it is cut into segments at commas, semicolons, parentheses and line breaks; each segment and each
   pair of neighbouring segments ("University of California, Davis") is a *span*, normalised by
   ``normalise.name_tokens`` (abbreviations expanded, transliterations folded, numerals as digits);
2. the string's countries come from segments that are country names (English, French, Arabic), or else
   from a segment that is a city the registry places in one country; its words give the cities;
3. each span looks up variants with exactly its words, and variants sharing its rarest words (inverted
   index); a variant scores by the share of its own words found in the span (IDF-weighted: "Hamburg"
   counts more than "University") and the share of the span's words it explains (its own city's
   words aside); words in another order cost 15% ("University of Washington" is not "Washington
   University");
4. country and city agreement raise the score (the city must be named outside the words that
   matched: "York University" says nothing of York), a country that disagrees lowers it a lot; a
   generic name (borne by several institutions, or without a place or a rare word: "Institute of
   Pathology") needs the country or the city to agree; an acronym alone ("CNRS", "UCA") only counts
   when exactly one institution bearing it agrees with the string's country or city (or with the
   country of an institution matched by its full name);
5. spans are taken best first without overlap; a span whose two best institutions score alike
   (and are not parent and child) is left out: no match is better than a wrong one;
6. within a span the most specific institution wins a tie; when an institution and one of its
   ancestors are named in different segments, the ancestor is kept (``prefer_specific=False``, what
   the labelled sets mostly do) or the descendant (``prefer_specific=True``); the best-scored of the
   institutions left is the main one, first in the list.
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from khizana.visibility.abbreviations import HONORIFICS
from khizana.visibility.normalise import (
    _canonical,
    acronym_key,
    country_keys,
    country_of_segment,
    key,
    name_segments,
    name_tokens,
)
from khizana.visibility.registry_data import (
    STATUS_REFERENCED,
    RegistryInstitution,
    load_registry,
    with_reciprocal_links,
)
from khizana.visibility.rerank import rerank

MATCHER_VERSION = 24
DEFAULT_THRESHOLD = 0.90  # precision first: F1 peaks at 0.82 on the calibration half, 0.013 higher than here
ACRONYM_SCORE = 0.86
ACRONYM_BONUS = 0.06  # a curated country's acronym with its city or parent named (_acronym_matches)
UNIQUE_ACRONYM_LENGTH = 5  # ... or this long, borne by one institution, with its country named
AMBIGUITY_MARGIN = 0.03
COUNTRY_BONUS = 0.06
CITY_BONUS = 0.05
COUNTRY_PENALTY = 0.35
INACTIVE_PENALTY = 0.08
UNPLACED_PENALTY = 0.05  # a partial name (base < 1) with neither its country nor its city in the string
MIN_NAME_SHARE = 0.85  # share (IDF-weighted) of a variant's words that must be found in the span
NAME_POWER = 2  # base = name share ** NAME_POWER * (SPAN_FLOOR + (1 - SPAN_FLOOR) * span share)
SPAN_FLOOR = 0.5
OUTSIDE_WEIGHT = 0.5  # weight of the span's unmatched words before or after the matched ones
MIN_BASE = 0.75  # below this the words alone are too weak, whatever the place says
# the share of a variant's weight a span must hold for the variant to reach MIN_BASE and MIN_NAME_SHARE
KEPT_SHARE = max(MIN_NAME_SHARE, math.sqrt(MIN_BASE))
PAIR_MIN_BASE = 0.97  # two segments read as one name ("University of California, Davis") must fit
PAIR_MAX_WORDS = 3
UNIT_SCORE = 0.96  # a unit named by its kind alone under its named university (_unit_matches)
JOINED_MIN_BASE = 0.85  # a unit read with the city of another segment (its university must be named)
# a variant is generic ("Institute of Pathology") when several institutions bear it or when none of its
# words is a place or is in PROPER_DF variants or fewer; it needs the string's country or city to agree
PROPER_DF = 80
ORDER_FACTOR = 0.85  # a variant whose words come in another order in the span, when order tells apart
# two institutions (another bears the same words in another order: University of / Washington University)
LOOSE_ORDER_FACTOR = 0.97  # ... when no other institution bears those words ("Mohammed VI Polytechnic
# University" for "Université Mohammed VI Polytechnique")
UNKNOWN_IDF = 12.0
HONORIFIC_WEIGHT = 0.15  # the share of its IDF an honorific keeps: "Sidi", "Moulay" may be left out
# words that change the kind of institution a span names: "CHU Hassan II" is a hospital, not the
# university; a variant without one of them cannot be found in a span that has it
KIND_GUARD = frozenset(("hospital", "clinic", "chu"))
# kinds of units a segment names without its place ("Faculty of Sciences, ..., Rabat"): such a segment is
# also read with the city named in another segment of the string
UNIT_WORDS = frozenset(
    ("faculty", "school", "institute", "laboratory", "center", "college", "university", "hospital")
)
UNIT_MAX_WORDS = 6
# an acronym among other words: capitals (and digits), perhaps a final small letter ("ENISo")
EMBEDDED_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{2,}[a-z]?\b")
# what a faculty or a school teaches: a word of a unit's name that is none of these, nor a kind of unit,
# is a place ("Faculté des Sciences Semlalia", "... Dhar El Mahraz"; not "... Exactes", "... et Techniques")
SUBJECT_PHRASES = (
    "sciences exactes exact natural nature vie life technology techniques engineering medicine pharmacy "
    "dental dentistry law legal juridiques economics economiques sociales social management gestion "
    "commerce letters lettres humanities humaines human arts languages langues education agriculture "
    "agronomy veterinary computing informatique mathematics physics chemistry biology earth terre univers "
    "applied appliquees fundamental fondamentales political politiques islamic sharia theology "
    "communication journalism architecture planning urbanism sport physical health sante nursing "
    "paramedical tourism hospitality finance accounting business electrical mechanical civil chemical "
    "industrial materials energy environment marine ocean geology psychology sociology history geography "
    "philosophy literature translation media music design polytechnic polydisciplinary multidisciplinary "
    "research studies advanced higher superior national regional international public private"
)
SUBJECT_WORDS = frozenset(name_tokens(SUBJECT_PHRASES))
# the first words of a department or a school named before its institution in one segment, whose other
# words then weigh UNIT_PREFIX_WEIGHT of their IDF (not OUTSIDE_WEIGHT)
UNIT_PREFIX_WORDS = frozenset(
    ("department", "dept", "division", "section", "unit", "laboratory", "lab", "school", "faculty", "program",
     "group", "service", "team", "chair", "clinic")
)  # fmt: skip
UNIT_PREFIX_WEIGHT = float(os.environ.get("UPW", "0.2"))
TYPO_MIN_LENGTH = 5  # shorter unknown words are not corrected ("Oran" is not "Oman")
TYPO_SUBSTITUTION_LENGTH = 6  # a changed letter (not a missing, extra or swapped one) needs longer words
# the countries whose registry is curated with its faculties, schools and laboratories (the national
# registry of issue 15): there the most specific institution a string names wins over its ancestor
SPECIFIC_COUNTRIES = frozenset(("MA", "DZ", "TN"))
EDUCATION_TYPES = frozenset(("education", "university", "faculty", "school"))
# the kinds of institution a string names before the university it belongs to (not a labelling body)
UNIT_TYPES = EDUCATION_TYPES | frozenset(("healthcare", "hospital", "facility", "institute", "laboratory"))
# --- issue 15: the learned re-ranker (rerank.py) decides the main institution when on. On by default:
# on the dev set's hold-out half (never trained on) main-institution F1 0.767 -> 0.771 (in registry 0.839
# -> 0.844; 130 strings set right, 80 set wrong), the Maghreb unchanged (there the rules decide), about
# a quarter slower (bench/train_reranker.py). Its threshold is calibrated on the candidates of the default
# threshold: a matcher given another threshold (a sweep, a loose one to show scores) keeps the rules.
USE_RERANKER = True


@dataclass(frozen=True)
class Match:
    """One institution an affiliation string names, with why."""

    institution_id: str
    name: str
    score: float
    reason: str
    matched_variant: str
    matched_words: tuple[str, ...]


@dataclass(frozen=True)
class _Candidate:
    institution: int
    variant: int  # -1 for an acronym
    base: float  # how well the words match, before country and city agreement
    score: float
    words: tuple[str, ...]
    how: str
    joined: bool = False  # found with the city of another segment ("Faculty of Sciences" + "Rabat")
    # its name's city left out of the span ("Mohammed VI University Hospital" for "CHU Mohammed VI
    # Oujda"): it counts only when the string names that city elsewhere
    city_elsewhere: bool = False


@dataclass(frozen=True)
class _Context:
    countries: frozenset[str]
    country_source: str
    words: frozenset[str]
    parts: tuple[tuple[str, ...], ...] = ()  # the words of each segment


class Matcher:
    """An index of institution names, built from ``RegistryInstitution`` objects."""

    def __init__(
        self,
        institutions: Iterable[RegistryInstitution],
        *,
        threshold: float = DEFAULT_THRESHOLD,
        prefer_specific: bool = False,
        specific_countries: Iterable[str] = SPECIFIC_COUNTRIES,
        rerank: bool | None = None,
    ):
        self.threshold = threshold
        # --- issue 15: the learned re-ranker (khizana/visibility/rerank.py) switch; None: USE_RERANKER at
        # the default threshold, read when matching (a cached matcher follows the module's default)
        self.rerank = rerank
        self.specific_countries = frozenset(specific_countries)
        # of an institution and its ancestor named in different segments, keep the ancestor (the
        # labelled sets mostly do: 0.905 against 0.885 precision on the dev set) or the descendant
        self.prefer_specific = prefer_specific
        self.institutions: list[RegistryInstitution] = [
            inst for inst in institutions if inst.status != "withdrawn"
        ]
        self._position = {inst.id: i for i, inst in enumerate(self.institutions)}
        self._variant_institution: list[int] = []
        self._variant_text: list[str] = []
        self._variant_words: list[frozenset[str]] = []
        self._variant_sequence: list[tuple[str, ...]] = []
        self._variant_weight: list[float] = []
        self._exact: dict[str, list[int]] = {}
        self._postings: dict[str, list[int]] = {}  # word -> variants, while building
        # word -> variants fetched by it, and pair of words -> variants (see _compute_weights)
        self._anchors: dict[str, list[int]] = {}
        self._pair_keys: dict[tuple[str, str], list[int]] = {}  # see _compute_weights
        self._acronyms: dict[str, list[int]] = {}
        self._idf: dict[str, float] = {}
        self._city_country: dict[str, str] = {}
        self._city_words: list[tuple[tuple[str, ...], ...]] = []
        self._ancestors: list[frozenset[int]] = []
        self._depth: list[int] = []
        self._variant_generic: list[bool] = []
        self._df: dict[str, int] = {}
        self._place_words: set[str] = set()
        self._city_keys: frozenset[str] = frozenset()
        self._city_tokens: list[frozenset[str]] = []
        self._city_sets: list[tuple[frozenset[str], ...]] = []
        self._acronym_tokens: list[frozenset[str]] = []
        self._free_tokens: list[frozenset[str]] = []
        self._variant_numbers: list[frozenset[str]] = []
        # the words (numbers aside) of the names that bear a number: "Batna" in "University of Batna 2"
        self._numbered: set[frozenset[str]] = set()
        self._order_matters: list[bool] = []
        self._typo_index: dict[str, tuple[str, ...]] = {}
        self._typo_targets: dict[str, tuple[str, ...]] = {}
        self._known_words: frozenset[str] = frozenset()
        # whether an institution's name is a university's (not a faculty, school, hospital ... of one)
        self._is_university: list[bool] = []
        self._children: list[list[int]] = []  # descendants, at any depth
        self._variants_of: list[list[int]] = []
        self._build()

    # --- building -------------------------------------------------------------------------------

    def _build(self) -> None:
        for position, inst in enumerate(self.institutions):
            seen: set[str] = set()
            self._acronym_tokens.append(frozenset(acronym_key(a) for a in inst.acronyms) - {""})
            own = set(name_tokens(inst.name))
            self._is_university.append("university" in own and own.isdisjoint(UNIT_WORDS - {"university"}))
            for kind, text in inst.all_names():
                if kind == "acronym":
                    self._acronyms.setdefault(acronym_key(text), []).append(position)
                    head = _acronym_head(text)
                    if head:  # "USTO-MB" is also "USTO", "ENSA Agadir" "ENSA" (the city tells which)
                        self._acronyms.setdefault(head, []).append(position)
                    continue
                variant_key = key(text)
                if not variant_key or variant_key in seen:
                    continue
                seen.add(variant_key)
                self._add_variant(position, text, variant_key)
            self._city_words.append(tuple(t for t in {name_tokens(c) for c in inst.cities} if t))
            self._city_tokens.append(frozenset(t for city in self._city_words[-1] for t in city))
            self._city_sets.append(tuple(frozenset(city) for city in self._city_words[-1]))
        self._compute_weights()
        self._compute_cities()
        self._compute_generic()
        self._compute_ancestors()
        self._compute_order()
        self._compute_typo_index()
        self._compute_children()
        # words of a span that cost nothing against an institution: its city's and its acronyms
        self._free_tokens = [c | a for c, a in zip(self._city_tokens, self._acronym_tokens, strict=True)]

    def _add_variant(self, position: int, text: str, variant_key: str) -> None:
        number = len(self._variant_text)
        self._variant_institution.append(position)
        self._variant_text.append(text)
        sequence = tuple(variant_key.split())
        tokens = frozenset(sequence)
        self._variant_sequence.append(sequence)
        self._variant_words.append(tokens)
        numbers = frozenset(t for t in tokens if t.isdigit())
        self._variant_numbers.append(numbers)
        if numbers:
            self._numbered.add(tokens - numbers)
        self._exact.setdefault(variant_key, []).append(number)
        for token in tokens:
            self._postings.setdefault(token, []).append(number)

    def _compute_weights(self) -> None:
        """IDF weights, and the keys a span fetches variants by.

        A variant can only be a candidate when the span holds at least ``KEPT_SHARE`` of its weight,
        so each of its words heavier than the rest allowed missing must be in the span: its *required*
        words. A variant with two or more is indexed by the pair of its two rarest ones, with one by
        that word, and a variant without any (many light words) by its rarest words, enough that a span
        without any of them cannot hold ``KEPT_SHARE`` of it. A span looks up each of its words and each
        pair of them: far fewer variants to score than with single words ("Paris" alone fetches
        hundreds)."""
        total = max(1, len(self._variant_text))
        idf = {t: math.log(1 + total / len(p)) for t, p in self._postings.items()}
        for token in HONORIFICS & idf.keys():
            idf[token] *= HONORIFIC_WEIGHT
        self._idf = idf
        self._variant_weight = [math.fsum(idf[t] for t in words) for words in self._variant_words]
        for variant, words in enumerate(self._variant_words):
            self._index_variant(variant, words)
            # also found by its other words when its city is named in another segment ("Mohammed VI
            # University Hospital, ..., Oujda" for "CHU Mohammed VI Oujda")
            # (in the curated countries, whose registry gives these names)
            position = self._variant_institution[variant]
            without_city = words - self._city_tokens[position]
            if without_city != words and len(without_city) >= 2 and self._is_specific(position):
                self._index_variant(variant, without_city)
        self._df = {t: len(p) for t, p in self._postings.items()}
        self._postings = {}

    def _index_variant(self, variant: int, words: frozenset[str]) -> None:
        idf = self._idf
        weight = math.fsum(idf[t] for t in words)
        allowed = (1 - KEPT_SHARE) * weight + 1e-9
        ranked = sorted(words, key=lambda t: (-idf[t], t))
        required = [t for t in ranked if idf[t] > allowed]
        if len(required) >= 2:
            self._pair_keys.setdefault(_pair(required[0], required[1]), []).append(variant)
        elif required:
            self._anchors.setdefault(required[0], []).append(variant)
        else:
            anchored = 0.0
            for token in ranked:
                self._anchors.setdefault(token, []).append(variant)
                anchored += idf[token]
                if anchored > allowed:
                    break

    def _compute_generic(self) -> None:
        """A variant is generic when several institutions bear it, or when none of its words is a
        place or a rare word (a proper name): "Institute for Neuroscience", "University of Agriculture"."""
        # a name shared with inactive institutions only ("University College London" is also the
        # former name of UCL Australia), or the display name of exactly one of its active bearers,
        # is that institution's own
        owner: dict[str, int | None] = {}
        for name, variants in self._exact.items():
            bearers = {self._variant_institution[v] for v in variants}
            active = [b for b in bearers if self.institutions[b].status == "active"] or list(bearers)
            if len(active) > 1:
                active = [b for b in active if key(self.institutions[b].name) == name]
            owner[name] = active[0] if len(active) == 1 else None
        self._variant_generic = [
            owner[" ".join(sequence)] != self._variant_institution[variant]
            or not any(t in self._place_words or self._df[t] <= PROPER_DF for t in sequence)
            or self._acronym_of_another(variant)
            for variant, sequence in enumerate(self._variant_sequence)
        ]

    def _acronym_of_another(self, variant: int) -> bool:
        """A one-word name that is another institution's acronym ("INRAE", a name of one of its labs)."""
        sequence = self._variant_sequence[variant]
        if len(sequence) != 1:
            return False
        bearers = self._acronyms.get(sequence[0], ())
        return any(b != self._variant_institution[variant] for b in bearers)

    def _compute_cities(self) -> None:
        counts: dict[str, Counter] = {}
        for inst, cities in zip(self.institutions, self._city_words, strict=True):
            for city in cities:
                counts.setdefault(" ".join(city), Counter())[inst.country_code] += 1
                self._place_words.update(city)
        self._place_words.update(t for name in country_keys() for t in name.split())
        for city, countries in counts.items():
            country, count = countries.most_common(1)[0]
            if country and count >= 3 and count >= 0.9 * sum(countries.values()):
                self._city_country[city] = country
        self._city_keys = frozenset(counts)

    def _compute_children(self) -> None:
        self._children = [[] for _ in self.institutions]
        self._variants_of = [[] for _ in self.institutions]
        for variant, position in enumerate(self._variant_institution):
            self._variants_of[position].append(variant)
        for position, ancestors in enumerate(self._ancestors):
            for ancestor in ancestors:
                self._children[ancestor].append(position)

    def _compute_ancestors(self) -> None:
        parents = [
            [self._position[p] for p in inst.parent_ids if p in self._position] for inst in self.institutions
        ]
        ancestors: list[frozenset[int]] = []
        for position in range(len(self.institutions)):
            found: set[int] = set()
            todo = list(parents[position])
            while todo and len(found) < 50:
                parent = todo.pop()
                if parent not in found and parent != position:
                    found.add(parent)
                    todo.extend(parents[parent])
            ancestors.append(frozenset(found))
        self._ancestors = ancestors
        self._depth = [len(a) for a in ancestors]

    def _compute_order(self) -> None:
        """Whether word order tells a variant from another institution's name: one that holds all its
        words, in another order ("University of Washington" and "Washington University in St. Louis")."""
        postings: dict[str, set[int]] = {}
        for variant, words in enumerate(self._variant_words):
            for word in words:
                postings.setdefault(word, set()).add(variant)
        self._order_matters = []
        for variant, sequence in enumerate(self._variant_sequence):
            words = self._variant_words[variant]
            mine = self._variant_institution[variant]
            matters = False
            if len(words) > 1:
                # the variants that hold all its words
                holders = set.intersection(*sorted((postings[t] for t in words), key=len))
                for other in holders:
                    if self._variant_institution[other] != mine and not _same_order(
                        self._variant_sequence[other], sequence, words
                    ):
                        matters = True
                        break
            self._order_matters.append(matters)

    def _compute_typo_index(self) -> None:
        """Every one-letter deletion of the known words (and of the spellings ``normalise`` folds),
        to the canonical word: an unknown word of a span is corrected when it is one edit away from
        exactly one of them ("Tuins" -> Tunis, "Zohor" -> Zohr)."""
        vocabulary: dict[str, set[str]] = {}
        for word in self._idf:
            if word.isalpha() and word.isascii() and len(word) >= TYPO_MIN_LENGTH - 1:
                vocabulary.setdefault(word, set()).add(word)
        for spelling, canonical in _canonical().items():
            if spelling.isalpha() and spelling.isascii() and len(spelling) >= TYPO_MIN_LENGTH - 1:
                vocabulary.setdefault(spelling, set()).add(canonical)
        index: dict[str, set[str]] = {}
        for word in vocabulary:
            for form in (word, *_deletions(word)):
                index.setdefault(form, set()).update((word,))
        self._typo_index = {form: tuple(sorted(words)) for form, words in index.items()}
        # words never corrected: those of the index, and of the country names ("Saudi" is not "Saud")
        self._known_words = frozenset(self._idf) | {t for name in country_keys() for t in name.split()}
        self._typo_targets = {word: tuple(sorted(targets)) for word, targets in vocabulary.items()}

    def with_institutions(self, extra: Iterable[RegistryInstitution]) -> Matcher:
        """A new matcher that also knows ``extra`` (local institutions; same id replaces)."""
        extra = list(extra)
        replaced = {inst.id for inst in extra}
        kept = [inst for inst in self.institutions if inst.id not in replaced]
        return Matcher(
            [*kept, *extra],
            threshold=self.threshold,
            prefer_specific=self.prefer_specific,
            specific_countries=self.specific_countries,
        )

    # --- persistence ----------------------------------------------------------------------------

    def save(self, path: Path | str) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(path.suffix + f".{os.getpid()}.tmp")
        with temporary.open("wb") as handle:
            pickle.dump((MATCHER_VERSION, self.__dict__), handle, protocol=pickle.HIGHEST_PROTOCOL)
        temporary.replace(path)

    @classmethod
    def load(cls, path: Path | str) -> Matcher:
        with Path(path).open("rb") as handle:
            version, state = pickle.load(handle)
        if version != MATCHER_VERSION:
            raise ValueError(f"{path}: matcher cache of version {version}, expected {MATCHER_VERSION}")
        matcher = cls.__new__(cls)
        matcher.__dict__.update(state)
        return matcher

    # --- matching -------------------------------------------------------------------------------

    def match(self, text: str, *, main_only: bool = False) -> list[Match]:
        """The institutions ``text`` names, the main one first (empty when none is sure enough).

        Several come back when several segments name unrelated institutions (a joint lab: "Univ.
        Grenoble Alpes, CNRS, LPNC"); ``main_only`` keeps the first one only."""
        if not isinstance(text, str):
            raise TypeError(f"an affiliation is a string, not {type(text).__name__}")
        switch = getattr(self, "rerank", None)  # issue 15: the re-ranker switch
        if switch or (switch is None and USE_RERANKER and self.threshold == DEFAULT_THRESHOLD):
            return self._reranked(text, main_only)
        selected = self._select(self._chosen(text))
        return self._to_matches(selected[:1] if main_only else selected)

    def _reranked(self, text: str, main_only: bool) -> list[Match]:
        """Issue 15: the re-ranker's most probable candidate (over its calibrated threshold) is the main
        institution, the other institutions the rules return follow it; where it agrees with the rules
        the answer is the rules' own, and where it changes the main one the reason says so."""
        selected = self._select(self._chosen(text))
        chosen = rerank(self, text)
        if chosen is None:
            return []
        best, probability = chosen
        if not (selected and selected[0].institution == best.position):
            main = _Candidate(best.position, best.variant, best.score, best.score, best.words,
                              f"{best.how}, re-ranked (p={probability:.2f})")  # fmt: skip
            selected = [main, *(c for c in selected if c.institution != best.position)]
        return self._to_matches(selected[:1] if main_only else selected)

    def _chosen(self, text: str) -> list[tuple[tuple[int, ...], _Candidate]]:
        parts = [(segment, self._tokens(segment)) for segment in name_segments(text)]
        parts = [(segment, tokens) for segment, tokens in parts if tokens]
        if not parts:
            return []
        context = self._context(parts)
        chosen = self._choose(self._spans(parts, context))
        acronym_context = context
        if not context.countries and chosen:
            found = frozenset(self.institutions[c.institution].country_code for _, c in chosen) - {""}
            acronym_context = _Context(found, "matched institutions", context.words)
        used = {i for span, _ in chosen for i in span}
        named = {c.institution for _, c in chosen}
        chosen += self._acronym_matches(parts, used, acronym_context, named)
        used = {i for span, _ in chosen for i in span}
        chosen += self._embedded_acronyms(parts, used, acronym_context, named)
        return chosen + self._unit_matches(parts, {i for span, _ in chosen for i in span}, chosen)

    def _unit_matches(self, parts, used: set[int], chosen) -> list[tuple[tuple[int, ...], _Candidate]]:
        """A unit named by its kind alone in a segment ("Faculty of Sciences", "School of Technology")
        beside a university of a curated country named in another segment: the one child of that
        university whose name is those words and its city ("Faculté des Sciences de Kénitra" for
        "Faculty of Science, Ibn Tofail University")."""
        parents = [c.institution for _, c in chosen if self._is_specific(c.institution)]
        if not parents:
            return []
        # the words that named the university ("Faculté de Technologie, Université M'Hamed Bougara")
        named_words = frozenset(word for _, c in chosen if c.institution in parents for word in c.words)
        out = []
        for i, (_, tokens) in enumerate(parts):
            words = frozenset(tokens)
            if i in used or UNIT_WORDS.isdisjoint(words) or len(tokens) > UNIT_MAX_WORDS:
                continue
            fitting = {
                (child, variant)
                for parent in parents
                for child in self._children[parent]
                for variant in self._variants_of[child]
                if words <= self._variant_words[variant]
                and self._variant_words[variant] - words <= self._city_tokens[child] | MODIFIERS
            }
            children = {child for child, _ in fitting}
            if not children:
                # its name may add a place that is not its city ("Faculté des Sciences Semlalia",
                # "... Dhar El Mahraz"), never a subject ("... et Techniques") or another kind of unit
                fitting = {
                    (child, variant)
                    for parent in parents
                    for child in self._children[parent]
                    for variant in self._variants_of[child]
                    if words <= self._variant_words[variant]
                    and all(word.isascii() for word in self._variant_words[variant])  # Latin script only
                    and (
                        self._variant_words[variant] - words - self._city_tokens[child] - named_words
                    ).isdisjoint(SUBJECT_WORDS | UNIT_WORDS)
                }
                children = {child for child, _ in fitting}
            if len(children) == 1:
                child, variant = min(fitting)
                parent = self.institutions[self._parent_named(child, parents)]
                how = f"unit named by its kind under {parent.name}"
                out.append(((i,), _Candidate(child, variant, UNIT_SCORE, UNIT_SCORE, tokens, how, True)))
        return out

    def _parent_named(self, child: int, parents: list[int]) -> int:
        return next(p for p in parents if child in self._children[p])

    @lru_cache(maxsize=1 << 16)  # noqa: B019 - one matcher lives as long as the process
    def _tokens(self, segment: str) -> tuple[str, ...]:
        """The canonical words of a segment, an unknown word one edit away from exactly one known
        word corrected to it (numbers and short words never)."""
        tokens = name_tokens(segment)
        known = self._known_words
        if all(t in known for t in tokens):
            return tokens
        return tuple(self._corrected(t) if t not in known else t for t in tokens)

    def _corrected(self, word: str) -> str:
        if len(word) < TYPO_MIN_LENGTH or not word.isalpha() or not word.isascii():
            return word
        found: set[str] = set()
        index = self._typo_index
        for form in (word, *_deletions(word)):
            for known in index.get(form, ()):
                if known != word and _one_edit(word, known):
                    found.update(self._typo_targets[known])
        found &= self._idf.keys()
        if len(found) > 1:  # a typo seldom changes the first or the last letter: "Zohor" is Zohr, not Zoho
            found = {t for t in found if any(k[0] == word[0] and k[-1] == word[-1] for k in
                                             self._typo_spellings(t, word))}  # fmt: skip
        return found.pop() if len(found) == 1 else word

    def _typo_spellings(self, target: str, word: str) -> list[str]:
        """The known spellings one edit away from ``word`` that fold to ``target``."""
        index = self._typo_index
        return [known for form in (word, *_deletions(word)) for known in index.get(form, ())
                if target in self._typo_targets[known] and _one_edit(word, known)]  # fmt: skip

    def _context(self, parts: list[tuple[str, tuple[str, ...]]]) -> _Context:
        countries = {code for code in (country_of_segment(segment) for segment, _ in parts) if code}
        if not countries:
            countries = {self._trailing_country(*parts[-1])} - {""}
        all_words = frozenset(t for _, tokens in parts for t in tokens)
        words_of_parts = tuple(tokens for _, tokens in parts)
        if countries:
            return _Context(frozenset(countries), "country named", all_words, words_of_parts)
        for _, tokens in reversed(parts):
            code = self._city_country.get(" ".join(tokens))
            if code:
                return _Context(frozenset({code}), "city named", all_words, words_of_parts)
        return _Context(frozenset(), "", all_words, words_of_parts)

    def _trailing_country(self, segment: str, tokens: tuple[str, ...]) -> str:
        """The country ending the last segment ("Rabat Morocco", "Nagoya 464-8601 Japan"), when what
        comes before it is a place or a postal code ("University of New Mexico" is not in Mexico)."""
        for size in (1, 2, 3):
            if len(tokens) > size:
                code = country_of_segment(" ".join(tokens[-size:]))
                before = " ".join(tokens[:-size])
                if code and (before in self._city_keys or any(c.isdigit() for c in segment)):
                    return code
        return ""

    def _spans(self, parts, context: _Context) -> list[tuple[tuple[int, ...], list[_Candidate]]]:
        spans = []
        cities = [j for j, (_, tokens) in enumerate(parts) if " ".join(tokens) in self._city_keys]
        for i, (segment, tokens) in enumerate(parts):
            if country_of_segment(segment) or " ".join(tokens) in self._city_country:
                continue
            alone = self._adjusted(self._candidates(tokens), context, (i,), 0.0)
            spans.append(((i,), alone))
            if i + 1 < len(parts) and len(parts[i + 1][1]) <= PAIR_MAX_WORDS:
                joined = tokens + parts[i + 1][1]
                candidates = self._candidates(joined)
                spans.append(((i, i + 1), self._adjusted(candidates, context, (i, i + 1), PAIR_MIN_BASE)))
            confident = alone and alone[0].score >= self.threshold
            unit = len(tokens) <= UNIT_MAX_WORDS and not UNIT_WORDS.isdisjoint(tokens)
            if cities and unit and not confident:
                # "Faculty of Sciences, Mohammed V University, Rabat": the faculty of Rabat
                for j in cities:
                    if j != i + 1 and j != i and set(parts[j][1]).isdisjoint(tokens):
                        found = self._candidates(tokens + parts[j][1])
                        candidates = tuple(replace(c, joined=True) for c in found)
                        span = (i, j) if i < j else (j, i)
                        # the city segment stays free for the university named beside it
                        spans.append(((i,), self._adjusted(candidates, context, span, JOINED_MIN_BASE)))
        return spans

    @lru_cache(maxsize=1 << 15)  # noqa: B019 - one matcher lives as long as the process
    def _candidates(self, tokens: tuple[str, ...]) -> tuple[_Candidate, ...]:
        span_words = frozenset(tokens)
        idf = self._idf
        span_weight = math.fsum(idf.get(t, UNKNOWN_IDF) for t in span_words)
        found: dict[int, _Candidate] = {}
        elsewhere: dict[int, _Candidate] = {}
        for variant in self._exact.get(" ".join(tokens), ()):
            institution = self._variant_institution[variant]
            found[institution] = _Candidate(institution, variant, 1.0, 1.0, tuple(tokens), "exact name")
        anchors, pair_keys = self._anchors, self._pair_keys
        pool: set[int] = set()
        known = sorted(t for t in span_words if t in idf)
        for i, token in enumerate(known):
            if token in anchors:
                pool.update(anchors[token])
            for other in known[i + 1 :]:
                pair = (token, other)
                if pair in pair_keys:
                    pool.update(pair_keys[pair])
        longest = span_weight / MIN_NAME_SHARE  # a heavier variant cannot be found enough in the span
        span_numbers = [i for i, t in enumerate(tokens) if t.isdigit()]
        kinds = KIND_GUARD & span_words
        weights = self._variant_weight
        variant_numbers, numbered = self._variant_numbers, self._numbered
        variant_words = self._variant_words
        variant_institution = self._variant_institution
        idf_of = idf.__getitem__
        city_tokens = self._city_tokens
        for variant in pool:
            weight = weights[variant]
            institution = variant_institution[variant]
            words = variant_words[variant]
            if weight > longest:
                # heavier than the span can hold, unless what the span lacks is the name's city
                absent = words - span_words
                if not absent or not absent <= city_tokens[institution]:
                    continue
                if weight - math.fsum(idf.get(t, UNKNOWN_IDF) for t in absent) > longest:
                    continue
            if institution in found and found[institution].base >= 1.0:
                continue
            numbers = variant_numbers[variant]
            if numbers and not numbers <= span_words:
                continue  # "Constantine 2" is not "Constantine 1": a number of the name must be there
            if kinds and not kinds <= words:
                continue  # "CHU Hassan II" names a hospital, not Hassan II University
            missing = words - span_words
            city_elsewhere = bool(missing) and missing <= self._city_tokens[institution]
            if city_elsewhere:
                missing = frozenset()
                weight -= math.fsum(idf.get(t, UNKNOWN_IDF) for t in words - span_words)
            if missing:
                # the share of the variant's words found in the span (IDF-weighted): at least
                # MIN_NAME_SHARE, and squared it bounds the base, which must reach MIN_BASE (see
                # _adjusted), so at least sqrt(MIN_BASE): KEPT_SHARE
                matched = weight - math.fsum(map(idf_of, missing))
                name_share = matched / weight
                if name_share < KEPT_SHARE:
                    continue
                common = words - missing
            else:
                matched, name_share, common = weight, 1.0, words & span_words
            if (
                span_numbers
                and words - numbers in numbered
                and _number_clash(tokens, span_numbers, common, numbers)
            ):
                continue  # "University of Batna" is not "Univ Batna 2" (a footnote number may follow others)
            span_share = matched / self._unexplained_weight(tokens, common, institution, matched)
            # rounded: two names that explain the span equally, by different sums, tie exactly
            base = round(name_share**NAME_POWER * (SPAN_FLOOR + (1 - SPAN_FLOOR) * span_share), 12)
            if not _same_order(self._variant_sequence[variant], tokens, common):
                # "University of Washington" is not "Washington University"
                base *= ORDER_FACTOR if self._order_matters[variant] else LOOSE_ORDER_FACTOR
            if base < MIN_BASE:
                continue  # _adjusted would drop it whatever the place says
            # a name whose city is elsewhere is kept apart: it counts only if that city is named
            kept = elsewhere if city_elsewhere else found
            held = kept.get(institution)
            # equal bases: the lower variant wins, whatever order the pool (a set) gives them in
            if held is None or base > held.base or (base == held.base and variant < held.variant):
                matched_words = tuple(t for t in tokens if t in common)
                kept[institution] = _Candidate(
                    institution,
                    variant,
                    base,
                    base,
                    matched_words,
                    "name words, its city named apart" if city_elsewhere else "name words",
                    joined=city_elsewhere,  # as a unit read with the city of another segment
                    city_elsewhere=city_elsewhere,
                )
        better = [c for i, c in elsewhere.items() if i not in found or c.base > found[i].base]
        return tuple(found.values()) + tuple(better)

    def _unexplained_weight(
        self, tokens: tuple[str, ...], common: frozenset[str], institution: int, matched: float
    ) -> float:
        """The weight of the span against which the variant's share is measured: the matched words,
        plus the other words, those between matched words in full ("Nanjing *Medical* University" is
        not Nanjing University), those before or after at OUTSIDE_WEIGHT ("University of Utah *School
        of Medicine*"), the institution's own city not at all."""
        positions = [i for i, t in enumerate(tokens) if t in common]
        first, last = positions[0], positions[-1]
        city = self._free_tokens[institution]
        total = matched
        seen = set(common)
        idf = self._idf
        # a department or school named before the institution in the same segment ("School of
        # Psychology University of Nottingham"): its subject words say little against the name
        before = UNIT_PREFIX_WEIGHT if first and tokens[0] in UNIT_PREFIX_WORDS else OUTSIDE_WEIGHT
        for i, token in enumerate(tokens):
            if token in seen or token in city:
                continue
            seen.add(token)
            weight = idf.get(token, UNKNOWN_IDF)
            total += weight if first < i < last else (before if i < first else OUTSIDE_WEIGHT) * weight
        return total

    def _adjusted(
        self, candidates: Iterable[_Candidate], context: _Context, span: tuple[int, ...], min_base: float
    ) -> list[_Candidate]:
        outside = {t for i, words in enumerate(context.parts) if i not in span for t in words}
        inside = {t for i in span for t in context.parts[i]}
        out = []
        # a candidate that cannot reach the threshold even with every bonus cannot make the best
        # one ambiguous either
        floor = max(min_base, MIN_BASE, self.threshold - AMBIGUITY_MARGIN - COUNTRY_BONUS - CITY_BONUS)
        for candidate in candidates:
            if candidate.base < floor:
                continue
            inst = self.institutions[candidate.institution]
            score, how = candidate.base, candidate.how
            codes = set(inst.country_codes) or {inst.country_code}
            country_agrees = bool(context.countries and codes & context.countries)
            if country_agrees:
                score += COUNTRY_BONUS
                how += f", country {inst.country_code} agrees ({context.country_source})"
            elif context.countries and inst.status != STATUS_REFERENCED:
                score -= COUNTRY_PENALTY
                how += f", country {inst.country_code} disagrees"
            # the city must be named outside the words that matched the name ("York University")
            city_agrees = self._city_agrees(candidate.institution, outside | (inside - set(candidate.words)))
            if candidate.city_elsewhere and not city_agrees:
                continue
            if city_agrees:
                score += CITY_BONUS
                how += f", city {inst.city} agrees"
            if not (country_agrees or city_agrees):
                if self._variant_generic[candidate.variant]:
                    continue  # "Department of Biotechnology": a common name needs its place to agree
                if candidate.base < 1.0:
                    # part of a name and nothing of its place: "Technical University of Ostrava" is
                    # not "University of Ostrava", "Kochi University of Technology" not "Kochi University"
                    score -= UNPLACED_PENALTY
                    how += ", no place to confirm a partial name"
            if inst.status not in ("active", STATUS_REFERENCED):
                score -= INACTIVE_PENALTY
                how += f", {inst.status}"
            out.append(replace(candidate, score=score, how=how))
        out.sort(key=lambda c: (c.score, self._depth[c.institution]), reverse=True)
        if len(out) > 1:  # an institution found by two names: the better scored
            seen: set[int] = set()
            out = [c for c in out if not (c.institution in seen or seen.add(c.institution))]
        return out

    def _city_agrees(self, institution: int, words: frozenset[str] | set[str]) -> bool:
        return any(city <= words for city in self._city_sets[institution])

    def _choose(self, spans) -> list[tuple[tuple[int, ...], _Candidate]]:
        ranked = []
        for span, candidates in spans:
            if not candidates or candidates[0].score < self.threshold:
                continue
            best = self._most_specific(candidates)
            if self._ambiguous(best, candidates):
                continue
            ranked.append((best.score, self._variant_weight[best.variant], span, best))
        ranked.sort(key=lambda r: (r[0], r[1], len(r[2])), reverse=True)
        used: set[int] = set()
        chosen: list[tuple[tuple[int, ...], _Candidate]] = []
        taken: set[int] = set()
        for _, _, span, best in ranked:
            if used.intersection(span) or best.institution in taken:
                continue
            used.update(span)
            taken.add(best.institution)
            chosen.append((span, best))
        return chosen

    def _most_specific(self, candidates: list[_Candidate]) -> _Candidate:
        """The best-scored candidate, unless another one over the threshold matches as well (same
        base) and more of the span's words: "University of Wisconsin-Madison" is the Madison campus
        even though "Madison" adds a city bonus to "University of Wisconsin System"."""
        best = candidates[0]
        for other in candidates[1:]:
            if other.score < self.threshold:
                break
            if other.base >= best.base and set(other.words) > set(best.words):
                best = other
        return best

    def _ambiguous(self, best: _Candidate, candidates: list[_Candidate]) -> bool:
        """Whether another candidate, neither related to ``best`` nor matching a part of its words,
        scores within AMBIGUITY_MARGIN of it."""
        words = set(best.words)
        for other in candidates:
            if other is best:
                continue
            if best.score - other.score > AMBIGUITY_MARGIN:
                return False
            if set(other.words) < words and other.base <= best.base:
                continue  # a shorter name inside the chosen one
            a, b = best.institution, other.institution
            if not (a in self._ancestors[b] or b in self._ancestors[a]):
                return True
        return False

    def _acronym_matches(self, parts, used: set[int], context: _Context, named: set[int] = frozenset()):
        """Acronyms alone in their segment ("ENSIAS") or before their city ("ENSA Tanger"), of
        exactly one institution agreeing with the string's city or country. One of a curated country
        (``specific_countries``) whose city is named or whose parent is named by its full name ("Sfax
        Univ, ENIS") counts over the threshold (ACRONYM_SCORE + ACRONYM_BONUS)."""
        out = []
        if not context.countries and not context.words:
            return out
        for i, (segment, tokens) in enumerate(parts):
            if i in used:
                continue
            text, rest = _acronym_and_rest(segment.strip(), tokens)
            acronym = acronym_key(text)
            if len(acronym) < 3 or text.lower() == text:
                continue
            institutions = self._acronyms.get(acronym, [])
            if rest:  # "ENSA Tanger", "FST Mohammedia": the rest of the segment is the city
                institutions = [p for p in institutions if self._city_agrees(p, frozenset(rest))]
                if not rest <= self._city_tokens_of(institutions):
                    continue
            agreeing = [(p, "country") for p in institutions if self._country_codes(p) & context.countries]
            with_city = [(p, "city") for p in institutions if self._city_agrees(p, context.words)]
            pick = with_city if len(with_city) == 1 else agreeing
            active = [(p, w) for p, w in pick if self.institutions[p].status == "active"] or pick
            if len(active) != 1:
                continue
            position, why = active[0]
            reason = f"acronym {text}, {why} agrees"
            if why == "country":
                agreeing_code = sorted(self._country_codes(position) & context.countries)[0]
                reason += f" ({agreeing_code}, {context.country_source})"
            score = ACRONYM_SCORE
            if self._is_specific(position) and (why == "city" or self._ancestors[position] & named):
                score += ACRONYM_BONUS
                reason += ", in a curated country" + ("" if why == "city" else ", its parent named")
            elif (
                self._is_specific(position)
                and context.country_source == "country named"
                and len(acronym) >= UNIQUE_ACRONYM_LENGTH
                and len(self._acronyms.get(acronym, ())) == 1
            ):
                # "USTHB, ..., Algeria": a long acronym no other institution bears, its country named
                score += ACRONYM_BONUS
                reason += ", in a curated country, no other institution bears it"
            out.append(((i,), _Candidate(position, -1, score, score, tokens, reason)))
        return out

    def _embedded_acronyms(self, parts, used: set[int], context: _Context, named: set[int]):
        """An acronym among other words of a segment ("Univ Carthage SUPCOM", "ENISo Sousse", "ISIMS BP
        242"), of exactly one institution of a curated country whose parent is named in the string or
        whose city is: scored as a curated country's acronym with its parent or city named."""
        out = []
        for i, (segment, _) in enumerate(parts):
            if i in used:
                continue
            found = set()
            for word in EMBEDDED_ACRONYM.findall(segment):
                for position in self._acronyms.get(acronym_key(word), ()):
                    if not self._is_specific(position) or not (
                        self._country_codes(position) & context.countries
                    ):
                        continue
                    if self._ancestors[position] & named or self._city_agrees(position, context.words):
                        found.add((position, word))
            if len({position for position, _ in found}) != 1:
                continue
            position, word = min(found)
            how = f"acronym {word} in its segment, in a curated country, its parent or city named"
            score = ACRONYM_SCORE + ACRONYM_BONUS
            out.append(((i,), _Candidate(position, -1, score, score, (acronym_key(word),), how)))
        return out

    def _country_codes(self, position: int) -> frozenset[str]:
        inst = self.institutions[position]
        return frozenset(inst.country_codes) | {inst.country_code}

    def _city_tokens_of(self, positions: Iterable[int]) -> frozenset[str]:
        return frozenset(t for p in positions for t in self._city_tokens[p])

    def _is_specific(self, position: int) -> bool:
        """Whether the most specific institution wins over its ancestor (its country's registry is
        curated with faculties and schools: ``specific_countries``)."""
        return bool(self._country_codes(position) & self.specific_countries)

    def _select(self, chosen: list[tuple[tuple[int, ...], _Candidate]]) -> list[_Candidate]:
        """The institutions kept, the main one first.

        Of an institution and its ancestor named in different segments, the ancestor is kept
        ("Department of Medicine, Keck School of Medicine, University of Southern California" is
        counted for the university), as the labelled sets mostly do, unless ``prefer_specific``;
        of unrelated institutions, the best scored is the main one."""
        if not chosen:
            return []
        positions = {c.institution for _, c in chosen}
        # a unit found with the city of another segment ("Faculty of Sciences, ..., Rabat") needs its
        # university named too, or no other institution: "Faculty of Sciences, International
        # University of Rabat" is not Mohammed V University's faculty of sciences in Rabat
        chosen = [
            (span, c)
            for span, c in chosen
            if not c.joined
            or not self._ancestors[c.institution]
            or self._ancestors[c.institution] & positions
            or all(p == c.institution or c.institution in self._ancestors[p] for p in positions)
        ]
        positions = {c.institution for _, c in chosen}
        if not chosen:
            return []
        if self.prefer_specific:
            ancestors = set().union(*(self._ancestors[p] for p in positions))
            kept = [(span, c) for span, c in chosen if c.institution not in ancestors]
        else:
            # the ancestor is kept, unless the descendant is of a country whose registry is curated
            # ("Sfax Univ, ENIS" is ENIS)
            specific = {p for p in positions if self._is_specific(p) and self._ancestors[p] & positions}
            hidden = set().union(*(self._ancestors[p] for p in specific)) if specific else set()
            kept = [
                (span, c)
                for span, c in chosen
                if c.institution not in hidden
                and (c.institution in specific or not (self._ancestors[c.institution] & positions))
            ]

        # of unrelated institutions a university (or another education institution) is the main one:
        # "Howard Hughes Medical Institute, Harvard ..." is counted for the university (the labelled
        # sets: 450 against 429 of 641 strings naming several, calibration half)
        # in a curated country, a unit (school, faculty, hospital, institute) named beside a university
        # it is not linked to in the registry is the main one, the first named first ("Mohammadia School
        # of Engineers, Mohammed V University"; "Mohammed VI University Hospital, Mohammed First
        # University"): the string names the most specific first
        beside_university = any(self._is_specific(c.institution) and self._is_university[c.institution]
                                 for _, c in kept)  # fmt: skip
        # ... and of two units of a curated country (a hospital and a faculty), the first named
        several_units = (
            sum(
                1
                for _, c in kept
                if self._is_specific(c.institution)
                and not self._is_university[c.institution]
                and not UNIT_TYPES.isdisjoint(self.institutions[c.institution].types)
            )
            > 1
        )

        def rank(item):
            span, candidate = item
            position = candidate.institution
            unit = (
                (beside_university or several_units)
                and self._is_specific(position)
                and not self._is_university[position]
                and not UNIT_TYPES.isdisjoint(self.institutions[position].types)
            )
            return (unit, -span[0] if unit else 0, self._is_education(candidate.institution), candidate.score,
                    span[-1])  # fmt: skip

        kept.sort(key=rank, reverse=True)
        return [c for _, c in kept]

    def _is_education(self, position: int) -> bool:
        return not EDUCATION_TYPES.isdisjoint(self.institutions[position].types)

    def _to_matches(self, selected: list[_Candidate]) -> list[Match]:
        matches = []
        for candidate in selected:
            inst = self.institutions[candidate.institution]
            variant = self._variant_text[candidate.variant] if candidate.variant >= 0 else candidate.words[0]
            matches.append(
                Match(
                    institution_id=inst.id,
                    name=inst.name,
                    score=round(min(candidate.score, 1.0), 3),
                    reason=candidate.how,
                    matched_variant=variant,
                    matched_words=candidate.words,
                )
            )
        return matches


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


# words whose place in a name differs between French and English ("École Nationale Supérieure" and
# "National Higher School"): the order of the others decides
MODIFIERS = frozenset(
    ("national", "regional", "superior", "international", "public", "general", "normal", "applied",
     "private", "advanced", "graduate", "chu")
)  # fmt: skip


def _same_order(variant: tuple[str, ...], span: tuple[str, ...], common: frozenset[str]) -> bool:
    kept = common - MODIFIERS
    return [t for t in variant if t in kept] == [t for t in dict.fromkeys(span) if t in kept]


def _number_clash(
    tokens: tuple[str, ...], numbers: list[int], common: frozenset[str], own: frozenset[str]
) -> bool:
    """Whether a number of the span that is not in the variant stands next to or among the matched
    words ("Univ Batna 2" against "University of Batna")."""
    positions = [i for i, t in enumerate(tokens) if t in common]
    first, last = positions[0] - 1, positions[-1] + 1
    return any(first <= i <= last and tokens[i] not in own for i in numbers)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _one_edit(word: str, known: str) -> bool:
    """One letter missing, added, swapped with its neighbour or (in long words) changed."""
    a, b = len(word), len(known)
    if abs(a - b) > 1:
        return False
    if a != b:
        short, long_ = (word, known) if a < b else (known, word)
        return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))
    diff = [i for i in range(a) if word[i] != known[i]]
    if len(diff) == 2 and diff[1] == diff[0] + 1:
        i = diff[0]
        return word[i] == known[i + 1] and word[i + 1] == known[i]
    return len(diff) == 1 and a >= TYPO_SUBSTITUTION_LENGTH


def _acronym_head(acronym: str) -> str:
    """The first part of an acronym of several ("USTO-MB" -> "usto", "ENSA Agadir" -> "ensa"), "" when
    it has one part or a short first part (three letters before a space, four before a hyphen)."""
    for separator, shortest in ((" ", 3), ("-", 4)):
        head, found, _ = acronym.partition(separator)
        if found and len(acronym_key(head)) >= shortest and head.isupper():
            return acronym_key(head)
    return ""


def _acronym_and_rest(text: str, tokens: tuple[str, ...]) -> tuple[str, frozenset[str]]:
    """The acronym a segment may be ("ENSIAS") and the words after it ("ENSA Tanger": ENSA and the
    city), or the whole segment when it is one word."""
    if len(tokens) == 1:
        return text, frozenset()
    first, _, rest = text.partition(" ")
    if len(first) >= 3 and first.isupper() and first.isalpha():
        return first, frozenset(name_tokens(rest))
    return "", frozenset()


# --- the shared registry --------------------------------------------------------------------------


def registry_fingerprint(directory: Path | str) -> str:
    """Names, sizes and times of the registry files: a cache is stale when this changes."""
    directory = Path(directory)
    files = sorted(directory.glob("ror_*"))
    parts = [f"{p.name}:{p.stat().st_size}:{int(p.stat().st_mtime)}" for p in files]
    return f"v{MATCHER_VERSION}|" + "|".join(parts)


def cached_matcher(
    registry_dir: Path | str,
    cache_dir: Path | str,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    extra: Iterable[RegistryInstitution] = (),
) -> Matcher:
    """The matcher of a ROR extract directory (and of ``extra`` local institutions, which replace the
    ROR ones with the same id), pickled under ``cache_dir`` and rebuilt when stale."""
    matcher = _cached_matcher(registry_dir, cache_dir, tuple(extra))
    matcher.threshold = threshold
    return matcher


def _cached_matcher(
    registry_dir: Path | str, cache_dir: Path | str, extra: tuple[RegistryInstitution, ...] = ()
) -> Matcher:
    cache_dir = Path(cache_dir)
    fingerprint = registry_fingerprint(registry_dir)
    name = "affiliation_matcher"
    if extra:
        digest = hashlib.sha256(repr(sorted(map(repr, extra))).encode()).hexdigest()[:16]
        fingerprint += f"|extra:{digest}"
        name += "_extra"
    cache = cache_dir / f"{name}.pickle"
    stamp = cache_dir / f"{name}.fingerprint"
    if cache.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == fingerprint:
        try:
            return Matcher.load(cache)
        except (ValueError, pickle.UnpicklingError, EOFError, AttributeError):
            pass
    institutions = load_registry(registry_dir)
    institutions.update((inst.id, inst) for inst in extra)
    matcher = Matcher(with_reciprocal_links(institutions).values())
    matcher.save(cache)
    stamp.write_text(fingerprint, encoding="utf-8")
    return matcher


_default: Matcher | None = None


def set_default_matcher(matcher: Matcher | None) -> None:
    """The matcher ``match_affiliation`` uses (the caller builds it: ``cached_matcher`` or local)."""
    global _default
    _default = matcher


def match_affiliation(text: str, matcher: Matcher | None = None, *, main_only: bool = False) -> list[Match]:
    """The registry institutions an affiliation string names (see the module docstring)."""
    matcher = matcher or _default
    if matcher is None:
        raise RuntimeError("no affiliation matcher: call set_default_matcher(cached_matcher(...)) first")
    return matcher.match(text, main_only=main_only)
