"""Similar works from shared subjects, authors, classification and words (no Django import).

Each work is a sparse vector of features: its subject headings, its authors, its classes (with their
broader classes: ``ddc:330.9`` also counts, less, as ``ddc:330`` and ``ddc:33``; a heading's main part
without its subdivisions likewise) and the words of its
titles, notes and full text. A feature weighs its kind's weight times its inverse document frequency
(rare headings say more than common ones); two works are as similar as the cosine of their vectors.
Candidates come from an inverted index, so only works sharing a feature are ever compared; features
carried by too many works (``max_share``) are skipped, they tell nothing and cost much.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from khizana.core.analysis import analyse_exact

KIND_WEIGHTS = {"heading": 1.0, "author": 1.0, "class": 0.8, "word": 0.6}  # bench/similar_bench.py
BROADER_CLASS_WEIGHT = 0.5  # each step up the class hierarchy halves the class weight
BROADER_HEADING_WEIGHT = 0.5  # a heading's main part, without its subdivisions
MIN_WORD_LENGTH = 3
MAX_WORDS = 400  # per work (a digital copy's full text is long; its first words are enough)
REASONS_PER_KIND = 3
# Function words of the network's languages (Latin-script ones folded, Arabic as analyse_exact gives them).
STOPWORDS = frozenset(
    """
the and for with from into about under over of in on at to by an a its their this that these those
les des une dans pour par sur avec aux du de la le et en au ou sous entre selon leur leurs ses son sa
los las del el y con por para una unos unas al lo
der die das und mit von den dem des ein eine im zur zum fur uber
il lo gli della delle degli dei per con nel nella sul
في من على الى إلى عن مع ما هذا هذه ذلك التي الذي او أو ثم بين
""".split()  # noqa: SIM905
)


@dataclass
class WorkFeatures:
    """What a work is described by (the catalog's values, untouched; see :func:`features_of`)."""

    id: int
    headings: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)  # "ddc:330", "udc:...", "lcc:HB171"
    text: str = ""  # titles, notes, full text


@dataclass(frozen=True)
class Similar:
    """A work like another, with its score (0..1) and the shared features that weighed most."""

    id: int
    score: float
    reasons: dict[str, list[str]]


def _heading_key(value: str) -> str:
    return " ".join(analyse_exact(value))


def broader_classes(value: str) -> list[tuple[str, float]]:
    """``value`` and its broader classes with their weight factors: Dewey and UDC by dropping digits
    (``ddc:330.94`` -> ``ddc:330.9``, ``ddc:330``, ``ddc:33``), LCC by its letters (``lcc:HB171`` ->
    ``lcc:HB``)."""
    scheme, _sep, code = value.partition(":")
    code = code.strip().upper() if scheme == "lcc" else code.strip()
    if not code:
        return []
    found = [(f"{scheme}:{code}", 1.0)]
    if scheme == "lcc":
        letters = "".join(c for c in code[:3] if c.isalpha())
        if letters and letters != code:
            found.append((f"lcc:{letters}", BROADER_CLASS_WEIGHT))
        return found
    digits = re.match(r"[0-9.]*", code).group().rstrip(".")  # UDC: the main number, without auxiliaries
    if digits != code and len(digits) >= 2:
        found.append((f"{scheme}:{digits}", BROADER_CLASS_WEIGHT))
    factor = found[-1][1]
    while len(digits.replace(".", "")) > 2:
        digits = digits[:-1].rstrip(".")
        factor *= BROADER_CLASS_WEIGHT
        found.append((f"{scheme}:{digits}", factor))
    return found


def feature_counts(work: WorkFeatures) -> dict[tuple[str, str], float]:
    """(kind, value) -> weight factor of one work's features, before inverse document frequency."""
    counts: dict[tuple[str, str], float] = {}
    for heading in work.headings:
        key = _heading_key(heading)
        if key:
            counts[("heading", key)] = 1.0
        main = _heading_key(heading.split("--")[0])  # "Maroc -- Histoire" also counts, less, as "Maroc"
        if main and main != key:
            counts[("heading", main)] = max(counts.get(("heading", main), 0.0), BROADER_HEADING_WEIGHT)
    for author in work.authors:
        key = _heading_key(author)
        if key:
            counts[("author", key)] = 1.0
    for value in work.classes:
        for key, factor in broader_classes(value):
            counts[("class", key)] = max(counts.get(("class", key), 0.0), factor)
    words: dict[str, int] = defaultdict(int)
    for token in analyse_exact(work.text)[: MAX_WORDS * 4]:
        if len(token) >= MIN_WORD_LENGTH and token not in STOPWORDS and not token.isdigit():
            words[token] += 1
    for token, count in list(words.items())[:MAX_WORDS]:
        counts[("word", token)] = 1.0 + math.log(count)
    return counts


class SimilarityIndex:
    """The works of a catalog as weighted feature vectors, to ask for the works most like one of them."""

    def __init__(self, works: Iterable[WorkFeatures], max_share: float = 0.05, min_postings: int = 50):
        self.vectors: dict[int, dict[tuple[str, str], float]] = {}
        self.labels: dict[tuple[str, str], str] = {}
        postings: dict[tuple[str, str], list[int]] = defaultdict(list)
        for work in works:
            counts = feature_counts(work)
            self._remember_labels(work)
            self.vectors[work.id] = counts
            for feature in counts:
                postings[feature].append(work.id)
        total = max(1, len(self.vectors))
        too_common = max(min_postings, int(total * max_share))
        self.postings = {f: ids for f, ids in postings.items() if len(ids) <= too_common}
        self.idf = {f: math.log(1 + total / len(ids)) for f, ids in self.postings.items()}
        for work_id, counts in self.vectors.items():
            weighted = {
                f: KIND_WEIGHTS[f[0]] * factor * self.idf[f] for f, factor in counts.items() if f in self.idf
            }
            norm = math.sqrt(sum(w * w for w in weighted.values())) or 1.0
            self.vectors[work_id] = {f: w / norm for f, w in weighted.items()}

    def _remember_labels(self, work: WorkFeatures) -> None:
        """The catalog's own form of headings and authors, to show in the reasons."""
        for kind, values in (("heading", work.headings), ("author", work.authors)):
            for value in values:
                self.labels.setdefault((kind, _heading_key(value)), value)
        for value in work.headings:
            main = value.split("--")[0].strip()
            self.labels.setdefault(("heading", _heading_key(main)), main)

    def similar_to(self, work_id: int, limit: int = 6, exclude: Iterable[int] = ()) -> list[Similar]:
        """The ``limit`` works most like ``work_id`` (best first), without ``exclude``."""
        vector = self.vectors.get(work_id)
        if not vector:
            return []
        scores: dict[int, float] = defaultdict(float)
        for feature, weight in vector.items():
            for other in self.postings[feature]:
                if other != work_id:
                    scores[other] += weight * self.vectors[other].get(feature, 0.0)
        skipped = set(exclude)
        best = heapq.nlargest(
            limit,
            ((s, other) for other, s in scores.items() if other not in skipped),
            key=lambda p: (p[0], -p[1]),
        )
        return [Similar(other, round(score, 4), self.reasons(work_id, other)) for score, other in best]

    def reasons(self, work_id: int, other_id: int) -> dict[str, list[str]]:
        """The shared features of two works that weigh most, by kind (headings, authors, classes, words)."""
        mine, theirs = self.vectors[work_id], self.vectors[other_id]
        shared = sorted((mine[f] * theirs[f], f) for f in mine.keys() & theirs.keys())
        by_kind: dict[str, list[str]] = {}
        for _weight, (kind, value) in reversed(shared):
            bucket = by_kind.setdefault(f"{kind}s" if kind != "class" else "classes", [])
            if len(bucket) < REASONS_PER_KIND:
                bucket.append(self.labels.get((kind, value), value))
        for kind in ("classes", "headings"):  # the narrowest shared one says it; its broader ones add nothing
            if kind in by_kind:
                by_kind[kind] = _narrowest(by_kind[kind])
        return by_kind


def _narrowest(classes: list[str]) -> list[str]:
    return [c for c in classes if not any(o != c and o.startswith(c) for o in classes)]
