"""Affiliation and author-name anomalies of Scopus and Web of Science publications (no Django import).

``analyse(publications, matcher, hierarchy)`` matches every affiliation of every publication to the
registry and returns an ``Analysis``: one ``AffiliationFinding`` per affiliation (publication, authors,
raw string, matched institutions, anomalies with their explanation and the suggested correction) and
the ``AuthorFinding`` of the author identifiers (Scopus author id, ORCID, ResearcherID).

Affiliation anomalies:

- ``no_country``: the address names no country;
- ``not_found``: no registry institution is named (the matcher prefers no match to a wrong one);
- ``variant_name``: the institution is written in a form that is not one of its registered names
  (display name or label in a language): abbreviations, transliterations, aliases ("Univ Mohammed 5");
  a registered acronym is accepted;
- ``missing_parent``: a faculty, school or laboratory under a university (an education institution
  among its ancestors) while no ancestor is named in the same address (a university of a university
  system and a laboratory of a research body or an agency alone are not flagged);
- ``country_mismatch``: the country written is not the institution's (found by matching the address
  again without its country, since the matcher refuses an institution whose country disagrees).

Author anomalies: ``author_name_forms``, one identifier carrying name forms that do not fit together
("Benali, M." and "Benali, Mohamed" fit, "Benali, Mohamed" and "Benali, Mustapha" do not);
``author_several_ids``, one full name form (given names written out, not initials alone) under several
identifiers of the same kind.

The registry is seen through a ``Hierarchy``: a callable from an institution id to its
``InstitutionInfo`` (names, parents, top institution, country), made by ``registry_hierarchy`` from
the plain registry objects (the ROR extracts or the database registry alike).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import pairwise

from khizana.core.textnorm import words
from khizana.visibility.formats.countries import ISO_NAMES
from khizana.visibility.formats.model import Author, Publication
from khizana.visibility.matching import Match, Matcher
from khizana.visibility.normalise import canonical_word, country_of_segment, name_tokens, segments
from khizana.visibility.registry_data import RegistryInstitution

NO_COUNTRY = "no_country"
NOT_FOUND = "not_found"
VARIANT_NAME = "variant_name"
MISSING_PARENT = "missing_parent"
COUNTRY_MISMATCH = "country_mismatch"
AFFILIATION_ANOMALIES = (NOT_FOUND, NO_COUNTRY, VARIANT_NAME, MISSING_PARENT, COUNTRY_MISMATCH)
AUTHOR_NAME_FORMS = "author_name_forms"
AUTHOR_SEVERAL_IDS = "author_several_ids"
AUTHOR_ANOMALIES = (AUTHOR_NAME_FORMS, AUTHOR_SEVERAL_IDS)
IDENTIFIER_KINDS = ("scopus_id", "orcid", "researcher_id")
MAX_DEPTH = 20  # a registry hierarchy deeper than this is a cycle


def country_name(code: str | None) -> str:
    """The English name of an ISO country code ("" for none)."""
    if not code:
        return ""
    names = ISO_NAMES.get(code.upper())
    return names[0] if names else code.upper()


# --- the registry hierarchy ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InstitutionInfo:
    """What the anomaly detection needs to know of one registry institution."""

    id: str
    name: str
    official_names: tuple[str, ...]  # display name and labels, as written
    parent_ids: tuple[str, ...]
    ancestor_ids: tuple[str, ...]  # parents, their parents... (nearest first)
    top_id: str  # the institution everything rolls up to (itself when it has no parent)
    top_name: str
    country_code: str
    country_codes: tuple[str, ...] = ()
    types: tuple[str, ...] = ()  # ROR types (education, facility...), or the kind of a local institution

    @property
    def parent_id(self) -> str:
        return self.parent_ids[0] if self.parent_ids else ""

    @property
    def is_education(self) -> bool:
        return bool({"education", "university"} & set(self.types))


Hierarchy = Callable[[str], "InstitutionInfo | None"]


def registry_hierarchy(institutions: Mapping[str, RegistryInstitution]) -> Hierarchy:
    """A hierarchy lookup over plain registry institutions (from ``load_registry`` or the database)."""

    def main_parent(inst: RegistryInstitution) -> RegistryInstitution | None:
        parents = [institutions[p] for p in inst.parent_ids if p in institutions]
        education = [p for p in parents if "education" in p.types]
        return (education or parents or [None])[0]

    @cache
    def lookup(institution_id: str) -> InstitutionInfo | None:
        inst = institutions.get(institution_id)
        if inst is None:
            return None
        top, seen = inst, {inst.id}
        while (parent := main_parent(top)) is not None and parent.id not in seen and len(seen) < MAX_DEPTH:
            seen.add(parent.id)
            top = parent
        return InstitutionInfo(
            id=inst.id,
            name=inst.name,
            official_names=tuple(dict.fromkeys((inst.name, *inst.labels, *_names(inst)))),
            parent_ids=tuple(p for p in inst.parent_ids if p in institutions),
            ancestor_ids=_ancestors(inst, institutions),
            top_id=top.id,
            top_name=top.name,
            country_code=inst.country_code,
            country_codes=tuple(dict.fromkeys((inst.country_code, *inst.country_codes))),
            types=inst.types,
        )

    return lookup


def _names(inst: RegistryInstitution) -> list[str]:
    return [value for values in inst.names.values() for value in values]


def _ancestors(inst: RegistryInstitution, institutions: Mapping[str, RegistryInstitution]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    frontier = list(inst.parent_ids)
    while frontier and len(found) < 200:
        parent_id = frontier.pop(0)
        if parent_id in found or parent_id == inst.id or parent_id not in institutions:
            continue
        found[parent_id] = None
        frontier.extend(institutions[parent_id].parent_ids)
    return tuple(found)


# --- findings --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchedInstitution:
    id: str
    name: str
    score: float
    reason: str
    matched_variant: str
    top_id: str
    top_name: str
    country_code: str


@dataclass(frozen=True)
class Anomaly:
    """One anomaly of an affiliation. ``explanation`` and ``correction`` are in English: they go as such
    into the CSV and XLSX corrections sent to the database providers; pages show ``code`` and
    ``params`` through the translated texts of ``anomaly_texts``."""

    code: str
    explanation: str  # what is wrong, in words
    correction: str  # what to write instead
    params: tuple[tuple[str, str], ...] = ()  # the values both texts are made of


@dataclass
class AffiliationFinding:
    publication_id: str
    file: str
    record_number: int
    title: str
    year: int | None
    authors: list[str]
    raw: str
    country_code: str  # as written ("" when none)
    matches: list[MatchedInstitution] = field(default_factory=list)
    anomalies: list[Anomaly] = field(default_factory=list)
    suggested_institution: str = ""
    suggested_parent: str = ""
    suggested_country: str = ""

    @property
    def codes(self) -> list[str]:
        return [a.code for a in self.anomalies]

    @property
    def top_ids(self) -> list[str]:
        return list(dict.fromkeys(m.top_id for m in self.matches))


@dataclass
class AuthorFinding:
    code: str
    identifier_kind: str
    identifiers: list[str]
    name_forms: list[str]
    publication_ids: list[str]
    explanation: str  # English, as in Anomaly
    correction: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass
class Analysis:
    publications: int
    affiliation_findings: list[AffiliationFinding]
    author_findings: list[AuthorFinding]


def analyse(
    publications: Iterable[Publication],
    matcher: Matcher,
    hierarchy: Hierarchy,
    progress: Callable[[int], None] | None = None,
) -> Analysis:
    """Every affiliation and author anomaly of ``publications``; ``progress(1)`` after each record."""
    findings: list[AffiliationFinding] = []
    publication_list = []
    for publication in publications:
        publication_list.append(publication)
        for affiliation in publication.affiliations:
            linked = _authors_of(publication, affiliation.author_indexes)
            authors = [a.name for a in linked] or list(affiliation.authors)
            finding = analyse_affiliation(affiliation.raw, affiliation.country_code or "", matcher, hierarchy)
            finding.publication_id = publication_key(publication)
            finding.file, finding.record_number = publication.file, publication.record_number
            finding.title, finding.year, finding.authors = publication.title or "", publication.year, authors
            findings.append(finding)
        if progress:
            progress(1)
    return Analysis(len(publication_list), findings, author_findings(publication_list))


def publication_key(publication: Publication) -> str:
    return publication.id or publication.doi or f"{publication.file}#{publication.record_number}"


def _authors_of(publication: Publication, indexes: list[int]) -> list[Author]:
    return [publication.authors[i] for i in indexes if 0 <= i < len(publication.authors)]


def analyse_affiliation(
    raw: str, written_country: str, matcher: Matcher, hierarchy: Hierarchy
) -> AffiliationFinding:
    """The matches and anomalies of one affiliation string (the publication fields left empty)."""
    written_country = written_country or _country_in(raw)
    finding = AffiliationFinding("", "", 0, "", None, [], raw, written_country)
    matches = _matches(raw, written_country, matcher)
    matches = list({m.institution_id: m for m in reversed(matches)}.values())[::-1]  # each institution once
    matches = [m for m in matches if hierarchy(m.institution_id) is not None]
    finding.matches = [_matched(match, hierarchy) for match in matches]
    infos = [hierarchy(m.id) for m in finding.matches]
    main = infos[0] if infos else None
    if main is None:
        finding.anomalies.append(
            Anomaly(
                NOT_FOUND,
                "no registry institution is recognised in this address",
                "write the institution's registered name (and its university, city and country)",
            )
        )
    else:
        finding.suggested_institution = main.name
    if not written_country:
        country = main.country_code if main else ""
        finding.suggested_country = country_name(country)
        finding.anomalies.append(
            Anomaly(
                NO_COUNTRY,
                "the address names no country",
                f"add the country: {finding.suggested_country}" if country else "add the country",
                (("country", finding.suggested_country),) if country else (),
            )
        )
    elif main is not None and not _same_country(written_country, main.country_codes):
        finding.suggested_country = country_name(main.country_code)
        finding.anomalies.append(
            Anomaly(
                COUNTRY_MISMATCH,
                f"the country written ({country_name(written_country)}) is not the country of {main.name} "
                f"({finding.suggested_country})",
                f"write the country {finding.suggested_country}",
                (
                    ("written", country_name(written_country)),
                    ("institution", main.name),
                    ("country", finding.suggested_country),
                ),
            )
        )
    finding.anomalies.extend(_variant_anomalies(raw, matches, infos))
    finding.anomalies.extend(_parent_anomalies(finding, infos, hierarchy))
    return finding


# territories that addresses often place in their sovereign state ("Hong Kong, Peoples R China")
COUNTRY_OF_TERRITORY = {"HK": "CN", "MO": "CN", "PR": "US", "GP": "FR", "MQ": "FR", "RE": "FR", "GF": "FR",
                        "NC": "FR", "PF": "FR", "YT": "FR"}  # fmt: skip


def _same_country(written: str, institution_countries: tuple[str, ...]) -> bool:
    return any(written in (code, COUNTRY_OF_TERRITORY.get(code)) for code in institution_countries)


def _country_in(raw: str) -> str:
    for segment in reversed(segments(raw)):
        if code := country_of_segment(segment):
            return code
    return ""


def _matches(raw: str, written_country: str, matcher: Matcher) -> list[Match]:
    """The matches of ``raw``, else those of ``raw`` without its country when it names one (mismatch)."""
    matches = matcher.match(raw)
    if matches or not written_country:
        return matches
    kept = [s for s in segments(raw) if not country_of_segment(s)]
    if len(kept) == len(segments(raw)):
        return []
    return matcher.match(", ".join(kept))


def _matched(match: Match, hierarchy: Hierarchy) -> MatchedInstitution:
    info = hierarchy(match.institution_id)
    return MatchedInstitution(
        id=match.institution_id,
        name=info.name,
        score=match.score,
        reason=match.reason,
        matched_variant=match.matched_variant,
        top_id=info.top_id,
        top_name=info.top_name,
        country_code=info.country_code,
    )


def _variant_anomalies(raw: str, matches: list[Match], infos: list[InstitutionInfo | None]) -> list[Anomaly]:
    out = []
    for match, info in zip(matches, infos, strict=False):
        if info is None or match.reason.startswith("acronym"):
            continue
        written = _written_segment(raw, match.matched_words)
        if not written:
            continue
        if sorted(written_key(written)) not in [sorted(written_key(name)) for name in info.official_names]:
            out.append(
                Anomaly(
                    VARIANT_NAME,
                    f"'{written}' is not a registered name of {info.name} (variant or alias)",
                    f"write '{info.name}' instead of '{written}'",
                    (("written", written), ("institution", info.name)),
                )
            )
    return out


# the words an abbreviation or another language may stand for ("Univ", "Fac. Sci.", "Université" are all
# the registered "University"); names, transliterations and numerals are compared as written
GENERIC_WORDS = frozenset(
    (
        "university",
        "faculty",
        "institute",
        "laboratory",
        "school",
        "science",
        "technology",
        "center",
        "hospital",
        "national",
        "international",
        "research",
        "superior",
        "normal",
        "engineering",
        "medicine",
        "department",
        "polytechnic",
        "pharmacy",
        "studies",
        "applied",
        "economics",
        "agronomy",
        "veterinary",
        "college",
        "academy",
        "saint",
        "mathematics",
        "physics",
        "chemistry",
        "biology",
        "health",
        "public",
        "general",
        "foundation",
        "society",
        "ministry",
        "clinic",
    )
)


@lru_cache(maxsize=1 << 16)
def written_key(name: str) -> tuple[str, ...]:
    """A name compared as written but for case, accents, link words and abbreviations of generic words
    (compared in any order: "Université Mohammed V" is "Mohammed V University")."""
    out = []
    for word in words(name, strip_articles=True):
        canonical = canonical_word(word)
        if canonical:
            out.append(canonical if canonical in GENERIC_WORDS else word)
    return tuple(out)


def _written_segment(raw: str, matched_words: tuple[str, ...]) -> str:
    """The segment (or two neighbouring segments) of ``raw`` whose words the match used."""
    wanted = set(matched_words)
    parts = segments(raw)
    for part in parts:
        if wanted <= set(name_tokens(part)):
            return part
    for left, right in pairwise(parts):
        if wanted <= set(name_tokens(f"{left} {right}")):
            return f"{left}, {right}"
    return ""


UNIT_WORDS = frozenset(("faculty", "laboratory", "school", "institute", "department", "center", "hospital",
                        "college"))  # fmt: skip


def _is_university(info: InstitutionInfo) -> bool:
    """A university in a university system (University of California, Merced) is not a faculty."""
    words_of_name = set(written_key(info.name))
    return "university" in words_of_name and not words_of_name & UNIT_WORDS


def _university_above(info: InstitutionInfo, hierarchy: Hierarchy) -> InstitutionInfo | None:
    """The nearest university (education institution) above ``info``, if any."""
    for ancestor_id in info.ancestor_ids:
        ancestor = hierarchy(ancestor_id)
        if ancestor is not None and ancestor.is_education:
            return ancestor
    return None


def names_institution(raw: str, info: InstitutionInfo) -> bool:
    """Whether every word of one of the institution's registered names is in some segment of ``raw``."""
    written = [set(written_key(segment)) for segment in segments(raw)]
    for name in info.official_names:
        wanted = set(written_key(name))
        if wanted and any(wanted <= words_of_segment for words_of_segment in written):
            return True
    return False


def _parent_anomalies(
    finding: AffiliationFinding, infos: list[InstitutionInfo | None], hierarchy: Hierarchy
) -> list[Anomaly]:
    named = {m.id for m in finding.matches}
    out = []
    for info in infos:
        if info is None or not info.parent_ids or named & set(info.ancestor_ids) or _is_university(info):
            continue
        parent = _university_above(info, hierarchy)
        if parent is None:  # a laboratory of a research body or an agency: no university to name
            continue
        if names_institution(finding.raw, parent):  # written, though the matcher did not take it
            continue
        parent_name = parent.name
        finding.suggested_parent = finding.suggested_parent or parent_name
        out.append(
            Anomaly(
                MISSING_PARENT,
                f"{info.name} is written without its parent institution ({parent_name})",
                f"add '{parent_name}' after '{info.name}'",
                (("institution", info.name), ("parent", parent_name)),
            )
        )
    return out


# --- authors -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NameForm:
    """An author name cut into surname words and given-name words (folded)."""

    written: str
    surname: str  # folded words joined without spaces ("El Aatmani" = "Elaatmani")
    given: tuple[str, ...]

    @property
    def has_full_given_name(self) -> bool:
        return any(len(g) > 1 for g in self.given)


TITLES = frozenset(("pr", "prof", "dr", "mr", "mrs", "ms", "mme"))


def _name_words(text: str) -> list[str]:
    tokens = words(text)
    while len(tokens) > 1 and tokens[0] in TITLES:
        tokens = tokens[1:]
    return tokens


def name_form(written: str) -> NameForm:
    """``Benali, Mohamed``, ``Benali M.``, ``Gavarri J.R.`` -> surname and given names (or initials);
    a title before the name (Pr., Dr.) is left out."""
    if "," in written:
        surname, given = written.split(",", 1)
        return NameForm(written, "".join(_name_words(surname)), tuple(words(given)))
    tokens = _name_words(written)
    cut = len(tokens)
    while cut > 1 and len(tokens[cut - 1]) == 1:
        cut -= 1
    return NameForm(written, "".join(tokens[:cut]), tuple(tokens[cut:]))


def _fullest_first(form: NameForm) -> tuple[int, str]:
    return -len("".join(form.given)), form.written


def forms_fit(a: NameForm, b: NameForm) -> bool:
    """The same person's name written two ways: same surname; the given names of the shorter form are,
    in order, given names or initials of the longer one ("E. Ibn" fits "El Hassan Ibn")."""
    if a.surname != b.surname:
        return False
    short, long = sorted((a.given, b.given), key=len)
    position = 0
    for word in short:
        while position < len(long) and not _same_given(word, long[position]):
            position += 1
        if position == len(long):
            return False
        position += 1
    return True


def _same_given(left: str, right: str) -> bool:
    if len(left) > 1 and len(right) > 1:
        return left == right
    return left[0] == right[0]


def name_families(forms: Iterable[str]) -> list[list[str]]:
    """The written forms grouped into families that fit together (fullest forms first)."""
    parsed = sorted({name_form(f) for f in forms if f.strip()}, key=_fullest_first)
    families: list[list[NameForm]] = []
    for form in parsed:
        for family in families:
            if all(forms_fit(form, other) for other in family):
                family.append(form)
                break
        else:
            families.append([form])
    return [[f.written for f in family] for family in families]


def author_findings(publications: Iterable[Publication]) -> list[AuthorFinding]:
    """Identifiers with name forms that do not fit, and full name forms under several identifiers."""
    forms_of: dict[tuple[str, str], dict[str, None]] = defaultdict(dict)
    publications_of: dict[tuple[str, str], dict[str, None]] = defaultdict(dict)
    for publication in publications:
        for author in publication.authors:
            for kind, value in author.identifiers.items():
                if kind in IDENTIFIER_KINDS and value:
                    forms_of[(kind, value)][author.full_name or author.name] = None
                    publications_of[(kind, value)][publication_key(publication)] = None
    out = [
        _name_forms_finding(ident, list(forms), list(publications_of[ident]))
        for ident, forms in forms_of.items()
    ]
    out = [f for f in out if f is not None]
    out.extend(_several_ids_findings(forms_of, publications_of))
    return out


def _name_forms_finding(
    identifier: tuple[str, str], forms: list[str], pubs: list[str]
) -> AuthorFinding | None:
    families = name_families(forms)
    if len(families) < 2:
        return None
    kind, value = identifier
    shown = "; ".join(" / ".join(family) for family in families)
    return AuthorFinding(
        AUTHOR_NAME_FORMS,
        kind,
        [value],
        [form for family in families for form in family],
        pubs,
        f"{kind} {value} carries name forms that are not one person's: {shown}",
        f"check author profile {value}: keep '{families[0][0]}' or split the profile",
        (("kind", kind), ("value", value), ("forms", shown), ("kept", families[0][0])),
    )


def _several_ids_findings(
    forms_of: Mapping[tuple[str, str], Mapping[str, None]],
    publications_of: Mapping[tuple[str, str], Mapping[str, None]],
) -> list[AuthorFinding]:
    holders: dict[tuple[str, str, tuple[str, ...]], dict[str, None]] = defaultdict(dict)
    written: dict[tuple[str, str, tuple[str, ...]], str] = {}
    for (kind, value), forms in forms_of.items():
        for form in map(name_form, forms):
            if form.has_full_given_name:
                full_key = (kind, form.surname, form.given)
                holders[full_key][value] = None
                written.setdefault(full_key, form.written)
    out = []
    for full_key, values in holders.items():
        if len(values) < 2:
            continue
        kind, ids = full_key[0], list(values)
        pubs = list(dict.fromkeys(p for v in ids for p in publications_of[(kind, v)]))
        out.append(
            AuthorFinding(
                AUTHOR_SEVERAL_IDS,
                kind,
                ids,
                [written[full_key]],
                pubs,
                f"'{written[full_key]}' appears under {len(ids)} {kind} identifiers: {', '.join(ids)}",
                f"ask for the author profiles {', '.join(ids)} to be merged if they are one person",
                (
                    ("name", written[full_key]),
                    ("count", str(len(ids))),
                    ("kind", kind),
                    ("ids", ", ".join(ids)),
                ),
            )
        )
    return out
