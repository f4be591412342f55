"""The matcher's rules at their edges: original-script forms, blocking keys, keying errors, review queue.

Pure (no database). Each test states what a cataloguer sees: which records become one edition, which
pair goes to staff review with which reason codes, which blocking keys a record is filed under.
"""

from dataclasses import replace

import pytest

from khizana.catalog.matching import (
    Edge,
    MatchRecord,
    Review,
    author_similarity,
    block_keys,
    cluster,
    fuzzy_score,
    match_record,
    publisher_similarity,
    title_similarity,
)
from khizana.catalog.records import BibFields, MaterialType

SEUIL = "Éditions du Seuil"


def rec(
    key,
    title,
    *,
    subtitle="",
    authors=(),
    year=1990,
    publisher="",
    edition="",
    languages=(),
    parallel=(),
    original=None,
    material=MaterialType.BOOK,
    **ids,
):
    """A match record built as an import builds it; isbn=, lccn=, ... give identifier lists."""
    return match_record(
        key,
        BibFields(
            title=title,
            subtitle=subtitle,
            parallel_titles=list(parallel),
            authors=list(authors),
            year=year,
            publisher=publisher,
            edition=edition,
            languages=list(languages),
            identifiers={scheme: list(values) for scheme, values in ids.items()},
            material_type=material,
            original_script=original or {},
        ),
    )


# --- what a record brings to the comparison --------------------------------------------------------


def ibn_khaldun():
    """A romanised record with its 880 forms: two original-script forms per role are read, no more."""
    return rec(
        "AUB/1",
        "Tarikh al-Maghrib",
        authors=["Ibn Khaldun, Abd al-Rahman", "Someone, Else"],
        publisher="Dar al-Kutub al-Ilmiyah",
        original={
            "author": ["ابن خلدون، عبد الرحمن", "Ibn Khaldoun, A.", "Ibn Haldun, Abdurrahman"],
            "publisher": ["دار الكتب", "Dar al-Kutub", "DKI"],
            "edition": ["", "الطبعة الثانية"],
        },
    )


def test_the_880_forms_of_author_publisher_and_edition_count_as_the_records_own():
    record = ibn_khaldun()
    assert record.author == "ibn khaldun abd al rahman"  # the main entry, not one of its 880 forms
    assert record.authors == ["ibn khaldun abd al rahman", "ابن خلدون عبد الرحمن", "ibn khaldoun a"]
    assert record.surnames == ["ibn khaldun", "ابن خلدون", "ibn khaldoun"]
    assert record.publisher == "dar al kutub al ilmiyah"
    assert record.publishers == ["dar al kutub al ilmiyah", "دار كتب", "dar al kutub"]
    # no 250 in Latin script: the first non-blank original-script edition statement gives the number
    assert record.edition == "2"
    # the surname key is the main entry's, whatever 880 forms follow it
    assert block_keys(record) == {"a:ibn khaldun|1990", "t:maghrib|1990", "t:tarikh|1990"}


def test_a_record_without_original_script_forms():
    record = rec("BNRM/1", "Nedjma", authors=["Kateb, Yacine"], publisher=SEUIL, original={})
    assert (record.authors, record.surnames, record.publishers, record.edition) == (
        ["kateb yacine"],
        ["kateb"],
        ["editions seuil"],
        "",
    )


def test_identifier_and_letter_by_letter_forms_of_a_record():
    record = rec(
        "BNF/1",
        "Le Petit Prince",
        subtitle="avec des aquarelles de l'auteur",
        isbn=["9782070612758"],
        lccn=["47001234"],
    )
    assert record.strong_ids == frozenset({"isbn:9782070612758", "lccn:47001234"})
    assert record.plain_title == "le petit prince avec des aquarelles de l auteur"
    assert record.plain_main == "le petit prince"


@pytest.mark.parametrize("language", ["ara", "per", "urd", "ota", "fas"])
def test_a_record_in_an_arabic_script_language_gets_transliteration_keys(language):
    record = rec("X/1", "Divan", authors=["Hafiz"], languages=[language])
    assert record.arabic is True
    assert {key.split(":")[0] for key in block_keys(record)} == {"t", "a", "ts", "as"}


def test_only_the_first_three_title_forms_decide_whether_a_record_is_arabic():
    third = rec("X/1", "Muqaddimah", parallel=["Prolegomena", "مقدمة"])
    fourth = rec("X/2", "Muqaddimah", parallel=["Prolegomena", "Prolégomènes", "مقدمة"])
    assert third.arabic is True
    assert fourth.arabic is False


def test_a_record_built_without_its_flags_is_neither_arabic_nor_a_keying_error():
    # a MatchRecord made by hand (not by match_record) has no transliteration keys and no plain forms
    a = MatchRecord(
        key="a",
        titles=["مقدمة"],
        main_title="مقدمة",
        has_subtitle=False,
        author="",
        year=1990,
        publisher="",
        edition="",
        volume="",
        material_type="book",
        main_titles=["مقدمة"],
    )
    assert block_keys(a) == {"t:مقدمة|1990"}
    b = MatchRecord(
        key="b",
        titles=["tarikh"],
        main_title="tarikh",
        has_subtitle=False,
        author="",
        year=1990,
        publisher="",
        edition="",
        volume="",
        material_type="book",
    )
    # two different titles: no keying error is found between plain forms that were never given
    assert fuzzy_score(a, b) is None
    assert fuzzy_score(a, replace(b, has_subtitle=True)) is None


# --- blocking keys ------------------------------------------------------------------------------------


def test_one_letter_words_and_a_detached_arabic_article_make_no_title_key():
    record = rec("X/1", "Vitamin C therapy el Nil ab", year=2000)
    # "c" and "el" are skipped: the first four key words are vitamin, therapy, nil, ab
    assert block_keys(record) == {
        "t:ab nil therapy|2000",
        "t:ab nil vitamin|2000",
        "t:ab therapy vitamin|2000",
        "t:nil therapy vitamin|2000",
    }


def test_a_two_word_title_is_filed_under_each_word():
    assert block_keys(rec("X/1", "Hikobia supplement", year=2000)) == {
        "t:hikobia|2000",
        "t:supplement|2000",
    }


def test_the_first_three_title_forms_make_title_keys():
    record = rec("X/1", "Muqaddimah", parallel=["Prolegomena", "Prolégomènes", "Discours"], year=1958)
    assert block_keys(record) == {"t:muqaddimah|1958", "t:prolegomena|1958", "t:prolegomenes|1958"}


def test_the_first_three_arabic_title_forms_make_transliteration_keys():
    record = rec("X/1", "مقدمة", parallel=["تاريخ", "كتاب العبر", "ديوان"], year=1958)
    assert {key for key in block_keys(record) if key.startswith("ts:")} == {
        "ts:mqdm|1958",
        "ts:trK|1958",
        "ts:ktb|1958",
        "ts:br|1958",
    }


def test_a_very_long_heading_makes_a_key_that_fits_its_column():
    body = "Conference internationale sur l histoire du Maghreb " * 6
    keys = block_keys(rec("X/1", "Actes", authors=[body], year=1990))
    (author_key,) = (key for key in keys if key.startswith("a:"))
    assert len(author_key) == 255
    assert author_key == ("a:" + " ".join(body.lower().split()))[:255]


def test_a_very_long_arabic_heading_makes_a_transliteration_key_that_fits_its_column():
    body = "المؤتمر الدولي لتاريخ المغرب " * 20
    keys = block_keys(rec("X/1", "اعمال", authors=[body], year=1990))
    (author_key,) = (key for key in keys if key.startswith("as:"))
    assert len(author_key) == 255


# --- title similarity ---------------------------------------------------------------------------------


def test_a_parallel_title_without_its_subtitle_is_compared_as_a_main_title():
    a = rec("a", "Le petit prince", parallel=["The little prince : with watercolours by the author"])
    b = rec("b", "The little prince")
    assert title_similarity(a, b) == 100.0
    assert title_similarity(b, a) == 100.0


def test_a_hand_built_record_without_main_titles_is_compared_on_its_main_title():
    a = MatchRecord(
        key="a",
        titles=["little prince with watercolours"],
        main_title="little prince",
        has_subtitle=True,
        author="",
        year=1990,
        publisher="",
        edition="",
        volume="",
        material_type="book",
    )
    b = rec("b", "The little prince")
    assert title_similarity(a, b) == 100.0
    assert title_similarity(b, a) == 100.0


def test_identical_full_titles_with_subtitles_score_exactly_100():
    a = rec("a", "Nedjma", subtitle="roman", parallel=["نجمة"])
    b = rec("b", "Nedjma", subtitle="roman", parallel=["نجمة"])
    assert title_similarity(a, b) == 100.0


# --- keying errors ------------------------------------------------------------------------------------


def lahlou(key, title, *, subtitle="", publisher=SEUIL):
    return rec(key, title, subtitle=subtitle, authors=["Lahlou, Ahmed"], publisher=publisher)


def test_one_keying_error_in_a_title_with_full_agreement_is_one_edition():
    # token-sorted titles 88; letter by letter 94.7 ("le budget..." / "lr budget...")
    result = cluster([lahlou("a", "Le budget de l'État"), lahlou("b", "Lr budget de l'État")])
    assert result.clusters == [["a", "b"]]
    assert result.edges == [Edge("a", "b", "fuzzy", 0.9684)]


def test_two_keying_errors_corroborated_by_author_and_publisher_are_one_edition():
    # letter by letter 89.5: under the title minimum, but author and publisher agree fully
    result = cluster([lahlou("a", "Le budget de l'État"), lahlou("c", "Lr budgrt de l'État")])
    assert result.edges == [Edge("a", "c", "fuzzy", 0.9368)]


def test_two_keying_errors_without_a_publisher_on_one_side_go_to_review():
    a = lahlou("a", "Le budget de l'État")
    c = lahlou("c", "Lr budgrt de l'État", publisher="")
    result = cluster([a, c])
    assert result.clusters == [["a"], ["c"]]
    assert result.review == [
        Review("a", "c", "near", 0.9143, ("title=89", "author=100", "publisher=85", "year=1990"))
    ]


def test_three_keying_errors_are_not_rescued():
    a = lahlou("a", "Le budget de l'État marocain")
    d = lahlou("d", "Lr budgrt de l'État marocaim")
    result = cluster([a, d])
    assert result.clusters == [["a"], ["d"]]
    assert [(r.a, r.b, r.kind) for r in result.review] == [("a", "d", "near")]


def test_a_keying_error_in_the_title_proper_when_only_one_record_has_a_subtitle():
    a = lahlou("a", "Le budget de l'État", subtitle="rapport annuel")
    b = lahlou("b", "Lr budget de l'État")
    result = cluster([a, b])
    assert result.edges == [Edge("a", "b", "fuzzy", 0.9684)]


def test_titles_differing_in_a_year_are_not_a_keying_error():
    a = lahlou("l1", "Lettres de 1792")
    b = lahlou("l2", "Lettres de 1812")
    result = cluster([a, b])
    assert result.clusters == [["l1"], ["l2"]]
    assert result.review == [
        Review("l1", "l2", "near", 0.9, ("title=83", "author=100", "publisher=100", "year=1990"))
    ]


def test_a_title_at_exactly_the_minimum_is_enough():
    # "miserables" / "miserablrs": token-sorted 90 exactly; score 0.6*90 + 25 + 15
    a = rec("m1", "Les misérables", authors=["Hugo, Victor"], publisher=SEUIL)
    b = rec("m2", "Les misérablrs", authors=["Hugo, Victor"], publisher=SEUIL)
    assert cluster([a, b]).edges == [Edge("m1", "m2", "fuzzy", 0.94)]


def test_arabic_and_romanised_titles_are_never_a_keying_error():
    a = rec("a", "Kitab al-ibar", authors=["Ibn Khaldun"], publisher="Bulaq", year=1867)
    b = rec("b", "كتاب العبر", authors=["Ibn Khaldun"], publisher="Bulaq", year=1867)
    assert cluster([a, b]).clusters == [["a", "b"]]


# --- the review queue ---------------------------------------------------------------------------------

SENSE = "Sense and sensibility"


def austen(key, title, publisher):
    return rec(key, title, authors=["Austen, Jane"], publisher=publisher)


def test_a_pair_at_exactly_the_review_floor_is_queued_with_its_reasons():
    # title 100, one record names no author (70), publishers 16.7: 60 + 17.5 + 2.5 = 80
    result = cluster([austen("a", SENSE, "Oxford University Press"), rec("b", SENSE, publisher="Nathan")])
    assert result.review == [
        Review("a", "b", "near", 0.8, ("title=100", "author=70", "publisher=17", "year=1990"))
    ]


def test_a_near_score_is_rounded_to_four_decimals():
    result = cluster([austen("a", SENSE, "Flammarion"), rec("b", SENSE, publisher="Hachette")])
    assert [r.score for r in result.review] == [0.8023]


def test_a_pair_just_under_the_review_floor_is_not_queued():
    # title 97, author 70, publishers 22: 79.0
    result = cluster([austen("a", SENSE, "Le Fennec"), rec("b", "Sense and sensibilty", publisher="Maspero")])
    assert result.review == []
    result = cluster(
        [austen("a", SENSE, "Dar al-Maarif"), rec("b", "Sense and sensibilty", publisher="Hachette")]
    )
    assert result.review == []


def test_a_near_pair_without_a_year_gives_no_year_reason():
    a = rec("a", SENSE, authors=["Austen, Jane"], publisher="Flammarion", year=None)
    b = rec("b", SENSE, publisher="Hachette", year=None)
    assert [r.reasons for r in cluster([a, b]).review] == [("title=100", "author=70", "publisher=18")]


def test_a_near_pair_inside_one_cluster_is_not_queued():
    # b and c have no author: each is one edition with a (identical ISBN) but b-c alone would be near
    a = rec("a", SENSE, authors=["Austen, Jane"], publisher="Penguin", isbn=["9780141439662"])
    b = rec("b", SENSE, publisher="Nathan", isbn=["9780141439662"])
    c = rec("c", SENSE, authors=["Austen, Jane"], publisher="Oxford University Press")
    result = cluster([a, b, c])
    assert result.clusters == [["a", "b", "c"]]
    assert result.review == []


def test_one_review_per_two_works_the_conflict_first():
    # a and a2 are one edition; against b, a shares an LCCN with a clashing year and a2 is near
    a = rec("a", SENSE, authors=["Austen, Jane"], publisher="Penguin", year=1990, lccn=["90001234"])
    a2 = rec("a2", SENSE, authors=["Austen, Jane"], publisher="Penguin", year=1990)
    b = rec("b", SENSE, publisher="Nathan", year=1990)
    b_old = rec("b0", SENSE, publisher="Nathan", year=1950, lccn=["90001234"])
    result = cluster([a, a2, b, b_old])
    assert result.clusters == [["a", "a2"], ["b"], ["b0"]]
    assert [(r.a, r.b, r.kind) for r in result.review] == [
        ("a", "b", "near"),
        ("a", "b0", "conflict"),
    ]


def test_the_queue_lists_pairs_in_key_order():
    # x shares an LCCN with y2 across 30 years (a conflict, queued first) and is near y1
    x = rec("x", SENSE, authors=["Austen, Jane"], publisher="Oxford University Press", lccn=["90001234"])
    y1 = rec("y1", SENSE, publisher="Nathan")  # near x: 0.8
    y2 = rec("y2", SENSE, publisher="Nathan", year=1960, lccn=["90001234"])
    result = cluster([x, y1, y2])
    assert result.clusters == [["x"], ["y1"], ["y2"]]
    assert [(r.a, r.b, r.kind) for r in result.review] == [("x", "y1", "near"), ("x", "y2", "conflict")]


def test_the_queue_lists_pairs_by_first_key_then_second():
    # b-c shares an LCCN across 30 years (a conflict, queued before any near pair); a-d is near
    a = austen("a", SENSE, "Oxford University Press")
    b = rec("b", "Emma", year=1990, lccn=["90001234"])
    c = rec("c", "Emma", year=1960, lccn=["90001234"])
    d = rec("d", SENSE, publisher="Nathan")
    assert [(r.a, r.b) for r in cluster([a, b, c, d]).review] == [("a", "d"), ("b", "c")]


def test_of_two_near_pairs_between_two_works_the_better_one_is_queued():
    x1 = austen("x1", SENSE, "Oxford Univ. Press")
    x2 = austen("x2", SENSE, "Oxford University Press")
    y = rec("y", SENSE, publisher="Hachette")  # 80.2 with x1, 81.25 with x2
    result = cluster([x1, x2, y])
    assert result.clusters == [["x1", "x2"], ["y"]]
    assert [(r.a, r.b, r.score) for r in result.review] == [("x2", "y", 0.8125)]


def test_of_a_conflict_and_a_near_pair_between_two_works_the_conflict_is_queued():
    a = rec(
        "a",
        SENSE,
        authors=["Austen, Jane"],
        publisher="Oxford University Press",
        edition="2nd ed.",
        lccn=["1"],
    )
    a2 = austen("a2", SENSE, "Oxford University Press")
    b = rec("b", SENSE, publisher="Nathan", edition="3rd ed.", lccn=["1"])  # near a2: 0.8
    result = cluster([a, a2, b])
    assert result.clusters == [["a", "a2"], ["b"]]
    assert result.review == [Review("a", "b", "conflict", 1.0, ("shared=lccn|1", "editions=2|3"))]


def test_manual_decisions_may_be_given_as_generators():
    a = rec("a", "Nedjma", authors=["Kateb, Yacine"], publisher=SEUIL)
    b = rec("b", "Nedjma", authors=["Kateb, Yacine"], publisher=SEUIL)
    c = rec("c", "Le polygone étoilé", authors=["Kateb, Yacine"], publisher=SEUIL)
    result = cluster([a, b, c], manual_same=iter([("a", "c")]), manual_different=iter([("a", "b")]))
    assert result.clusters == [["a", "c"], ["b"]]


# --- identifiers and material -------------------------------------------------------------------------


def test_a_shared_isbn_makes_an_edge_of_full_strength():
    a = rec("a", "Nedjma", year=1956, isbn=["9782020314299"])
    b = rec("b", "Nedjma", year=1956, isbn=["9782020314299"])
    assert cluster([a, b]).edges == [Edge("a", "b", "isbn", 1.0)]


def test_a_shared_isbn_with_an_edition_statement_on_one_side_only_is_one_edition():
    a = rec("a", "Nedjma", year=1996, edition="2e éd.", isbn=["9782020314299"])
    b = rec("b", "Nedjma", year=1996, isbn=["9782020314299"])
    result = cluster([a, b])
    assert result.clusters == [["a", "b"]]
    assert result.review == []


def test_a_shared_identifier_two_years_apart_goes_to_review():
    a = rec("a", "Nedjma", year=1996, isbn=["9782020314299"])
    b = rec("b", "Nedjma", year=1998, isbn=["9782020314299"])
    result = cluster([a, b])
    assert result.clusters == [["a"], ["b"]]
    assert [r.reasons for r in result.review] == [("shared=isbn|9782020314299", "years=1996|1998")]


def test_a_thesis_and_the_same_work_catalogued_as_a_book_are_one_edition():
    a = rec(
        "a", "La poésie de Chabbi", authors=["Ghazi, Ali"], publisher="Univ.", material=MaterialType.THESIS
    )
    b = rec("b", "La poésie de Chabbi", authors=["Ghazi, Ali"], publisher="Univ.")
    assert cluster([a, b]).clusters == [["a", "b"]]


# --- across scripts -----------------------------------------------------------------------------------


def test_every_surname_form_of_an_arabic_record_is_a_transliteration_key():
    record = rec(
        "X/1",
        "مقدمة",
        authors=["ابن خلدون، عبد الرحمن"],
        original={"author": ["Ibn Khaldun, Abd al-Rahman", "Ibn Haldun, A."]},
        year=1958,
    )
    assert block_keys(record) == {
        "a:ابن خلدون|1958",
        "as:bn Kldn|1958",
        "as:bn hldn|1958",  # the Turkish romanisation: a key of its own
        "t:مقدمه|1958",
        "ts:mqdm|1958",
    }


def test_the_880_author_form_is_compared_in_its_own_script():
    # "Ibn Haldun" (Turkish romanisation) does not give the key of "ابن خلدون"; its 880 form does
    a = rec("a", "Mukaddime", authors=["Ibn Haldun"], original={"author": ["ابن خلدون"]})
    b = rec("b", "مقدمة", authors=["ابن خلدون"])
    assert author_similarity(a, b) == 100.0
    assert author_similarity(b, a) == 100.0


def test_the_880_publisher_form_is_compared_in_its_own_script():
    a = rec("a", "Kitab al-ibar", publisher="Imprimerie de Boulac", original={"publisher": ["مطبعة بولاق"]})
    b = rec("b", "كتاب العبر", publisher="مطبعة بولاق")
    assert publisher_similarity(a, b) == 100.0
    assert publisher_similarity(b, a) == 100.0


def hand_built(key, author, publisher):
    """A record made without match_record: no lists of forms, only the single fields."""
    return MatchRecord(
        key=key,
        titles=["kitab al ibar"],
        main_title="kitab al ibar",
        has_subtitle=False,
        author=author,
        year=1867,
        publisher=publisher,
        edition="",
        volume="",
        material_type="book",
    )


def test_a_hand_built_record_is_compared_on_its_single_author_and_publisher():
    a = hand_built("a", "ibn khaldun", "bulaq")
    b = rec("b", "Kitab al-ibar", authors=["Ibn Khaldun"], publisher="Bulaq", year=1867)
    assert (author_similarity(a, b), author_similarity(b, a)) == (100.0, 100.0)
    assert (publisher_similarity(a, b), publisher_similarity(b, a)) == (100.0, 100.0)


def test_publishers_with_nothing_in_common_score_zero():
    a = austen("a", SENSE, "PUF")
    b = austen("b", SENSE, "Dar Sadir")
    assert [r.reasons for r in cluster([a, b]).review] == [
        ("title=100", "author=100", "publisher=0", "year=1990")
    ]
    c = austen("c", SENSE, "دار صادر")
    assert [r.reasons for r in cluster([a, c]).review] == [
        ("title=100", "author=100", "publisher=0", "year=1990")
    ]


# --- corroboration of a title with keying errors ------------------------------------------------------

BUDGET, BUDGET_TYPOS = "Le budget de l'État", "Lr budgrt de l'État"  # letter by letter 89.5


def corroborated(author_a, author_b, publisher_a=SEUIL, publisher_b=SEUIL):
    a = rec("a", BUDGET, authors=[author_a], publisher=publisher_a)
    b = rec("b", BUDGET_TYPOS, authors=[author_b], publisher=publisher_b)
    return cluster([a, b]).clusters == [["a", "b"]]


def test_authors_at_95_corroborate_a_title_with_keying_errors():
    assert corroborated("Khair-Eddine, Mohamed", "Khair-Eddine, Mohamad")  # 95.0


def test_authors_under_95_do_not_corroborate_a_title_with_keying_errors():
    assert not corroborated("Khatibi, Abdelkebir", "Khatibi, Abdelkabir")  # 94.4


def test_publishers_at_90_corroborate_a_title_with_keying_errors():
    assert corroborated("Lahlou, Ahmed", "Lahlou, Ahmed", "Flammarion", "Flammarian")  # 90.0
    assert corroborated("Lahlou, Ahmed", "Lahlou, Ahmed", "Le Fennec", "Le Fenec")  # 90.9


def test_a_heading_in_direct_order_matches_its_inverted_form_in_the_other_script():
    # "Najib Mahfuz" (a library that does not invert) and "محفوظ، نجيب": the same words
    a = rec("a", "Zuqaq al-Midaqq", authors=["Najib Mahfuz"])
    b = rec("b", "زقاق المدق", authors=["محفوظ، نجيب"])
    assert author_similarity(a, b) == 100.0
