"""The variant generator of bench/dedup_bench.py: every kind changes what it says and nothing else.

Reads two files of ../shared/data (a UNIMARC file of French books, an AUB batch of romanised Arabic
records with linked 880 fields); skipped when the data is absent.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import sys

import pytest

from khizana.core.textnorm import normalise
from khizana.testing import REPO, shared_data_dir

SHARED = shared_data_dir()
pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(
        SHARED is None, reason="shared test data (../shared/data or $KHIZANA_SHARED_DATA) absent"
    ),
]
FILES = (("unimarc", "medialab_cotesMEL.mrc"), ("arabic/marc21", "aco_LeBAU_20170605_0_orig_recs.mrc"))
PER_KIND = 40


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("dedup_bench", REPO / "bench" / "dedup_bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def universe(bench):
    pool = []
    for folder, name in FILES:
        pool.extend(bench.load_file(SHARED, folder, SHARED / folder / name))
    return bench.build_universe(pool, 14).records


@pytest.fixture(scope="module")
def variants(bench, universe):
    ctx = bench.make_context(universe, keep_identifiers=False)
    return {name: bench.generate(name, universe, PER_KIND, 14, ctx) for name in bench.KIND_NAMES}


def _changed(original, variant) -> set[str]:
    return {
        f.name
        for f in dataclasses.fields(original)
        if f.name != "identifiers" and getattr(original, f.name) != getattr(variant, f.name)
    }


def test_every_kind_has_pairs_of_both_strata(variants, universe):
    assert {r.stratum for r in universe} >= {"fre", "ara"}
    for name, pairs in variants.items():
        assert pairs, name
        if name != "arabic-script-only":
            assert {o.stratum for o, _ in pairs} >= {"fre", "ara"}, name


def test_variants_carry_no_identifiers_and_leave_the_original_alone(variants, universe):
    for pairs in variants.values():
        for original, variant in pairs:
            assert variant.identifiers == {}
            assert variant is not original.fields
    assert any(r.fields.identifiers for r in universe)


def test_generation_is_deterministic(bench, universe, variants):
    ctx = bench.make_context(universe, keep_identifiers=False)
    again = bench.generate("typo-word-2", universe, PER_KIND, 14, ctx)
    assert [(o.key, v.title) for o, v in again] == [(o.key, v.title) for o, v in variants["typo-word-2"]]
    other_seed = bench.generate("typo-word-2", universe, PER_KIND, 15, ctx)
    assert [(o.key, v.title) for o, v in other_seed] != [(o.key, v.title) for o, v in again]


@pytest.mark.parametrize("position", [1, 2, 3, 4, 5])
def test_a_typo_at_position_k_changes_word_k_only(bench, variants, position):
    for original, variant in variants[f"typo-word-{position}"]:
        assert _changed(original.fields, variant) == {"title"}
        before, after = original.fields.title.split(" "), variant.title.split(" ")
        assert len(before) == len(after)
        index = bench.title_words(original.fields.title)[position - 1][0]
        assert [w for i, w in enumerate(before) if i != index] == [
            w for i, w in enumerate(after) if i != index
        ]
        assert normalise(before[index]) != normalise(after[index])
        assert abs(len(before[index]) - len(after[index])) <= 2  # one letter (with its marks) at most


def test_a_typo_keeps_the_script_of_the_letter(bench):
    import random

    rng = random.Random(1)
    for word in ("الفريد", "विज्ञान", "Բառգիրք", "décentralisation"):
        for _ in range(20):
            typo = bench.typo(word, rng)
            assert normalise(typo) != normalise(word)
            scripts = {bench._script_name(ch) for ch in typo if bench._is_letter(ch)}
            assert scripts == {bench._script_name(word[0])}


def test_subtitle_dropped(variants):
    for original, variant in variants["subtitle-dropped"]:
        assert original.fields.subtitle and not variant.subtitle
        assert _changed(original.fields, variant) <= {"subtitle", "parallel_titles"}
        assert variant.title == original.fields.title


def test_leading_article_dropped(variants):
    for original, variant in variants["article-dropped"]:
        assert _changed(original.fields, variant) == {"title"}
        before, after = original.fields.title, variant.title
        dropped = re.sub(
            r"^(?:(?:Le|La|Les|Un|Une|The|A|An|Der|Die|Das|El|Il|Lo|Gli) |L['’ʼ]|al-|el-|ال)", "", before
        )
        assert dropped != before
        assert after.casefold() == dropped.casefold()


def test_author_initials(variants):
    for original, variant in variants["author-initials"]:
        assert _changed(original.fields, variant) == {"authors"}
        before, after = original.fields.authors[0], variant.authors[0]
        assert before.split(",")[0] == after.split(",")[0]
        assert len(after) < len(before)
        forenames = after.split(",")[1].split()
        assert any(re.fullmatch(r"\S{1,2}\.(-\S{1,2}\.)?", w) for w in forenames), after
        assert variant.authors[1:] == original.fields.authors[1:]


def test_publisher_forms(variants):
    for original, variant in variants["publisher-form"]:
        assert _changed(original.fields, variant) == {"publisher"}
        assert normalise(variant.publisher) and normalise(variant.publisher) != normalise(
            original.fields.publisher
        )


def test_publisher_form_rules(bench):
    forms = dict(bench.publisher_forms("Presses universitaires de France"))
    assert forms["acronym"] == "PUF"
    assert forms["drop"] == "universitaires de France"
    assert dict(bench.publisher_forms("Éditions Gallimard"))["drop"] == "Gallimard"
    assert dict(bench.publisher_forms("Imprimerie nationale"))["abbreviate"] == "Impr. nationale"
    assert dict(bench.publisher_forms("دار المعارف"))["drop"] == "المعارف"
    assert "acronym" not in dict(
        bench.publisher_forms("Maṭbaʻat Lajnat al-Taʼlīf wa-al-Tarjamah", acronym=False)
    )


def test_arabic_script_only(bench, variants):
    pairs = variants["arabic-script-only"]
    assert len(pairs) == PER_KIND
    for original, variant in pairs:
        assert original.stratum == "ara" and bench.has_latin(original.fields.title)
        assert bench.has_arabic(variant.title) and not bench.has_latin(variant.title)
        assert variant.authors and not any(bench.has_latin(a) for a in variant.authors)
        assert not any(bench.has_latin(t) for t in variant.parallel_titles)
        assert not bench.has_latin(variant.publisher)
        assert variant.year == original.fields.year
        # The Arabic title is the 880 form the original record gives as its parallel title.
        assert any(normalise(variant.title) in normalise(t) for t in original.fields.parallel_titles)


def test_other_edition(variants):
    for original, variant in variants["other-edition"]:
        assert _changed(original.fields, variant) <= {"year", "edition", "original_script"}
        assert variant.year != original.fields.year
        assert re.search(r"\d|الثانية|الثالثة|الرابعة", variant.edition)
        assert normalise(variant.edition) != normalise(original.fields.edition)


def test_other_volume(variants):
    for original, variant in variants["other-volume"]:
        assert _changed(original.fields, variant) <= {"title", "parallel_titles"}
        assert variant.title.startswith(original.fields.title.rstrip(" ."))
        assert re.search(r"(Tome|Vol\.|Bd\.|al-Juzʼ|الجزء) \d+$", variant.title)


def test_other_author(variants):
    for original, variant in variants["other-author"]:
        assert _changed(original.fields, variant) <= {"authors", "original_script"}
        surname = normalise(original.fields.authors[0].split(",")[0])
        assert normalise(variant.authors[0].split(",")[0]) != surname


def test_reprint_five_years_later(variants):
    for original, variant in variants["reprint-plus-5"]:
        assert _changed(original.fields, variant) == {"year"}
        assert variant.year == original.fields.year + 5
