"""Issue 14: duplicates found through typos, dropped subtitles and a change of script; a shared
identifier does not outrank conflicting years or editions; undecided pairs go to staff review."""

import pytest

from khizana.catalog.matching import block_keys, cluster, edition_number, match_record
from khizana.catalog.records import BibFields, MaterialType
from khizana.core.translit import arabic_edition_number, skeleton


def book(
    key,
    title,
    *,
    subtitle="",
    authors=("Laroui, Abdallah",),
    year=1977,
    publisher="Maspero",
    edition="",
    **ids,
):
    fields = BibFields(
        title=title,
        subtitle=subtitle,
        authors=list(authors),
        year=year,
        publisher=publisher,
        edition=edition,
        identifiers={scheme: list(values) for scheme, values in ids.items()},
        material_type=MaterialType.BOOK,
    )
    return match_record(key, fields)


TITLE = "Les origines sociales et culturelles du nationalisme marocain"


def _typo(title: str, position: int) -> str:
    words = title.split()
    word = words[position]
    words[position] = word[:2] + word[3] + word[2] + word[4:] if len(word) > 4 else word + "e"
    return " ".join(words)


@pytest.mark.parametrize("position", range(len(TITLE.split())))
def test_one_typo_in_any_title_word_still_merges(position):
    original = book("a", TITLE, subtitle="1830-1912")
    typo = book("b", _typo(TITLE, position), subtitle="1830-1912")
    assert block_keys(original) & block_keys(typo)
    assert cluster([original, typo]).clusters == [["a", "b"]]


def test_a_dropped_subtitle_and_a_dropped_article_still_merge():
    full = book("a", "Les origines sociales et culturelles", subtitle="du nationalisme marocain, 1830-1912")
    short = book("b", "origines sociales et culturelles")
    assert cluster([full, short]).clusters == [["a", "b"]]


def test_initials_against_full_names_still_merge():
    full = book("a", "Histoire du Maghreb", authors=["Laroui, Abdallah"])
    initials = book("b", "Histoire du Maghreb", authors=["Laroui, A."])
    assert cluster([full, initials]).clusters == [["a", "b"]]


def test_other_editions_volumes_and_authors_stay_apart():
    base = book("a", "Histoire du Maghreb", edition="2e éd.")
    assert cluster([base, book("b", "Histoire du Maghreb", edition="3e éd.")]).clusters == [["a"], ["b"]]
    assert cluster([base, book("c", "Histoire du Maghreb", year=1982)]).clusters == [["a"], ["c"]]
    tome = book("d", "Histoire du Maghreb. Tome 2", edition="2e éd.")
    assert cluster([base, tome]).clusters == [["a"], ["d"]]
    other = book("e", "Histoire du Maghreb", authors=["Julien, Charles-André"], edition="2e éd.")
    assert cluster([base, other]).clusters == [["a"], ["e"]]


# --- a shared identifier against conflicting evidence ------------------------------------------------


def test_a_shared_lccn_does_not_merge_a_later_edition_it_queues_it_for_review():
    first = book("a", "Le Maroc inconnu", authors=["Mouliéras, Auguste"], year=1907, lccn=["08012345"])
    second = book(
        "b",
        "Le Maroc inconnu",
        authors=["Mouliéras, Auguste"],
        year=1918,
        edition="2e éd. revue et augmentée",
        lccn=["08012345"],
    )
    result = cluster([first, second])
    assert result.clusters == [["a"], ["b"]]
    (review,) = result.review
    assert (review.a, review.b, review.kind) == ("a", "b", "conflict")
    assert review.reasons == ("shared=lccn|08012345", "years=1907|1918")


def test_a_shared_isbn_with_conflicting_editions_of_one_year_is_queued():
    a = book("a", "Nedjma", year=1996, edition="2e éd.", isbn=["9782020314299"])
    b = book("b", "Nedjma", year=1996, edition="3e éd.", isbn=["9782020314299"])
    result = cluster([a, b])
    assert result.clusters == [["a"], ["b"]]
    assert result.review[0].reasons == ("shared=isbn|9782020314299", "editions=2|3")


def test_a_year_apart_is_tolerated_for_a_shared_identifier():
    a = book("a", "Nedjma", year=1996, isbn=["9782020314299"])
    b = book("b", "Nedjma", year=1997, isbn=["9782020314299"])
    assert cluster([a, b]).clusters == [["a", "b"]]


def test_a_pair_just_under_the_threshold_is_queued_once_per_pair_of_works():
    # same title and year; one names no author, publishers disagree: 0.6*100 + 0.25*70 + 0.15*33 = 82.5
    a1 = book("a1", "Sense and sensibility", authors=["Austen, Jane"], publisher="Penguin")
    a2 = book("a2", "Sense and sensibility", authors=["Austen, Jane"], publisher="Penguin books")
    b1 = book("b1", "Sense and sensibility", authors=[], publisher="Oxford University Press")
    result = cluster([a1, a2, b1])
    assert result.clusters == [["a1", "a2"], ["b1"]]
    assert len(result.review) == 1
    assert result.review[0].kind == "near"
    assert 0.8 <= result.review[0].score < 0.9
    # a manual decision on the pair takes it out of the queue
    decided = cluster([a1, a2, b1], manual_different=[(result.review[0].a, result.review[0].b)])
    assert decided.review == []


# --- across scripts -----------------------------------------------------------------------------------


def test_transliteration_key_of_arabic_script_and_ala_lc():
    assert skeleton("al-Ḥarb fī al-alfīyah al-thālithah") == skeleton("الحرب في الألفية الثالثة")
    assert skeleton("Kitāb sulāfat al-ʻaṣr fī maḥāsin al-shuʻarāʼ bi-kull miṣr") == skeleton(
        "كتاب سلافة العصر في محاسن الشعراء بكل مصر"
    )
    assert skeleton("Ibn Maʻṣūm, ʻAlī ibn Aḥmad") == skeleton("ابن معصوم، علي بن احمد")
    # decomposed diacritics, AUB's quotation marks for ʻayn, bidi controls and a combining hamzah
    assert skeleton("al-‘Uqu\u0304d al-lu’lu\u0304‘i\u0304yah") == skeleton("\u202aالعقود اللؤلؤية")
    assert skeleton("اسماعيل") == skeleton("ا\u0655سماعيل")


@pytest.mark.parametrize(
    ("statement", "number"),
    [
        ("al-Ṭabʻah al-ūlá.", "1"),
        ("الطبعة الأولى.", "1"),
        ("ط. 1", "1"),
        ("ط. ٢", "2"),
        ("الطبعة الثانية مزيدة ومنقحة", "2"),
        ("al-Ṭabʻah al-thālithah", "3"),
        ("الطبعة العاشرة", "10"),
        ("2e éd.", ""),
    ],
)
def test_arabic_edition_statements_in_both_scripts(statement, number):
    assert arabic_edition_number(statement) == number
    if number:
        assert edition_number(statement) == number


def test_an_arabic_script_record_meets_its_romanised_880_twin():
    arabic = match_record(
        "csv",
        BibFields(
            title="المختصر في أخبار البشر",
            authors=["أبو الفداء، إسماعيل بن علي"],
            publisher="المطبعة الحسينية المصرية",
            year=1907,
            edition="الطبعة الأولى",
            languages=["ara"],
            material_type=MaterialType.BOOK,
        ),
    )
    romanised = match_record(
        "marc",
        BibFields(
            title="al-Mukhtaṣar fī akhbār al-bashar",
            parallel_titles=["المختصر في أخبار البشر"],
            authors=["Abū al-Fidāʼ Ismāʻīl ibn ʻAlī", "ابو الفداء اسماعيل بن علي"],
            publisher="al-Maṭbaʻah al-Ḥusaynīyah al-Miṣrīyah",
            year=1907,
            edition="al-Ṭabʻah al-ūlá.",
            languages=["ara"],
            material_type=MaterialType.BOOK,
            original_script={
                "author": ["ابو الفداء اسماعيل بن علي،"],
                "publisher": ["المطبعة الحسينية المصرية،"],
                "edition": ["الطبعة الأولى."],
            },
        ),
    )
    assert romanised.edition == arabic.edition == "1"
    result = cluster([arabic, romanised])
    assert result.clusters == [["csv", "marc"]]
    # romanised only (no 880): the transliteration key alone brings them together
    bare = match_record(
        "rom",
        BibFields(
            title="al-Mukhtaṣar fī akhbār al-bashar",
            authors=["Abū al-Fidāʼ Ismāʻīl ibn ʻAlī"],
            publisher="al-Maṭbaʻah al-Ḥusaynīyah al-Miṣrīyah",
            year=1907,
            languages=["ara"],
            material_type=MaterialType.BOOK,
        ),
    )
    assert block_keys(bare) & block_keys(arabic)
    assert cluster([arabic, bare]).clusters == [["csv", "rom"]]


def test_the_same_arabic_title_by_another_author_or_year_stays_apart():
    def arabic(key, author, year):
        return match_record(
            key,
            BibFields(
                title="العقد الفريد",
                authors=[author],
                year=year,
                languages=["ara"],
                material_type=MaterialType.BOOK,
            ),
        )

    ibn_abd_rabbih = arabic("a", "ابن عبد ربه، أحمد بن محمد", 1940)
    other_author = match_record(
        "b",
        BibFields(
            title="al-ʻIqd al-farīd",
            authors=["Ṭāhā, Muḥammad"],
            year=1940,
            languages=["ara"],
            material_type=MaterialType.BOOK,
        ),
    )
    assert cluster([ibn_abd_rabbih, other_author]).clusters == [["a"], ["b"]]
    assert cluster([ibn_abd_rabbih, arabic("c", "ابن عبد ربه، أحمد بن محمد", 1953)]).clusters == [
        ["a"],
        ["c"],
    ]
