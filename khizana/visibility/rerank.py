"""A learned re-ranker over the affiliation matcher's candidates (issue 15; no Django import).

The rules of ``khizana.visibility.matching`` score each candidate institution of each span of an
affiliation string and keep the best over a threshold. The re-ranker, as S2AFF does, takes the
matcher's top ``k`` candidates of a string, describes each by a few features the matcher already
computes (``FEATURES``: its score and word-match base, the IDF-weighted share of the variant's words
found, acronym hit, city and country agreement, whether it is the parent or child of another candidate,
the kind of name, its rank and margin, whether the rules chose it), scores them with a logistic
regression and keeps the most probable one when its probability reaches a calibrated threshold.

The coefficients, the feature means and scales and the threshold are read from a small JSON file
shipped with the code (``data/reranker.json``, written by ``bench/train_reranker.py`` from the labelled
dev data with 5-fold cross-validation): no pickle, nothing downloaded.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from khizana.visibility.normalise import name_segments

MODEL_PATH = Path(__file__).resolve().parent / "data" / "reranker.json"
TOP_K = 5

FEATURES = (
    "score",  # the rules' score (base with country, city, status adjustments)
    "base",  # how well the words match, before place agreement
    "name_share",  # IDF-weighted share of the variant's words found in the string
    "acronym",  # found by an acronym, or one of its acronyms is a word of the string
    "country_agrees",
    "country_disagrees",
    "city_agrees",
    "related",  # parent, child or sibling (same parent) of another candidate
    "ancestor_of_other",  # an ancestor of another candidate
    "university",  # its name is a university's
    "education",  # an education institution (university, faculty, school)
    "generic",  # its variant is generic (needs its place)
    "joined",  # a unit found with the city of another segment
    "exact",  # the span is exactly one of its names
    "rank",  # 0 for the best-scored candidate
    "margin",  # its score minus the best other candidate's
    "rules_main",  # the rules' main institution
    "rules_kept",  # among the institutions the rules return
    "candidates",  # log(1 + number of candidates)
)


@dataclass(frozen=True)
class Candidate:
    """One candidate institution of a string, with its features (in the order of ``FEATURES``)."""

    position: int  # in matcher.institutions
    institution_id: str
    features: tuple[float, ...]
    score: float
    how: str
    variant: int
    words: tuple[str, ...]
    curated: bool = False  # of a country whose registry is curated (the matcher's specific_countries)


@dataclass(frozen=True)
class Reranker:
    """A logistic regression over standardised features, with its decision threshold."""

    coefficients: tuple[float, ...]
    intercept: float
    means: tuple[float, ...]
    scales: tuple[float, ...]
    threshold: float
    top_k: int = TOP_K

    @classmethod
    def from_json(cls, data: dict) -> Reranker:
        names = tuple(data["features"])
        if names != FEATURES:
            raise ValueError(f"re-ranker features {names} are not this code's {FEATURES}")
        return cls(
            coefficients=tuple(float(c) for c in data["coefficients"]),
            intercept=float(data["intercept"]),
            means=tuple(float(m) for m in data["means"]),
            scales=tuple(float(s) or 1.0 for s in data["scales"]),
            threshold=float(data["threshold"]),
            top_k=int(data.get("top_k", TOP_K)),
        )

    def probability(self, features: tuple[float, ...]) -> float:
        z = self.intercept + sum(
            c * (x - m) / s
            for c, x, m, s in zip(self.coefficients, features, self.means, self.scales, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


@lru_cache(maxsize=4)
def load_reranker(path: Path | str = MODEL_PATH) -> Reranker:
    return Reranker.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


def candidates(matcher, text: str, top_k: int = TOP_K) -> list[Candidate]:
    """The matcher's ``top_k`` candidate institutions of ``text`` (best rules score first), each with its
    features: of every span, every candidate the rules scored (their floor is a little under the
    threshold), the acronyms and the units named by their kind."""
    parts = [(segment, matcher._tokens(segment)) for segment in name_segments(text)]
    parts = [(segment, tokens) for segment, tokens in parts if tokens]
    if not parts:
        return []
    context = matcher._context(parts)
    spans = matcher._spans(parts, context)
    chosen = matcher._chosen(text)
    selected = matcher._select(chosen)
    kept = {c.institution for c in selected}
    main = selected[0].institution if selected else -1
    best: dict[int, tuple] = {}
    pool = [(span, c) for span, found in spans for c in found]
    pool += [(span, c) for span, c in chosen]  # acronyms and units are not among the spans' candidates
    for span, c in pool:
        if c.institution not in best or c.score > best[c.institution][1].score:
            best[c.institution] = (span, c)
    ranked = sorted(best.values(), key=lambda sc: sc[1].score, reverse=True)[:top_k]
    positions = [c.institution for _, c in ranked]
    words = context.words
    out = []
    for rank, (span, c) in enumerate(ranked):
        p = c.institution
        inst = matcher.institutions[p]
        others = [q for q in positions if q != p]
        other_best = max((o.score for _, o in ranked if o.institution != p), default=0.0)
        codes = set(inst.country_codes) or {inst.country_code}
        country_agrees = bool(context.countries and codes & context.countries)
        outside = {t for i, ws in enumerate(context.parts) if i not in span for t in ws}
        inside = {t for i in span for t in context.parts[i]}
        city = matcher._city_agrees(p, outside | (inside - set(c.words)))
        ancestors = matcher._ancestors[p]
        related = any(q in ancestors or p in matcher._ancestors[q] or ancestors & matcher._ancestors[q]
                      for q in others)  # fmt: skip
        if c.variant >= 0:
            weight = matcher._variant_weight[c.variant] or 1.0
            shared = set(c.words) & matcher._variant_words[c.variant]
            found = math.fsum(matcher._idf.get(t, 0.0) for t in shared)
            name_share = min(found / weight, 1.0)
            generic = matcher._variant_generic[c.variant]
        else:
            name_share, generic = 1.0, False
        features = (
            c.score,
            c.base,
            name_share,
            float(c.variant < 0 or bool(matcher._acronym_tokens[p] & words)),
            float(country_agrees),
            float(bool(context.countries) and not country_agrees),
            float(city),
            float(related),
            float(any(p in matcher._ancestors[q] for q in others)),
            float(matcher._is_university[p]),
            float(matcher._is_education(p)),
            float(generic),
            float(c.joined),
            float(c.how.startswith("exact")),
            float(rank),
            c.score - other_best,
            float(p == main),
            float(p in kept),
            math.log1p(len(best)),
        )
        out.append(
            Candidate(p, inst.id, features, c.score, c.how, c.variant, c.words, matcher._is_specific(p))
        )
    return out


RULES_MAIN = FEATURES.index("rules_main")


def choose(
    found: list[Candidate], probabilities: list[float], threshold: float, rules_threshold: float
) -> tuple[Candidate, float] | None:
    """The main institution of a string: its most probable candidate when that reaches ``threshold``.

    Where a candidate is of a curated country (Morocco, Algeria, Tunisia: faculties, schools and local
    institutions the dev data hardly has, and where the rules prefer the most specific institution),
    the rules decide: trained without them, the re-ranker undoes that preference (MA recall 0.85 ->
    0.57 when it decided there too)."""
    if any(c.curated for c in found):
        main = [c for c in found if c.features[RULES_MAIN] and c.score >= rules_threshold]
        return (main[0], 1.0) if main else None
    best = max(zip(found, probabilities, strict=True), key=lambda cp: cp[1], default=None)
    return best if best is not None and best[1] >= threshold else None


def rerank(matcher, text: str, reranker: Reranker | None = None) -> tuple[Candidate, float] | None:
    """The main institution of ``text`` and its probability (None when none is probable enough)."""
    reranker = reranker or load_reranker()
    found = candidates(matcher, text, reranker.top_k)
    probabilities = [reranker.probability(c.features) for c in found]
    return choose(found, probabilities, reranker.threshold, matcher.threshold)
