"""Deduplication measured as record-linkage research does: labelled pairs built from real records (issue 14).

    .venv/bin/python bench/dedup_bench.py [--per-kind N] [--seed S] [--kinds a,b] [--no-splink]
                                          [--no-real] [--keep-identifiers] [--matcher FILE] [--json]

Reads the real book records of ``../shared/data`` (``marc21/``, ``unimarc/``, ``marcxml/`` and
``arabic/marc21/``; not the ``bad/`` folders) with :func:`khizana.catalog.formats.read_records`, and
keeps one record per edition as the *universe* (records sharing an OCLC number or LCCN, an ISBN and a
year, the same description, the same title, author, year and edition number with alike publishers,
or listed as one edition across scripts in ``arabic/PROVENANCE.md`` count as one edition): the
universe is taken to hold distinct editions only.

For every *variant kind*, up to N records of the universe (seeded; 40 % French, 40 % from the Arabic
folder, 20 % other languages, the shortfall of one group filled from the others) get one variant
copy of that kind, and the whole universe plus those variants is clustered at once, so every other
record is a distractor. Positive kinds (the copy describes the same edition): a typo (letter
substituted, dropped or two swapped) in title word 1..5, subtitle dropped, leading article dropped,
first author's forenames as initials, publisher form (generic words dropped, abbreviated, acronym),
and, for romanised records with linked 880 fields, the record an Arabic-script library would make
(each romanised field replaced by its linked 880 form, the 880s and the unlinked romanised headings
dropped; done on the MARC record, then read again). Negative kinds (hard negatives, the copy is
another edition): another edition (year moved, edition statement "2e éd." / "2nd ed." / "الطبعة
الثانية"), another volume of a set ("Tome 2" / "Vol. 2" / "الجزء 2" added to the title), the same title
by another author, a reprint five years later. Variants carry no identifiers (``--keep-identifiers``
keeps the original's): the benchmark measures matching on descriptions.

Real sets: the cross-script editions and near misses listed in ``arabic/PROVENANCE.md`` (UAE
Arabic-script-only records against romanised + 880 and romanised-only records; different editions
of the same work), the records of the Arabic folder that share an OCLC number (one edition
catalogued twice, identifiers hidden), and same title + author pairs of the universe with different
OCLC numbers and years two or more apart (real different editions).

Scores. A pair is *joined* when both records end in one cluster. Positive kinds: recall = designed
pairs joined / designed pairs; precision = designed pairs joined / (designed pairs joined + the pairs
a variant forms with the records of a cluster that does not hold its original); pairs with the
original's own cluster mates are the background's business, reported once (``background``: pairs of
universe records joined in the universe alone). Negative kinds: false-merge rate = designed pairs
joined / designed pairs. Goal of the issue: precision >= 0.99 and recall >= 0.95 for every positive
kind, false merges <= 0.01 for every negative kind.

Khizana: :func:`match_record` then :func:`cluster` (the public entry points only; ``--matcher FILE``
loads another version of ``khizana/catalog/matching.py`` to compare). Splink, the peer (``pip install
-e '.[bench]'``; skipped with a message when absent): DuckDB backend, a Fellegi-Sunter model over the
same fields, normalised by ``khizana.core.textnorm.normalise`` (title + subtitle with Jaro-Winkler and
Levenshtein levels and an across-scripts level against the 880 parallel title; first author, with
an across-scripts level; publisher; year exact / one apart; edition number; shared identifiers),
trained once, unsupervised, on every real record read (the catalogue, duplicates included: the prior
from two deterministic rules, u by random sampling, m by EM on year + first title word and on author
surname), predicting on five blocking rules (year + first title word, year + surname, a shared
identifier, year + first word of the title against the first word of the other's 880 title, both
ways), clustered by connected components at match probability 0.9 and at the threshold with the
best pairwise F1 over all runs (chosen on the test pairs themselves: an upper bound for Splink).
Times: wall and CPU seconds of each run (Khizana: match_record + cluster; Splink: prediction +
clustering, training shown apart); reading the files is shown apart. ``KHIZANA_SHARED_DATA``
points to another data folder.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import itertools
import json
import logging
import os
import platform
import random
import re
import sys
import time
import unicodedata
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz  # noqa: E402

from khizana.catalog.formats import read_records  # noqa: E402
from khizana.catalog.records import (  # noqa: E402
    BibFields,
    MaterialType,
    ParsedRecord,
    RecordKind,
)
from khizana.core.textnorm import normalise  # noqa: E402

SHARED = Path(os.environ.get("KHIZANA_SHARED_DATA") or ROOT.parent / "shared" / "data")
FOLDERS = ("marc21", "unimarc", "marcxml", "arabic/marc21")
STRATA = ("fre", "ara", "other")  # French (main folders), the Arabic folder, everything else
QUOTA = {"fre": 0.4, "ara": 0.4, "other": 0.2}
SPLINK_THRESHOLD = 0.9


# --------------------------------------------------------------------------- records


@dataclass
class Rec:
    key: str  # "<folder>/<file>#<number in file>"
    source: str  # "<folder>/<file>"
    local_id: str
    stratum: str
    fields: BibFields
    raw: bytes = b""  # ISO 2709 bytes of the arabic/marc21 records (for the Arabic-script version)


def _stratum(folder: str, fields: BibFields) -> str:
    if folder.startswith("arabic"):
        return "ara"
    return "fre" if fields.languages[:1] == ["fre"] else "other"


_TEXTS = (MaterialType.BOOK, MaterialType.THESIS)  # printed monographs (UAE #6638 reads as a thesis)


def load_file(shared: Path, folder: str, path: Path) -> list[Rec]:
    """The non-deleted bibliographic book (or thesis) records with a title of one file."""
    try:
        _, records = read_records(path.read_bytes(), path.name)
        parsed = [r for r in records if isinstance(r, ParsedRecord)]
    except ValueError:
        return []
    out = []
    source = f"{folder}/{path.name}"
    for r in parsed:
        f = r.fields
        if r.deleted or r.kind != RecordKind.BIBLIOGRAPHIC or f.material_type not in _TEXTS:
            continue
        if not normalise(f.title):
            continue
        out.append(
            Rec(
                key=f"{source}#{r.number}",
                source=source,
                local_id=r.local_id.strip(),
                stratum=_stratum(folder, f),
                fields=f,
                raw=r.raw if folder.startswith("arabic") and path.suffix == ".mrc" else b"",
            )
        )
    return out


def load_pool(shared: Path) -> list[Rec]:
    """Every readable, non-deleted bibliographic book (or thesis) record with a title, in a stable order."""
    pool: list[Rec] = []
    for folder in FOLDERS:
        for path in sorted((shared / folder).glob("*")):
            if path.is_file() and path.suffix.lower() != ".md":
                pool.extend(load_file(shared, folder, path))
    return pool


class _UnionFind:
    def __init__(self, keys: Iterable[str]):
        self.parent = {k: k for k in keys}

    def find(self, k: str) -> str:
        while self.parent[k] != k:
            self.parent[k] = self.parent[self.parent[k]]
            k = self.parent[k]
        return k

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for k in self.parent:
            out[self.find(k)].append(k)
        return out


def _join_on(uf: _UnionFind, keyed: Iterable[tuple[str, str]]) -> None:
    first: dict[str, str] = {}
    for value, key in keyed:
        if value in first:
            uf.union(first[value], key)
        else:
            first[value] = key


def _join_lookalikes(uf: _UnionFind, pool: Sequence[Rec]) -> None:
    """Join records with the same title proper, first author's first word, year and edition number
    whose publishers are alike (one contains the other's words, or one is missing): the same edition
    catalogued by two libraries that gave it no shared identifier (many AUB records carry no OCLC
    number). Not a matcher: it only keeps likely duplicates out of the universe of distinct editions."""
    groups: dict[tuple, list[Rec]] = defaultdict(list)
    for r in pool:
        f = r.fields
        author = normalise(f.authors[0]).split(" ")[0] if f.authors else ""
        edition = re.search(r"\d+", normalise(f.edition))
        key = (normalise(f.title, strip_articles=True), author, f.year, edition.group(0) if edition else "")
        groups[key].append(r)
    for members in groups.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                pa, pb = normalise(a.fields.publisher), normalise(b.fields.publisher)
                if not pa or not pb or fuzz.token_set_ratio(pa, pb) >= 90:
                    uf.union(a.key, b.key)


def _description_key(f: BibFields) -> str:
    return "|".join(
        (
            normalise(f"{f.title} {f.subtitle}"),
            str(f.year or ""),
            normalise(f.authors[0]) if f.authors else "",
            normalise(f.publisher),
            normalise(f.edition),
        )
    )


# --------------------------------------------------------------------------- real sets (arabic/PROVENANCE.md)

# "Same editions across scripts": (label, members as (file part, 001 or OCLC number), remark).
# The first member is the UAE (aeadna) Arabic-script-only record.
XSCRIPT_EDITIONS: list[tuple[str, list[tuple[str, str]], str]] = [
    (
        "al-ʻIqd al-farīd 1940-1953",
        [
            ("aeadna_20200218", "2829"),
            ("LeBAU_20210420", "b12527464"),
            ("NNC_20180622_2", "ocm19387160"),
            ("NNC_20180622_0", "3076308"),
        ],
        "",
    ),
    ("Kitāb al-ʻUqūd al-luʼluʼīyah 1911", [("aeadna_20200218", "3072"), ("LeBAU_20170919", "b12685331")], ""),
    ("Kitāb al-Tawfīqāt al-ilhāmīyah 1893", [("aeadna_20200218", "6214"), ("NNU_20150902", "001684212")], ""),
    (
        "Sharḥ Dīwān Zuhayr 1944",
        [
            ("aeadna_20210614", "6237"),
            ("UaCaAUL_20200113_0", "b11749386"),
            ("UaCaAUL_20200113_2", "ocm28812012"),
            ("NNC_20190325_2", "ocm28812012"),
            ("NNC_20190325_0", "3073368"),
        ],
        "",
    ),
    ("al-ʻIqd al-farīd 2nd ed. 1953", [("aeadna_20210614", "5733"), ("LeBAU_20190821", "b12527427")], ""),
    (
        "Mirʼāt al-Ḥaramayn 1925",
        [
            ("aeadna_20210614", "3405"),
            ("NNC_20161024_2", "ocm24097042"),
            ("NNU_20150614", "001677684"),
            ("NNC_20161024_0", "2958145"),
        ],
        "",
    ),
    (
        "Nayl al-waṭar 1348-1350 H.",
        [("aeadna_20210614", "5736"), ("NNU_20151103", "001465375")],
        "Gregorian years differ by one",
    ),
    (
        "ʻAlá hāmish al-tārīkh al-Miṣrī al-qadīm 1940",
        [
            ("aeadna_20220503", "6638"),
            ("UaCaAUL_20190929_0", "b11932909"),
            ("UaCaAUL_20190929_2", "ocn145082485"),
        ],
        "vol. 2 record vs set record",
    ),
    (
        "al-Mukhtaṣar fī akhbār al-bashar 1907",
        [("aeadna_20220503", "6212"), ("LeBAU_20170605", "b12640566")],
        "",
    ),
    (
        "Kitāb Sulāfat al-ʻaṣr 1324 H.",
        [("aeadna_20220503", "6624"), ("LeBAU_20170919", "b12690405")],
        "1906 vs [1907]",
    ),
    (
        "al-Iṣābah fī tamyīz al-ṣaḥābah",
        [("aeadna_20220302", "6336"), ("NNU_20151103", "001496923")],
        "probable only (1905-1907 vs 1910)",
    ),
]
# Near misses: groups of records that are different editions of one work (every cross-group pair).
NEAR_MISSES: list[tuple[str, list[list[tuple[str, str]]]]] = [
    (
        "al-Muzhir: al-Maktabah al-Azharīyah vs Maṭbaʻat Ṣubayḥ, 1325 H.",
        [
            [("aeadna_20220708", "14629")],
            [("UaCaAUL_20190929_0", "b13039246"), ("UaCaAUL_20190929_2", "ocn318941418")],
        ],
    ),
    (
        "al-Mukhtaṣar fī akhbār al-bashar 1907 vs 1968",
        [
            [("aeadna_20220503", "6212"), ("LeBAU_20170605", "b12640566")],
            [("NIC_20160420_0", "3763919"), ("NIC_20160420_2", "ocm23515909")],
        ],
    ),
    (
        "al-ʻIqd al-farīd: 1903, 1928, 1940-1953, 1953 and al-ʻIqd al-farīd lil-malik al-saʻīd 1888",
        [
            [("aeadna_20210614", "6054")],
            [("NNC_20180622_0", "3076307")],
            [
                ("aeadna_20200218", "2829"),
                ("LeBAU_20210420", "b12527464"),
                ("NNC_20180622_2", "ocm19387160"),
                ("NNC_20180622_0", "3076308"),
            ],
            [("aeadna_20210614", "5733"), ("LeBAU_20190821", "b12527427")],
            [("NNC_20190325_0", "646257"), ("NNC_20190325_2", "ocm60601294")],
        ],
    ),
]


def _find(pool_index: dict[tuple[str, str], Rec], ref: tuple[str, str]) -> Rec | None:
    return pool_index.get(ref)


def _pool_index(pool: Sequence[Rec]) -> dict[tuple[str, str], Rec]:
    """(file part such as "LeBAU_20210420" or "NNC_20180622_2", local id) -> record."""
    index: dict[tuple[str, str], Rec] = {}
    for r in pool:
        m = re.match(r"arabic/marc21/aco_(.+?)_(\d)_(?:orig_recs|oclc_recs_batch)\.mrc$", r.source)
        if not m:
            continue
        base, part = m.group(1), m.group(2)
        index.setdefault((base, r.local_id), r)
        index.setdefault((f"{base}_{part}", r.local_id), r)
    return index


# --------------------------------------------------------------------------- universe


@dataclass
class Universe:
    records: list[Rec]  # one per edition
    oclc_groups: list[list[Rec]]  # records of the Arabic folder sharing an OCLC number (2+)
    xscript: list[tuple[str, list[Rec], str]]
    near_misses: list[tuple[str, list[list[Rec]]]]
    mined_near_misses: list[tuple[Rec, Rec]]


def build_universe(pool: Sequence[Rec], rng_seed: int, mined_cap: int = 300) -> Universe:
    index = _pool_index(pool)
    uf = _UnionFind(r.key for r in pool)
    _join_on(uf, ((f"oclc:{v}", r.key) for r in pool for v in r.fields.identifiers.get("oclc", ())))
    _join_on(uf, ((f"lccn:{v}", r.key) for r in pool for v in r.fields.identifiers.get("lccn", ())))
    _join_on(
        uf,
        ((f"isbn:{v}|{r.fields.year}", r.key) for r in pool for v in r.fields.identifiers.get("isbn", ())),
    )
    _join_on(uf, ((_description_key(r.fields), r.key) for r in pool))
    _join_lookalikes(uf, pool)
    xscript = []
    for label, refs, remark in XSCRIPT_EDITIONS:
        members = [m for m in (_find(index, ref) for ref in refs) if m]
        for m in members[1:]:
            uf.union(members[0].key, m.key)
        xscript.append((label, members, remark))
    by_key = {r.key: r for r in pool}
    universe = sorted((by_key[min(g)] for g in uf.groups().values()), key=lambda r: r.key)

    # Real duplicates: records of the Arabic folder sharing an OCLC number.
    arabic = [r for r in pool if r.stratum == "ara"]
    uf_oclc = _UnionFind(r.key for r in arabic)
    _join_on(uf_oclc, ((v, r.key) for r in arabic for v in r.fields.identifiers.get("oclc", ())))
    oclc_groups = sorted(
        ([by_key[k] for k in sorted(g)] for g in uf_oclc.groups().values() if len(g) > 1),
        key=lambda g: g[0].key,
    )

    near = []
    for label, groups in NEAR_MISSES:
        resolved = [[m for m in (_find(index, ref) for ref in group) if m] for group in groups]
        near.append((label, [g for g in resolved if g]))

    # Mined near misses: same title proper and first author, different OCLC numbers, years 2+ apart.
    by_title: dict[tuple[str, str], list[Rec]] = defaultdict(list)
    for r in universe:
        f = r.fields
        if f.authors and f.year and f.identifiers.get("oclc"):
            by_title[(normalise(f.title, strip_articles=True), normalise(f.authors[0]))].append(r)
    mined = []
    for members in by_title.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if abs(a.fields.year - b.fields.year) >= 2 and not set(a.fields.identifiers["oclc"]) & set(
                    b.fields.identifiers["oclc"]
                ):
                    mined.append((a, b))
    rng = random.Random(f"{rng_seed}:mined")
    if len(mined) > mined_cap:
        mined = sorted(rng.sample(mined, mined_cap), key=lambda p: (p[0].key, p[1].key))
    return Universe(universe, oclc_groups, xscript, near, mined)


# --------------------------------------------------------------------------- text helpers

_ARABIC_RANGES = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
_LATIN_LOWER = "abcdefghijklmnopqrstuvwxyz"
_ARABIC_LETTERS = "بتثجحخدذرزسشصضطظعغفقكلمنهوي"


def is_arabic_char(ch: str) -> bool:
    return any(lo <= ord(ch) <= hi for lo, hi in _ARABIC_RANGES)


def has_arabic(text: str) -> bool:
    return any(is_arabic_char(ch) and ch.isalpha() for ch in text)


def has_latin(text: str) -> bool:
    return any(ch.isalpha() and "LATIN" in unicodedata.name(ch, "") for ch in text)


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch) in ("Lu", "Ll", "Lo", "Lt")


def title_words(title: str) -> list[tuple[int, str]]:
    """(index in ``title.split(' ')``, token) of the tokens that hold a letter: the title's words."""
    return [(i, t) for i, t in enumerate(title.split(" ")) if any(_is_letter(ch) for ch in t)]


def _clusters(token: str) -> list[str]:
    """A token cut into base characters each followed by its combining marks."""
    out: list[str] = []
    for ch in token:
        if out and unicodedata.combining(ch):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _script_name(ch: str) -> str:
    return unicodedata.name(ch, "?").split(" ")[0]


def _replacements(base: str, alphabet: str) -> str:
    """Letters that may replace ``base``: of its own script (Latin and Arabic letters, else the other
    letters of the same script found in ``alphabet``, the title)."""
    if is_arabic_char(base):
        return _ARABIC_LETTERS
    script = _script_name(base)
    if script == "LATIN":
        return _LATIN_LOWER
    same = "".join(sorted({ch for ch in alphabet if _is_letter(ch) and _script_name(ch) == script} - {base}))
    return same or base


def typo(word: str, rng: random.Random, alphabet: str = "") -> str:
    """One letter of ``word`` substituted (by a letter of the same script; ``alphabet``, the whole
    title, supplies those of scripts other than Latin and Arabic), dropped, or swapped with its
    neighbour; the normalised word always changes."""
    alphabet = alphabet or word
    for _ in range(50):
        parts = _clusters(word)
        letters = [i for i, p in enumerate(parts) if _is_letter(p[0])]
        ops = ["sub"]
        if len(letters) >= 2:
            ops += ["drop", "swap"]
        op = rng.choice(ops)
        i = rng.choice(letters)
        if op == "drop":
            del parts[i]
        elif op == "swap":
            pairs = [(a, b) for a, b in itertools.pairwise(letters) if b == a + 1]
            if not pairs:
                continue
            a, b = rng.choice(pairs)
            parts[a], parts[b] = parts[b], parts[a]
        else:
            base = parts[i][0]
            new = rng.choice(_replacements(base, alphabet))
            parts[i] = (new.upper() if base.isupper() else new) + parts[i][1:]
        candidate = "".join(parts)
        if normalise(candidate) != normalise(word) and normalise(candidate):
            return candidate
    raise ValueError(f"no typo found for {word!r}")


# --------------------------------------------------------------------------- variant kinds


@dataclass
class Kind:
    name: str
    positive: bool
    label: str


@dataclass
class Context:
    keep_identifiers: bool
    authors_by_script: dict[str, list[tuple[str, list[str], list[str]]]] = field(default_factory=dict)


def _base_copy(rec: Rec, ctx: Context) -> BibFields:
    fields = copy.deepcopy(rec.fields)
    if not ctx.keep_identifiers:
        fields.identifiers = {}
    return fields


def _original_script(fields: BibFields) -> dict[str, list[str]] | None:
    return getattr(fields, "original_script", None)


def _script(text: str) -> str:
    return "arabic" if has_arabic(text) and not has_latin(text) else "latin"


def _language(fields: BibFields) -> str:
    return fields.languages[0] if fields.languages else ""


def variant_typo(position: int) -> Callable[[Rec, random.Random, Context], BibFields | None]:
    def make(rec: Rec, rng: random.Random, ctx: Context) -> BibFields | None:
        tokens = rec.fields.title.split(" ")
        words = title_words(rec.fields.title)
        if len(words) < position:
            return None
        index, word = words[position - 1]
        fields = _base_copy(rec, ctx)
        tokens[index] = typo(word, rng, rec.fields.title)
        fields.title = " ".join(tokens)
        return fields

    return make


def variant_no_subtitle(rec: Rec, rng: random.Random, ctx: Context) -> BibFields | None:
    if not normalise(rec.fields.subtitle):
        return None
    fields = _base_copy(rec, ctx)
    fields.subtitle = ""
    # A cataloguer leaving out the subtitle leaves it out in both scripts (880 245 = "title : subtitle").
    fields.parallel_titles = [t.split(" : ", 1)[0] for t in fields.parallel_titles]
    return fields


_LATIN_ARTICLES = {
    "fre": ("Le", "La", "Les", "Un", "Une"),
    "eng": ("The", "A", "An"),
    "ger": ("Der", "Die", "Das"),
    "spa": ("El", "La", "Los", "Las"),
    "ita": ("Il", "Lo", "La", "Gli", "Le"),
}


def drop_article(title: str, language: str, romanised_arabic: bool) -> str | None:
    """``title`` without its leading article, or None when it has none."""
    if has_arabic(title[:1]) or (title and is_arabic_char(title[0])):
        first, _, rest = title.partition(" ")
        if first.startswith("ال") and len(first) > 4:
            return first[2:] + (" " + rest if rest else "")
        return None
    m = re.match(r"(?i)^(l['’ʼ])(\w)", title)
    if m and language in ("fre", "ita", ""):
        rest = title[len(m.group(1)) :]
        return rest[:1].upper() + rest[1:]
    if romanised_arabic:
        m = re.match(r"(?i)^(al|el)-(\S)", title)
        if m:
            rest = title[3:]
            return (
                rest[:1].upper() + rest[1:] if rest[:1].isalpha() else rest[:1] + rest[1:2].upper() + rest[2:]
            )
        return None
    first, _, rest = title.partition(" ")
    if rest and first in _LATIN_ARTICLES.get(language, ()):
        return rest[:1].upper() + rest[1:]
    return None


def variant_no_article(rec: Rec, rng: random.Random, ctx: Context) -> BibFields | None:
    romanised_arabic = _language(rec.fields) == "ara" or rec.stratum == "ara"
    title = drop_article(rec.fields.title, _language(rec.fields), romanised_arabic)
    if not title or not normalise(title):
        return None
    fields = _base_copy(rec, ctx)
    fields.title = title
    return fields


_PARTICLES = frozenset(
    {
        "de",
        "du",
        "des",
        "d'",
        "von",
        "van",
        "der",
        "den",
        "ibn",
        "bin",
        "bint",
        "ben",
        "y",
        "e",
        "da",
        "di",
        "la",
        "le",
        "al",
        "el",
        "abu",
        "abū",
    }
)


def initials(name: str) -> str | None:
    """ "Dupont, Jean-Pierre" -> "Dupont, J.-P."; None when the forenames are not Latin words or are
    initials already."""
    surname, comma, rest = name.partition(",")
    forenames, comma2, titles = rest.partition(",")  # "Fréminville, Christophe Paulin, chevalier de"
    forenames = forenames.strip().rstrip(".")
    if not comma or not forenames or not has_latin(forenames) or has_arabic(forenames):
        return None
    changed = False
    out = []
    for word in forenames.split():
        if word.lower().strip("ʻʼ'") in _PARTICLES or word.lower().startswith(("al-", "el-")):
            out.append(word)
            continue
        parts = []
        for piece in word.split("-"):
            letters = [ch for ch in piece if _is_letter(ch)]
            if len(letters) >= 2 and not piece.endswith("."):
                first = next(i for i, ch in enumerate(piece) if _is_letter(ch))
                parts.append(piece[: first + 1] + ".")
                changed = True
            else:
                parts.append(piece)
        out.append("-".join(parts))
    return f"{surname.strip()}, {' '.join(out)}{comma2}{titles}" if changed else None


def variant_initials(rec: Rec, rng: random.Random, ctx: Context) -> BibFields | None:
    if not rec.fields.authors:
        return None
    name = initials(rec.fields.authors[0])
    if not name:
        return None
    fields = _base_copy(rec, ctx)
    fields.authors = [name, *fields.authors[1:]]
    return fields


_GENERIC_PUBLISHER_WORDS = (
    r"[ÉE]ditions?|Librairie|Verlag|Verlagsbuchhandlung|Press|Publishing|Publishers?|Imprimerie|"
    r"D[āa]r|Ma[ṭt]ba[ʻ‘'`]?at|Maktabat|Presses|Inc\.?|Ltd\.?|Co\.|& Co\.?|S\.A\.?|GmbH"
)
_ABBREVIATIONS = (
    (r"\bImprimerie\b", "Impr."),
    (r"\bLibrairie\b", "Libr."),
    (r"\b[ÉE]ditions\b", "Éd."),
    (r"\bPresses universitaires\b", "PU"),
    (r"\bUniversit[éy]\b", "Univ."),
    (r"\bUniversity\b", "Univ."),
    (r"\bCompany\b", "Co."),
    (r"\bSoci[ée]t[ée]\b", "Soc."),
    (r"\bVerlag\b", "Vlg."),
)
# Names that are shortened to their initials (PUF, OPU, UNAM, CNRS): those of institutions.
_INSTITUTIONAL = (
    r"(?i)\b(presses|press|universit\w*|institut\w*|soci[ée]t\w*|office|cent(re|er|ro)|nationale?|national)\b"
)
_ACRONYM_STOP = frozenset(
    {"de", "du", "des", "la", "le", "les", "l'", "d'", "of", "the", "and", "et", "für", "und", "&"}
)


def publisher_forms(publisher: str, acronym: bool = True) -> list[tuple[str, str]]:
    """(rule, other form) of a publisher name: generic words dropped, abbreviated, acronym (not for
    romanised Arabic names: ``acronym`` False)."""
    forms: list[tuple[str, str]] = []
    if has_arabic(publisher):
        first, _, rest = publisher.strip().partition(" ")
        if first in ("دار", "مطبعة", "مكتبة", "المطبعة", "منشورات") and normalise(rest):
            forms.append(("drop", rest))
        return forms
    dropped = re.sub(rf"(?i)(^|\s)({_GENERIC_PUBLISHER_WORDS})(?=\s|$|,)", " ", publisher)
    dropped = re.sub(r"\s+", " ", dropped).strip(" ,")
    if normalise(dropped) and normalise(dropped) != normalise(publisher):
        forms.append(("drop", dropped))
    abbreviated = publisher
    for pattern, short in _ABBREVIATIONS:
        abbreviated = re.sub(pattern, short, abbreviated)
    if abbreviated != publisher:
        forms.append(("abbreviate", abbreviated))
    words = [w for w in publisher.split() if w.lower() not in _ACRONYM_STOP]
    full_words = all(_is_letter(w[0]) and len(w) >= 3 and "." not in w for w in words)
    institutional = re.search(_INSTITUTIONAL, publisher)
    if acronym and institutional and len(words) >= 3 and full_words and has_latin(publisher):
        forms.append(("acronym", "".join(w[0].upper() for w in words)))
    return forms


def variant_publisher(rec: Rec, rng: random.Random, ctx: Context) -> BibFields | None:
    forms = publisher_forms(
        rec.fields.publisher, acronym=rec.stratum != "ara" and _language(rec.fields) != "ara"
    )
    if not forms:
        return None
    fields = _base_copy(rec, ctx)
    fields.publisher = rng.choice(forms)[1]
    return fields


# Arabic-script version of a romanised record with linked 880 fields (on the MARC record).
_HEADING_TAGS = re.compile(r"^(1\d\d|240|245|246|250|260|264|490|7\d\d|8[0-3]\d)$")
_IDENTIFIER_TAGS = ("010", "015", "016", "019", "020", "022", "024", "035")


def arabic_script_marc(raw: bytes, keep_identifiers: bool = False) -> bytes | None:
    """The record an Arabic-script library would make: every field linked to an 880 holding Arabic
    script replaced by it, the 880s dropped, and the romanised headings left without an Arabic form
    dropped. None when the title has no linked Arabic 880."""
    import pymarc

    record = pymarc.Record(data=raw, to_unicode=True, force_utf8=True)
    linked: dict[tuple[str, str], pymarc.Field] = {}
    for fld in record.get_fields("880"):
        link = fld.get("6") or ""
        m = re.match(r"^(\d{3})-(\d\d)", link)
        if m and m.group(2) != "00":
            linked.setdefault((m.group(1), m.group(2)), fld)
    title = record.get("245")
    if title is None:
        return None
    m = re.match(r"^880-(\d\d)", title.get("6") or "")
    alt = linked.get(("245", m.group(1))) if m else None
    if alt is None or not has_arabic(" ".join(alt.get_subfields("a"))):
        return None
    keep: list[pymarc.Field] = []
    for fld in record.fields:
        if fld.tag == "880":
            continue
        if fld.is_control_field():
            keep.append(fld)
            continue
        if not keep_identifiers and fld.tag in _IDENTIFIER_TAGS:
            continue
        m = re.match(r"^880-(\d\d)", fld.get("6") or "")
        alt = linked.get((fld.tag, m.group(1))) if m else None
        if alt is not None and has_arabic(alt.value()):
            subfields = [sf for sf in alt.subfields if sf.code != "6"]
            keep.append(pymarc.Field(tag=fld.tag, indicators=list(alt.indicators), subfields=subfields))
            continue
        subfields = [sf for sf in fld.subfields if sf.code != "6"]
        if _HEADING_TAGS.match(fld.tag) and has_latin(" ".join(sf.value for sf in subfields)):
            continue  # a romanised heading with no Arabic form: an Arabic-script library has none
        keep.append(pymarc.Field(tag=fld.tag, indicators=list(fld.indicators), subfields=subfields))
    record.fields = keep
    return record.as_marc()


def variant_arabic_script(rec: Rec, rng: random.Random, ctx: Context) -> BibFields | None:
    if not rec.raw:
        return None
    data = arabic_script_marc(rec.raw, ctx.keep_identifiers)
    if data is None:
        return None
    _, records = read_records(data, "arabic-script.mrc")
    parsed = [r for r in records if isinstance(r, ParsedRecord)]
    if not parsed or has_latin(parsed[0].fields.title) or not normalise(parsed[0].fields.title):
        return None
    fields = parsed[0].fields
    if not ctx.keep_identifiers:
        fields.identifiers = {}
    return fields


# Negatives.
_ARABIC_ORDINALS = {
    2: "الثانية",
    3: "الثالثة",
    4: "الرابعة",
    5: "الخامسة",
    6: "السادسة",
    7: "السابعة",
    8: "الثامنة",
    9: "التاسعة",
    10: "العاشرة",
}
_ORDINAL_WORDS = {
    "first": 1,
    "premiere": 1,
    "1re": 1,
    "1er": 1,
    "ula": 1,
    "second": 2,
    "deuxieme": 2,
    "thaniyah": 2,
    "thaniya": 2,
    "third": 3,
    "troisieme": 3,
    "thalithah": 3,
}


def _number_in(statement: str) -> int:
    text = normalise(statement)
    m = re.search(r"\d+", text)
    if m:
        return int(m.group(0))
    for word in text.split():
        if word in _ORDINAL_WORDS:
            return _ORDINAL_WORDS[word]
    return 1


def edition_statement(n: int, fields: BibFields) -> tuple[str, str | None]:
    """(statement in the record's script and language, Arabic-script form for a romanised record)."""
    arabic_form = f"الطبعة {_ARABIC_ORDINALS.get(n, str(n))}"
    if _script(fields.title) == "arabic":
        return arabic_form, None
    language = _language(fields)
    if language == "ara":
        return f"al-Ṭabʻah {n}.", arabic_form
    if language == "fre":
        return f"{n}e éd.", None
    if language == "ger":
        return f"{n}. Aufl.", None
    if language in ("spa", "ita", "por"):
        return f"{n}a ed.", None
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(n if n < 20 else n % 10, "th")
    return f"{n}{suffix} ed.", None


def variant_other_edition(rec: Rec, rng: random.Random, ctx: Context) -> BibFields | None:
    if not rec.fields.year:
        return None
    fields = _base_copy(rec, ctx)
    n = _number_in(fields.edition) + 1 if fields.edition else 2
    fields.edition, arabic_form = edition_statement(n, fields)
    fields.year = rec.fields.year + rng.randint(1, 10)
    original = _original_script(fields)
    if original is not None and (original or arabic_form):
        original.pop("edition", None)
        if arabic_form and any(has_arabic(t) for t in fields.parallel_titles):
            original["edition"] = [arabic_form]
    return fields


_VOLUME = re.compile(r"(?i)\b(?:vol|volume|v|tome|t|band|bd|teil|part|pt|juzʼ|juz'|juz|al-juzʼ)\.?\s*(\d+)")


def variant_other_volume(rec: Rec, rng: random.Random, ctx: Context) -> BibFields | None:
    fields = _base_copy(rec, ctx)
    m = _VOLUME.search(fields.title)
    n = int(m.group(1)) + 1 if m else 2
    language = _language(fields)
    if _script(fields.title) == "arabic":
        label = "الجزء"
    elif language == "ara":
        label = "al-Juzʼ"
    elif language == "fre":
        label = "Tome"
    elif language == "ger":
        label = "Bd."
    else:
        label = "Vol."
    fields.title = f"{fields.title.rstrip(' .')}. {label} {n}"
    fields.parallel_titles = [
        f"{t.rstrip(' .')} الجزء {n}" if _script(t) == "arabic" else f"{t.rstrip(' .')}. {label} {n}"
        for t in fields.parallel_titles
    ]
    return fields


def variant_other_author(rec: Rec, rng: random.Random, ctx: Context) -> BibFields | None:
    if not rec.fields.authors:
        return None
    mine = normalise(rec.fields.authors[0].split(",")[0].split("،")[0])
    candidates = ctx.authors_by_script.get(f"{rec.stratum}:{_script(rec.fields.authors[0])}", [])
    if not candidates:
        return None
    for _ in range(20):
        key, authors, original = rng.choice(candidates)
        theirs = normalise(authors[0].split(",")[0].split("،")[0])
        if key != rec.key and theirs and theirs != mine:
            break
    else:
        return None
    fields = _base_copy(rec, ctx)
    fields.authors = list(authors)
    script = _original_script(fields)
    if script is not None:
        script.pop("author", None)
        if original:
            script["author"] = list(original)
    return fields


def variant_reprint(rec: Rec, rng: random.Random, ctx: Context) -> BibFields | None:
    if not rec.fields.year:
        return None
    fields = _base_copy(rec, ctx)
    fields.year = rec.fields.year + 5
    return fields


KINDS: list[tuple[Kind, Callable[[Rec, random.Random, Context], BibFields | None]]] = [
    *[(Kind(f"typo-word-{k}", True, f"one typo in title word {k}"), variant_typo(k)) for k in range(1, 6)],
    (Kind("subtitle-dropped", True, "subtitle left out"), variant_no_subtitle),
    (Kind("article-dropped", True, "leading article left out"), variant_no_article),
    (Kind("author-initials", True, "first author's forenames as initials"), variant_initials),
    (
        Kind("publisher-form", True, "publisher: generic words dropped / abbreviated / acronym"),
        variant_publisher,
    ),
    (
        Kind("arabic-script-only", True, "romanised + 880 record as an Arabic-script library makes it"),
        variant_arabic_script,
    ),
    (Kind("other-edition", False, "another edition (year and edition statement)"), variant_other_edition),
    (Kind("other-volume", False, "another volume of the set"), variant_other_volume),
    (Kind("other-author", False, "same title, another author"), variant_other_author),
    (Kind("reprint-plus-5", False, "reprint five years later"), variant_reprint),
]
KIND_NAMES = [k.name for k, _ in KINDS]


def make_context(universe: Sequence[Rec], keep_identifiers: bool) -> Context:
    ctx = Context(keep_identifiers=keep_identifiers)
    by_script: dict[str, list[tuple[str, list[str], list[str]]]] = defaultdict(list)
    for r in universe:
        if r.fields.authors:
            original = (_original_script(r.fields) or {}).get("author", [])
            by_script[f"{r.stratum}:{_script(r.fields.authors[0])}"].append(
                (r.key, r.fields.authors, original)
            )
    ctx.authors_by_script = dict(by_script)
    return ctx


def generate(
    kind: str, universe: Sequence[Rec], per_kind: int, seed: int, ctx: Context
) -> list[tuple[Rec, BibFields]]:
    """Up to ``per_kind`` (original, variant) of one kind; seeded, stratified by :data:`QUOTA`."""
    make = dict((k.name, f) for k, f in KINDS)[kind]
    rng = random.Random(f"{seed}:{kind}")
    by_stratum: dict[str, list[Rec]] = {s: [] for s in STRATA}
    for r in universe:
        by_stratum[r.stratum].append(r)
    for members in by_stratum.values():
        rng.shuffle(members)
    chosen: list[tuple[Rec, BibFields]] = []
    leftovers: list[Rec] = []
    for stratum in STRATA:
        quota = round(per_kind * QUOTA[stratum])
        taken = 0
        members = by_stratum[stratum]
        for i, r in enumerate(members):
            if taken >= quota:
                leftovers.extend(members[i:])
                break
            variant = make(r, rng, ctx)
            if variant is not None:
                chosen.append((r, variant))
                taken += 1
    rng.shuffle(leftovers)
    for r in leftovers:
        if len(chosen) >= per_kind:
            break
        variant = make(r, rng, ctx)
        if variant is not None:
            chosen.append((r, variant))
    return chosen


# --------------------------------------------------------------------------- record sets and scoring


@dataclass
class RecordSet:
    """One clustering run: the records, and what is known of them."""

    name: str
    positive: bool | None  # None: a real set holding both
    records: list[tuple[str, BibFields]]
    positives: list[tuple[str, str]]  # pairs that must be joined
    negatives: list[tuple[str, str]]  # pairs that must not be
    focus: dict[str, set[str]]  # record -> the records it truly is (for precision)
    strata: dict[str, str] = field(default_factory=dict)  # pair's first key -> stratum
    labels: dict[tuple[str, str], str] = field(default_factory=dict)  # pair -> what it is (real sets)


def variant_set(kind: Kind, universe: Sequence[Rec], pairs: list[tuple[Rec, BibFields]]) -> RecordSet:
    records = [(r.key, r.fields) for r in universe]
    positives, negatives, focus, strata = [], [], {}, {}
    for original, variant in pairs:
        vkey = f"V|{original.key}"
        records.append((vkey, variant))
        (positives if kind.positive else negatives).append((original.key, vkey))
        focus[vkey] = {original.key} if kind.positive else set()
        strata[original.key] = original.stratum
    return RecordSet(kind.name, kind.positive, records, positives, negatives, focus, strata)


def _strip_ids(fields: BibFields) -> BibFields:
    out = copy.deepcopy(fields)
    out.identifiers = {}
    return out


def _batch(rec: Rec) -> str:
    """ "arabic/marc21/aco_NNC_20180622_2_oclc_recs_batch.mrc" -> "NNC_20180622_2"."""
    return re.sub(r"^.*aco_|_(orig_recs|oclc_recs_batch)\.mrc$", "", rec.source)


def real_sets(u: Universe) -> list[RecordSet]:
    universe_keys = {r.key for r in u.records}
    sets = []
    # Cross-script editions and near misses of arabic/PROVENANCE.md, with their real identifiers.
    extra = {m.key: m for _, members, _ in u.xscript for m in members}
    extra.update({m.key: m for _, groups in u.near_misses for g in groups for m in g})
    records = [(r.key, r.fields) for r in u.records] + [
        (k, m.fields) for k, m in sorted(extra.items()) if k not in universe_keys
    ]
    positives, negatives, focus, labels = [], [], {}, {}
    for label, members, remark in u.xscript:
        uae = members[0]
        for m in members[1:]:
            positives.append((uae.key, m.key))
            situation = "880" if any(has_arabic(t) for t in m.fields.parallel_titles) else "romanised only"
            labels[(uae.key, m.key)] = (
                f"{label}: UAE {uae.local_id} ↔ {_batch(m)} {m.local_id}"
                f" ({situation}{'; ' + remark if remark else ''})"
            )
        focus[uae.key] = {m.key for m in members[1:]}
    for label, groups in u.near_misses:
        for i, ga in enumerate(groups):
            for gb in groups[i + 1 :]:
                for a in ga:
                    for b in gb:
                        negatives.append((a.key, b.key))
                        labels[(a.key, b.key)] = label
    sets.append(RecordSet("real-cross-script", None, records, positives, negatives, focus, labels=labels))

    # One edition catalogued twice (shared OCLC number), identifiers hidden on both records.
    members = {m.key for g in u.oclc_groups for m in g}
    records = [(r.key, r.fields) for r in u.records if r.key not in members]
    records += [(m.key, _strip_ids(m.fields)) for g in u.oclc_groups for m in g]
    positives, focus = [], {}
    for g in u.oclc_groups:
        keys = [m.key for m in g]
        positives.extend((a, b) for i, a in enumerate(keys) for b in keys[i + 1 :])
        for k in keys:
            focus[k] = set(keys) - {k}
    sets.append(RecordSet("real-same-oclc", True, records, positives, [], focus))
    return sets


def background_set(u: Universe) -> RecordSet:
    negatives = [(a.key, b.key) for a, b in u.mined_near_misses]
    return RecordSet("universe", False, [(r.key, r.fields) for r in u.records], [], negatives, {})


@dataclass
class Score:
    designed: int = 0
    joined: int = 0
    wrong: int = 0  # pairs a focus record forms with a cluster not holding its true partner
    by_stratum: dict[str, list[int]] = field(default_factory=dict)  # stratum -> [designed, joined]

    @property
    def rate(self) -> float:
        return self.joined / self.designed if self.designed else 0.0

    @property
    def precision(self) -> float:
        found = self.joined + self.wrong
        return self.joined / found if found else 1.0


def score(rs: RecordSet, cluster_of: dict[str, int], sizes: dict[int, int], positive: bool) -> Score:
    pairs = rs.positives if positive else rs.negatives
    s = Score(designed=len(pairs))
    for a, b in pairs:
        together = cluster_of[a] == cluster_of[b]
        s.joined += together
        counts = s.by_stratum.setdefault(rs.strata.get(a, "real"), [0, 0])
        counts[0] += 1
        counts[1] += together
    if positive:
        for key, partners in rs.focus.items():
            c = cluster_of[key]
            if partners and not any(cluster_of[p] == c for p in partners):
                s.wrong += sizes[c] - 1
    return s


def components(
    keys: Sequence[str], links: Iterable[tuple[str, str]]
) -> tuple[dict[str, int], dict[int, int]]:
    uf = _UnionFind(keys)
    for a, b in links:
        uf.union(a, b)
    ids: dict[str, int] = {}
    cluster_of = {}
    for k in keys:
        root = uf.find(k)
        cluster_of[k] = ids.setdefault(root, len(ids))
    sizes: dict[int, int] = defaultdict(int)
    for c in cluster_of.values():
        sizes[c] += 1
    return cluster_of, sizes


def background_pairs(sizes: dict[int, int]) -> int:
    """Pairs of universe records joined (undetected real duplicates or false merges)."""
    return sum(n * (n - 1) // 2 for n in sizes.values())


# --------------------------------------------------------------------------- Khizana


def load_matcher(path: str | None):
    if not path:
        from khizana.catalog import matching

        return matching
    spec = importlib.util.spec_from_file_location("khizana.catalog._bench_matching", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def run_khizana(matching, rs: RecordSet) -> tuple[dict[str, int], dict[int, int], float, float]:
    """Cluster of every record, cluster sizes, wall and CPU seconds of match_record + cluster."""
    start, cpu = time.perf_counter(), time.process_time()
    records = [matching.match_record(key, fields) for key, fields in rs.records]
    clustering = matching.cluster(records)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    cluster_of: dict[str, int] = {}
    for i, members in enumerate(clustering.clusters):
        for key in members:
            cluster_of[key] = i
    sizes = {i: len(m) for i, m in enumerate(clustering.clusters)}
    return cluster_of, sizes, seconds, cpu


# --------------------------------------------------------------------------- Splink


def splink_available() -> bool:
    try:
        import duckdb  # noqa: F401
        import splink  # noqa: F401
    except ImportError:
        return False
    return True


def _first_word(text: str) -> str | None:
    return text.split(" ", 1)[0] if text else None


def splink_rows(rs: RecordSet) -> list[dict]:
    rows = []
    for key, f in rs.records:
        title = normalise(f"{f.title} {f.subtitle}", strip_articles=True)
        alt = next((normalise(t, strip_articles=True) for t in f.parallel_titles if normalise(t)), "")
        author = normalise(f.authors[0]) if f.authors else ""
        original = _original_script(f) or {}
        other_script = [a for a in f.authors[1:] if f.authors and _script(a) != _script(f.authors[0])]
        alt_author = normalise(next(iter(original.get("author") or other_script), ""))
        alt_publisher = normalise(next(iter(original.get("publisher") or ()), ""), strip_articles=True)
        edition = re.search(r"\d+", normalise(f.edition))
        ids = sorted(
            f"{scheme}:{v}"
            for scheme in ("isbn", "issn", "lccn", "oclc", "nbn")
            for v in f.identifiers.get(scheme, ())
        )
        rows.append(
            {
                "unique_id": key,
                "title": title or None,
                "alt_title": alt or None,
                "t1": _first_word(title),
                "alt_t1": _first_word(alt),
                "author": author or None,
                "alt_author": alt_author or None,
                "surname": _first_word(normalise(re.split(r"[,،]", f.authors[0])[0])) if f.authors else None,
                "publisher": normalise(f.publisher, strip_articles=True) or None,
                "alt_publisher": alt_publisher or None,
                "year": f.year,
                "edition": edition.group(0).lstrip("0") if edition else (normalise(f.edition) or None),
                "ids": ids or None,
            }
        )
    return rows


def _cross(column: str) -> str:
    """SQL: the value of one record equals the other's form in another script (880)."""
    return f"({column}_l = alt_{column}_r OR alt_{column}_l = {column}_r OR alt_{column}_l = alt_{column}_r)"


def splink_settings():
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    cross = _cross("title")
    cross_jw = (
        "("
        + " OR ".join(
            f"jaro_winkler_similarity({a}, {b}) >= 0.9"
            for a, b in (
                ("title_l", "alt_title_r"),
                ("alt_title_l", "title_r"),
                ("alt_title_l", "alt_title_r"),
            )
        )
        + ")"
    )
    title = cl.CustomComparison(
        output_column_name="title",
        comparison_levels=[
            cll.NullLevel("title"),
            cll.ExactMatchLevel("title"),
            cll.CustomLevel(cross, "same title across scripts"),
            cll.JaroWinklerLevel("title", 0.97),
            cll.LevenshteinLevel("title", 2),
            cll.JaroWinklerLevel("title", 0.9),
            cll.CustomLevel(cross_jw, "close title across scripts"),
            cll.JaroWinklerLevel("title", 0.8),
            cll.ElseLevel(),
        ],
    )
    author = cl.CustomComparison(
        output_column_name="author",
        comparison_levels=[
            cll.NullLevel("author"),
            cll.ExactMatchLevel("author"),
            cll.CustomLevel(_cross("author"), "same author across scripts"),
            cll.JaroWinklerLevel("author", 0.92),
            cll.ExactMatchLevel("surname"),
            cll.JaroWinklerLevel("author", 0.8),
            cll.ElseLevel(),
        ],
    )
    publisher = cl.CustomComparison(
        output_column_name="publisher",
        comparison_levels=[
            cll.NullLevel("publisher"),
            cll.ExactMatchLevel("publisher"),
            cll.CustomLevel(_cross("publisher"), "same publisher across scripts"),
            cll.JaroWinklerLevel("publisher", 0.92),
            cll.JaroWinklerLevel("publisher", 0.75),
            cll.ElseLevel(),
        ],
    )
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            title,
            author,
            publisher,
            cl.CustomComparison(
                output_column_name="year",
                comparison_levels=[
                    cll.NullLevel("year"),
                    cll.ExactMatchLevel("year"),
                    cll.AbsoluteDifferenceLevel("year", 1),  # Hijri conversions differ by one
                    cll.ElseLevel(),
                ],
            ),
            cl.ExactMatch("edition"),
            cl.ArrayIntersectAtSizes("ids", [1]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("year", "t1"),
            block_on("year", "surname"),
            block_on("ids", arrays_to_explode=["ids"]),
            "l.year = r.year AND l.alt_t1 = r.t1",
            "l.year = r.year AND l.t1 = r.alt_t1",
        ],
        retain_intermediate_calculation_columns=False,
    )


def train_splink(rows: list[dict], seed: int, u_pairs: float) -> tuple[dict, float, float]:
    """A trained model (Splink settings dict) and the wall and CPU seconds training took: u by random
    sampling, the prior from two deterministic rules, m by EM on two blocking rules."""
    from splink import DuckDBAPI, Linker, block_on

    start, cpu = time.perf_counter(), time.process_time()
    linker = Linker(DuckDBAPI().register(rows), splink_settings(), log_level=logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        linker.training.estimate_probability_two_random_records_match(
            [
                block_on("ids", arrays_to_explode=["ids"]),
                "l.title = r.title AND l.year = r.year AND l.author = r.author",
            ],
            recall=0.7,
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed)
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("year", "t1"))
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
        model = linker.misc.save_model_to_json()
    return model, time.perf_counter() - start, time.process_time() - cpu


def run_splink(model: dict, rs: RecordSet) -> tuple[list[tuple[str, str, float]], float, float]:
    """Scored pairs (match probability >= 0.01) of one record set, and the wall and CPU seconds."""
    from splink import DuckDBAPI, Linker

    start, cpu = time.perf_counter(), time.process_time()
    linker = Linker(DuckDBAPI().register(splink_rows(rs)), copy.deepcopy(model), log_level=logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = linker.inference.predict(threshold_match_probability=0.01).as_pyarrow_table()
    pairs = list(
        zip(
            table.column("unique_id_l").to_pylist(),
            table.column("unique_id_r").to_pylist(),
            table.column("match_probability").to_pylist(),
            strict=True,
        )
    )
    return pairs, time.perf_counter() - start, time.process_time() - cpu


def best_f1_threshold(runs: Sequence[tuple[RecordSet, list[tuple[str, str, float]]]]) -> tuple[float, float]:
    """The match probability with the best pairwise F1 over the designed pairs of every set (pairs a
    focus record forms with any record other than its partners count as false)."""
    labelled: list[tuple[float, int]] = []
    wanted = 0
    for rs, pairs in runs:
        positive = {frozenset(p) for p in rs.positives}
        negative = {frozenset(p) for p in rs.negatives}
        wanted += len(positive)
        focus = set(rs.focus)
        for a, b, p in pairs:
            pair = frozenset((a, b))
            if pair in positive:
                labelled.append((p, 1))
            elif a in focus or b in focus or pair in negative:
                labelled.append((p, 0))
    labelled.sort(key=lambda x: -x[0])
    best = (SPLINK_THRESHOLD, 0.0)
    tp = fp = 0
    for i, (p, label) in enumerate(labelled):
        tp += label
        fp += 1 - label
        if i + 1 < len(labelled) and labelled[i + 1][0] == p:
            continue
        f1 = 2 * tp / (2 * tp + fp + (wanted - tp)) if wanted else 0.0
        if f1 > best[1]:
            best = (p, f1)
    return best


# --------------------------------------------------------------------------- report


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


@dataclass
class Row:
    name: str
    positive: bool
    pairs: int
    khizana: Score
    splink: dict[str, Score] = field(default_factory=dict)

    def cell(self, s: Score | None) -> str:
        if s is None:
            return "-"
        if self.positive:
            return f"R {s.rate:.3f} · P {s.precision:.3f}"
        return f"FM {s.rate:.3f}"

    def line(self, with_splink: bool) -> str:
        cells = [self.name, "+" if self.positive else "−", str(self.pairs), self.cell(self.khizana)]
        if with_splink:
            cells += [self.cell(self.splink.get("p0.9")), self.cell(self.splink.get("best"))]
        return "| " + " | ".join(cells) + " |"

    def as_dict(self) -> dict:
        def d(s: Score) -> dict:
            out: dict = {"designed": s.designed, "joined": s.joined, "by_stratum": s.by_stratum}
            if self.positive:
                out |= {
                    "recall": round(s.rate, 4),
                    "precision": round(s.precision, 4),
                    "wrong_pairs": s.wrong,
                }
            else:
                out["false_merge_rate"] = round(s.rate, 4)
            return out

        return {
            "kind": self.name,
            "positive": self.positive,
            "pairs": self.pairs,
            "khizana": d(self.khizana),
            "splink": {k: d(v) for k, v in self.splink.items()},
        }


@dataclass
class Run:
    """One record set clustered by each engine."""

    rs: RecordSet
    khizana: tuple[dict[str, int], dict[int, int]]
    khizana_seconds: tuple[float, float]  # wall, CPU
    splink_pairs: list[tuple[str, str, float]] = field(default_factory=list)
    splink_seconds: tuple[float, float] | None = None
    splink: dict[str, tuple[dict[str, int], dict[int, int]]] = field(default_factory=dict)


def row_name(rs: RecordSet, positive: bool) -> str:
    if rs.name == "universe":
        return "real near misses (same title + author, other OCLC number, years 2+ apart)"
    if rs.name == "real-cross-script":
        return "real cross-script editions (PROVENANCE)" if positive else "real near misses (PROVENANCE)"
    if rs.name == "real-same-oclc":
        return "real same OCLC number, identifiers hidden"
    return rs.name


def measure(args: argparse.Namespace) -> dict:
    """Everything the report shows, as one JSON-able dict."""
    kinds = [k for k, _ in KINDS if not args.kinds or k.name in args.kinds.split(",")]
    use_splink = not args.no_splink and splink_available()
    matching = load_matcher(args.matcher)

    start = time.perf_counter()
    pool = load_pool(SHARED)
    universe = build_universe(pool, args.seed)
    ctx = make_context(universe.records, args.keep_identifiers)
    read_seconds = time.perf_counter() - start

    sets: list[RecordSet] = []
    for kind in kinds:
        sets.append(
            variant_set(
                kind, universe.records, generate(kind.name, universe.records, args.per_kind, args.seed, ctx)
            )
        )
    if not args.no_real:
        sets.extend(real_sets(universe))
        sets.append(background_set(universe))
    generate_seconds = time.perf_counter() - start - read_seconds

    model: dict = {}
    training = (0.0, 0.0)
    if use_splink:
        logging.getLogger("splink").setLevel(logging.ERROR)
        catalogue = RecordSet("catalogue", None, [(r.key, r.fields) for r in pool], [], [], {})
        model, *training = train_splink(splink_rows(catalogue), args.seed, args.splink_u_pairs)

    runs: list[Run] = []
    for rs in sets:
        cluster_of, sizes, wall, cpu = run_khizana(matching, rs)
        run = Run(rs, (cluster_of, sizes), (wall, cpu))
        if use_splink:
            run.splink_pairs, wall, cpu = run_splink(model, rs)
            started, cpu_started = time.perf_counter(), time.process_time()
            keys = [k for k, _ in rs.records]
            run.splink["p0.9"] = components(
                keys, ((a, b) for a, b, p in run.splink_pairs if p >= SPLINK_THRESHOLD)
            )
            run.splink_seconds = (
                wall + time.perf_counter() - started,
                cpu + time.process_time() - cpu_started,
            )
        runs.append(run)

    threshold = best_f1 = None
    if use_splink:
        threshold, best_f1 = best_f1_threshold(
            [(r.rs, r.splink_pairs) for r in runs if r.rs.name != "universe"]
        )
        for run in runs:
            keys = [k for k, _ in run.rs.records]
            run.splink["best"] = components(keys, ((a, b) for a, b, p in run.splink_pairs if p >= threshold))

    rows: list[Row] = []
    details: list[dict] = []
    background: dict[str, int] = {}
    for run in runs:
        rs = run.rs
        if rs.name == "universe":
            background["khizana"] = background_pairs(run.khizana[1])
            for label, result in run.splink.items():
                background[f"splink@{label}"] = background_pairs(result[1])
        for positive in (True, False):
            pairs = rs.positives if positive else rs.negatives
            if not pairs:
                continue
            row = Row(row_name(rs, positive), positive, len(pairs), score(rs, *run.khizana, positive))
            row.splink = {label: score(rs, *result, positive) for label, result in run.splink.items()}
            rows.append(row)
        if rs.labels:
            for a, b in rs.positives + rs.negatives:
                joined = {"khizana": run.khizana[0][a] == run.khizana[0][b]}
                for label, (cluster_of, _) in run.splink.items():
                    joined[f"splink@{label}"] = cluster_of[a] == cluster_of[b]
                details.append({"pair": rs.labels[(a, b)], "same_edition": (a, b) in rs.positives, **joined})

    return {
        "seed": args.seed,
        "per_kind": args.per_kind,
        "keep_identifiers": args.keep_identifiers,
        "matcher": args.matcher or "khizana.catalog.matching",
        "pool_records": len(pool),
        "universe_records": len(universe.records),
        "universe_by_stratum": {s: sum(1 for r in universe.records if r.stratum == s) for s in STRATA},
        "read_seconds": round(read_seconds, 2),
        "generate_seconds": round(generate_seconds, 2),
        "splink": use_splink,
        "splink_threshold": SPLINK_THRESHOLD,
        "splink_best_threshold": threshold,
        "splink_best_pairwise_f1": best_f1,
        "background_pairs_joined": background,
        "rows": [r.as_dict() for r in rows],
        "real_pairs": details,
        "runs": [
            {
                "run": r.rs.name,
                "records": len(r.rs.records),
                "khizana_seconds": round(r.khizana_seconds[0], 3),
                "khizana_cpu_seconds": round(r.khizana_seconds[1], 3),
                "splink_seconds": round(r.splink_seconds[0], 3) if r.splink_seconds else None,
                "splink_cpu_seconds": round(r.splink_seconds[1], 3) if r.splink_seconds else None,
            }
            for r in runs
        ],
        "khizana_seconds": round(sum(r.khizana_seconds[0] for r in runs), 2),
        "khizana_cpu_seconds": round(sum(r.khizana_seconds[1] for r in runs), 2),
        "splink_training_seconds": round(training[0], 2),
        "splink_training_cpu_seconds": round(training[1], 2),
        "splink_seconds": round(training[0] + sum(r.splink_seconds[0] for r in runs if r.splink_seconds), 2),
        "splink_cpu_seconds": round(
            training[1] + sum(r.splink_seconds[1] for r in runs if r.splink_seconds), 2
        ),
        "python": platform.python_version(),
        "_rows": rows,
    }


def markdown(result: dict) -> str:
    rows: list[Row] = result["_rows"]
    splink = result["splink"]
    out = [
        f"Universe: {result['universe_records']:,} editions from {result['pool_records']:,} book records ("
        + ", ".join(f"{s} {n:,}" for s, n in result["universe_by_stratum"].items())
        + f"); seed {result['seed']}, up to {result['per_kind']} pairs per kind; variants "
        + ("keep the original's identifiers" if result["keep_identifiers"] else "carry no identifiers")
        + f"; matcher {result['matcher']}. Read {result['read_seconds']:.1f} s, generated "
        f"{result['generate_seconds']:.1f} s.",
        "",
        "R = recall, P = precision (positive kinds), FM = false-merge rate (negative kinds).",
        "",
    ]
    if splink:
        out += [
            "| kind | ± | pairs | Khizana | Splink @ 0.9 | Splink @ best F1 |",
            "|---|---|---:|---|---|---|",
        ]
    else:
        out += ["| kind | ± | pairs | Khizana |", "|---|---|---:|---|"]
    out += [row.line(splink) for row in rows]
    out.append("")
    if splink:
        out.append(
            f"Splink's best pairwise-F1 threshold: {result['splink_best_threshold']:.4f} "
            f"(F1 {result['splink_best_pairwise_f1']:.3f}; tuned on these very pairs: an upper bound)."
        )
    else:
        out.append("Splink: not run.")
    if result["background_pairs_joined"]:
        out.append(
            "Universe alone, pairs of distinct records joined (undetected real duplicates or false merges): "
            + ", ".join(f"{k} {v:,}" for k, v in result["background_pairs_joined"].items())
            + "."
        )
    out += [
        "",
        "Time per run (wall s / CPU s; Khizana: match_record + cluster; Splink: predict + clustering):",
        "",
    ]
    out += ["| run | records | Khizana | Splink |", "|---|---:|---:|---:|"]
    for r in result["runs"]:
        sp = (
            f"{r['splink_seconds']:.2f} / {r['splink_cpu_seconds']:.2f}"
            if r["splink_seconds"] is not None
            else "-"
        )
        khizana = f"{r['khizana_seconds']:.2f} / {r['khizana_cpu_seconds']:.2f}"
        out.append(f"| {r['run']} | {r['records']:,} | {khizana} | {sp} |")
    total = f"| total | | {result['khizana_seconds']:.1f} / {result['khizana_cpu_seconds']:.1f} |"
    if splink:
        total += (
            f" {result['splink_seconds']:.1f} / {result['splink_cpu_seconds']:.1f} (training on the "
            f"{result['pool_records']:,} records: {result['splink_training_seconds']:.1f} / "
            f"{result['splink_training_cpu_seconds']:.1f}) |"
        )
    else:
        total += " - |"
    out.append(total)
    out += [
        "",
        "By stratum (Khizana, joined / designed):",
        "",
        "| kind | fre | ara | other |",
        "|---|---:|---:|---:|",
    ]
    for row in rows:
        if row.name.startswith("real"):
            continue
        cells = []
        for stratum in STRATA:
            designed, joined = row.khizana.by_stratum.get(stratum, [0, 0])
            cells.append(f"{joined}/{designed}" if designed else "-")
        out.append(f"| {row.name} | " + " | ".join(cells) + " |")
    if result["real_pairs"]:
        engines = ["khizana"] + (["splink@p0.9", "splink@best"] if splink else [])
        heads = ["Khizana"] + (["Splink @ 0.9", "Splink @ best"] if splink else [])
        out += ["", "Real cross-script editions (arabic/PROVENANCE.md; ✓ = joined):", ""]
        out += ["| pair | " + " | ".join(heads) + " |", "|" + "---|" * (len(heads) + 1)]
        for d in result["real_pairs"]:
            if d["same_edition"]:
                out.append(f"| {d['pair']} | " + " | ".join("✓" if d[e] else "✗" for e in engines) + " |")
        out += ["", "Real near misses (arabic/PROVENANCE.md; pairs wrongly joined / pairs):", ""]
        out += ["| different editions | " + " | ".join(heads) + " |", "|" + "---|" * (len(heads) + 1)]
        groups: dict[str, list[dict]] = defaultdict(list)
        for d in result["real_pairs"]:
            if not d["same_edition"]:
                groups[d["pair"]].append(d)
        for label, members in groups.items():
            cells = [f"{sum(d[e] for d in members)} / {len(members)}" for e in engines]
            out.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=300, help="variant pairs per kind (default 300)")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--kinds", default="", help="comma-separated kinds (default: all)")
    parser.add_argument("--no-splink", action="store_true", help="Khizana only")
    parser.add_argument("--no-real", action="store_true", help="skip the real sets and the universe run")
    parser.add_argument(
        "--keep-identifiers", action="store_true", help="variants keep the original's identifiers"
    )
    parser.add_argument("--splink-u-pairs", type=float, default=1e6, help="pairs sampled to estimate u")
    parser.add_argument("--matcher", help="path of another khizana/catalog/matching.py to measure")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    args = parser.parse_args(argv)

    if not SHARED.is_dir():
        print(f"{SHARED} is absent (set KHIZANA_SHARED_DATA): nothing to measure", file=sys.stderr)
        return 1
    unknown = set(filter(None, args.kinds.split(","))) - set(KIND_NAMES)
    if unknown:
        parser.error(f"unknown kinds {sorted(unknown)}; known: {', '.join(KIND_NAMES)}")
    if not args.no_splink and not splink_available():
        print(
            "splink is not installed (.venv/bin/pip install -e '.[bench]'): measuring Khizana only",
            file=sys.stderr,
        )
    result = measure(args)
    rows = result.pop("_rows")
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(markdown({**result, "_rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
