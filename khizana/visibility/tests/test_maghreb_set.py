"""The labelled Maghreb set (``tests/data/maghreb_affiliations.jsonl``, made as
``tests/data/README_maghreb_affiliations.md`` says): well formed, its strings distinct, every expected
institution in the registry files, counts per country and kind printed.

The checks against ``../shared/data`` (the ROR extract, the exports the strings come from) are skipped when
it is absent.
"""

import json
import re
import unicodedata
from collections import Counter
from functools import cache

import pytest

from khizana.testing import shared_data_dir
from khizana.visibility.formats import read_path
from khizana.visibility.tests.support import DATA, REPO

SET = DATA / "maghreb_affiliations.jsonl"
DEMO_REGISTRY = REPO / "demo" / "registry"
SHARED = shared_data_dir()
COUNTRIES = ("MA", "DZ", "TN")
KINDS = (  # in their order of precedence: ``kind`` is the first a string shows, ``also`` the others
    "typo",
    "collision",
    "ordinal",
    "honorific",
    "abbreviation",
    "acronym",
    "english_name",
    "faculty_without_university",
    "school_under_university",
    "plain",
)
FIELDS = {"string", "country", "expected_ror", "expected_local_key", "source", "kind", "also", "note"}
ROR_ID = re.compile(r"https://ror\.org/0[a-z0-9]{6}[0-9]{2}")
needs_shared = pytest.mark.skipif(SHARED is None, reason="../shared/data is absent")


@cache
def rows() -> tuple[dict, ...]:
    with SET.open(encoding="utf-8") as handle:
        return tuple(json.loads(line) for line in handle if line.strip())


def json_lines(path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def folded(text: str) -> str:
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"\W+", " ", text.casefold()).split())


def test_each_row_is_well_formed():
    assert 400 <= len(rows()) <= 600
    for row in rows():
        assert set(row) == FIELDS, row
        assert row["string"].strip() == row["string"] and row["string"]
        assert row["country"] in COUNTRIES
        assert row["kind"] in KINDS and set(row["also"]) <= set(KINDS) - {row["kind"], "plain"}
        assert all(KINDS.index(row["kind"]) < KINDS.index(kind) for kind in row["also"]), row
        assert row["expected_ror"] is None or ROR_ID.fullmatch(row["expected_ror"]), row
        assert row["expected_local_key"] is None or row["expected_local_key"].startswith("local:"), row
        assert re.fullmatch(r"(scopus|wos)/[\w.-]+", row["source"]), row
        assert row["note"] is None or (isinstance(row["note"], str) and row["note"])


def test_the_strings_are_distinct_even_folded():
    keys = Counter(folded(row["string"]) for row in rows())
    assert [key for key, count in keys.items() if count > 1] == []


def test_every_expected_institution_is_in_the_demo_registry_files():
    ror = {record["id"]: record for record in json_lines(DEMO_REGISTRY / "ror_MA_DZ_TN.jsonl")}
    local = {record["id"]: record for record in json_lines(DEMO_REGISTRY / "local_institutions.jsonl")}
    for row in rows():
        if row["expected_local_key"]:
            institution = local[row["expected_local_key"]]
            assert institution.get("ror_id") == row["expected_ror"], row  # its ROR id, when it has one
            assert institution["country_code"] == row["country"], row
        elif row["expected_ror"]:
            assert ror[row["expected_ror"]]["status"] == "active", row  # never a withdrawn record
            assert ror[row["expected_ror"]]["country_code"] == row["country"], row


def test_every_country_and_kind_is_there_and_the_counts_are_printed():
    kinds = Counter((row["country"], row["kind"]) for row in rows())
    countries = Counter(row["country"] for row in rows())
    print(f"\n{'kind':28}" + "".join(f"{country:>6}" for country in COUNTRIES) + "   all")
    for kind in KINDS:
        counts = [kinds[(country, kind)] for country in COUNTRIES]
        print(f"{kind:28}" + "".join(f"{count:>6}" for count in counts) + f"{sum(counts):>6}")
    print(f"{'total':28}" + "".join(f"{countries[c]:>6}" for c in COUNTRIES) + f"{len(rows()):>6}")
    assert all(countries[country] >= 100 for country in COUNTRIES)
    assert {kind for _country, kind in kinds} == set(KINDS)


@needs_shared
def test_every_expected_ror_id_is_in_the_shared_extract_or_carried_by_a_local_institution():
    ror_dir = SHARED / "ror"
    known = {record["id"] for record in json_lines(ror_dir / "ror_MA_DZ_TN.jsonl")}
    known |= {record["id"] for record in json_lines(ror_dir / "ror_referenced_missing_MA_DZ_TN_FR.jsonl")}
    local = json_lines(DEMO_REGISTRY / "local_institutions.jsonl")
    carried = {record["ror_id"] for record in local if record.get("ror_id")}
    given_by_the_issue = {f"https://ror.org/{short}" for short in ("01ejxf797", "024mpte60", "05t0zwy08")}
    assert carried - known == given_by_the_issue
    expected = {row["expected_ror"] for row in rows() if row["expected_ror"]}
    assert sorted(expected - known - carried) == []


@needs_shared
def test_each_string_is_an_address_of_the_export_it_names():
    by_source: dict[str, set[str]] = {}
    for row in rows():
        by_source.setdefault(row["source"], set()).add(row["string"])
    for source, strings in sorted(by_source.items()):
        result = read_path(SHARED / "bibliometrics" / source)
        addresses = {a.raw.strip() for p in result.publications for a in p.affiliations}
        assert sorted(strings - addresses) == [], source
