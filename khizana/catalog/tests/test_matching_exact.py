"""The duplicate matcher's exact outputs: match keys, scores at their thresholds, cluster rules.

Pure (no database). Titles, authors and publishers are real catalogue values (from the demo network's
records) or their keying errors; the similarity of each pair is written beside it, as rapidfuzz gives it.
"""

import pytest

from khizana.catalog.matching import (
    Edge,
    MatchRecord,
    block_keys,
    cluster,
    edition_number,
    fuzzy_score,
    match_record,
    strong_link,
    title_similarity,
)
from khizana.catalog.records import BibFields, MaterialType


def rec(key, title, *, subtitle="", author=None, year=1990, publisher="", material=MaterialType.BOOK, **ids):
    """A match record; keyword arguments isbn=, issn=, lccn=, oclc=, nbn= give identifier lists."""
    fields = BibFields(
        title=title,
        subtitle=subtitle,
        authors=[author] if author else [],
        year=year,
        publisher=publisher,
        identifiers={scheme: list(values) for scheme, values in ids.items()},
        material_type=material,
    )
    return match_record(key, fields)


# --- match records -----------------------------------------------------------------------------------


def test_match_record_exact():
    fields = BibFields(
        title="Le Petit Prince",
        subtitle="avec des aquarelles de l'auteur",
        parallel_titles=["The Little Prince", "Le petit prince : avec des aquarelles de l'auteur", ""],
        authors=["Saint-Exupéry, Antoine de", "Cuvelier, Louis"],
        year=1946,
        publisher="Les Éditions de Minuit",
        edition="Édition définitive",
        identifiers={
            "isbn": ["9782070612758"],
            "isbn_invalid": ["2070612759"],
            "oclc": [],
            "lccn": ["47001234"],
            "nbn": ["FRBNF35591279"],
            "ean": ["3260050679013"],
        },
        material_type=MaterialType.BOOK,
    )
    assert match_record("BNRM/1", fields) == MatchRecord(
        key="BNRM/1",
        titles=["petit prince avec aquarelles auteur", "little prince"],
        main_title="petit prince",
        has_subtitle=True,
        author="saint exupery antoine de",
        year=1946,
        publisher="editions minuit",
        edition="edition definitive",
        volume="",
        material_type="book",
        identifiers={
            "isbn": frozenset({"9782070612758"}),
            "lccn": frozenset({"47001234"}),
            "nbn": frozenset({"FRBNF35591279"}),
        },
        main_titles=["petit prince", "little prince"],
        authors=["saint exupery antoine de"],
        surnames=["saint exupery"],
        publishers=["editions minuit"],
        arabic=False,
    )


def test_match_record_without_author_or_subtitle():
    record = rec("a", "Muqaddimat Ibn Khaldūn", year=None, publisher="Dār al-Fikr")
    assert (record.titles, record.main_title, record.has_subtitle) == (
        ["muqaddimat ibn khaldun"],
        "muqaddimat ibn khaldun",
        False,
    )
    assert (record.author, record.year, record.publisher, record.edition, record.volume) == (
        "",
        None,
        "dar al fikr",
        "",
        "",
    )
    assert record.identifiers == {}


@pytest.mark.parametrize(
    ("title", "main_title"),
    [
        ("Pride and Prejudice", "pride prejudice"),
        ("Pride & prejudice", "pride prejudice"),
        ("Guerre et paix", "guerre paix"),
        ("Tristan und Isolde", "tristan isolde"),
        ("Romeo e Giulietta", "romeo giulietta"),
        ("Crimen y castigo", "crimen castigo"),
        ("Les Misérables", "miserables"),
    ],
)
def test_title_form_drops_articles_and_conjunctions(title, main_title):
    assert rec("a", title).main_title == main_title


@pytest.mark.parametrize(
    ("title", "volume"),
    [
        ("Histoire de France. Tome 2", "2"),
        ("Kitāb al-ʿibar. Juz 3", "3"),
        ("Encyclopédie de l'Islam, vol. 12", "12"),
        ("Mémoires. Livre 4", "4"),
        ("Al-Muqaddimah", ""),
        ("Maroc 1912", ""),
    ],
)
def test_volume_number(title, volume):
    assert rec("a", title).volume == volume


@pytest.mark.parametrize(
    ("statement", "edition"),
    [
        ("First edition", "1"),
        ("Première édition", "1"),
        ("Premier tirage", "1"),
        ("1re éd.", "1"),
        ("1er tirage", "1"),
        ("Second edition", "2"),
        ("Deuxième édition", "2"),
        ("Seconde édition", "2"),
        ("Third edition", "3"),
        ("Troisième édition", "3"),
        ("Fourth edition", "4"),
        ("Quatrième édition", "4"),
        ("Fifth edition", "5"),
        ("Cinquième édition", "5"),
        ("Sixth edition", "6"),
        ("Sixième édition", "6"),
        ("Seventh edition", "7"),
        ("Septième édition", "7"),
        ("Eighth edition", "8"),
        ("Huitième édition", "8"),
        ("Ninth edition", "9"),
        ("Neuvième édition", "9"),
        ("Tenth edition", "10"),
        ("Dixième édition", "10"),
        ("2e éd. revue et corrigée", "2"),
        ("Éd. 02", "2"),  # leading zeros dropped
        ("Version 0.9", "0"),  # but a zero stays a zero
        ("الطبعة ٣", "3"),
        ("Nouvelle éd. revue et augmentée", "nouvelle ed revue et augmentee"),
        ("", ""),
    ],
)
def test_edition_number(statement, edition):
    assert edition_number(statement) == edition


# --- blocking keys ----------------------------------------------------------------------------------


def test_block_keys_exact():
    record = rec(
        "a",
        "Histoire du Maroc contemporain",
        author="Laroui, Abdallah",
        year=1994,
        isbn=["9782738421760"],
        oclc=["12345", "67890"],
    )
    assert block_keys(record) == {
        "isbn:9782738421760",
        "oclc:12345",
        "oclc:67890",
        # the first title words in any order, each leaving one out; the author's surname with the year
        "t:contemporain histoire|1994",
        "t:contemporain maroc|1994",
        "t:histoire maroc|1994",
        "a:laroui|1994",
    }


def test_block_keys_leave_out_each_of_the_first_four_title_words():
    keys = block_keys(rec("a", "La vie quotidienne au Maroc sous le protectorat", year=1970))
    assert keys == {
        "t:au maroc quotidienne|1970",
        "t:au maroc vie|1970",
        "t:au quotidienne vie|1970",
        "t:maroc quotidienne vie|1970",
    }
    # one typo in any of these words leaves a key the two records share
    for typo in ("La vei quotidienne au Maroc", "La vie quotidiene au Maroc", "La vie quotidienne au Marco"):
        assert keys & block_keys(rec("b", typo, year=1970))


def test_block_keys_of_an_arabic_record_in_both_scripts():
    fields = BibFields(
        title="al-Muqaddimah",
        subtitle="kitāb al-ʿibar wa-dīwān al-mubtadaʾ",
        parallel_titles=["مقدمة ابن خلدون"],
        authors=["Ibn Khaldūn, ʻAbd al-Raḥmān"],
        original_script={"author": ["ابن خلدون، عبد الرحمن"]},
        languages=["ara"],
        year=None,
    )
    assert block_keys(match_record("a", fields)) == {
        "t:muqaddimah|",
        "t:ابن خلدون|",
        "t:ابن مقدمه|",
        "t:خلدون مقدمه|",
        "a:ibn khaldun|",
        # through the transliteration key: the same keys from either script
        "ts:mqdm|",
        "ts:Kldn bn|",
        "ts:Kldn mqdm|",
        "ts:bn mqdm|",
        "as:bn Kldn|",
    }
    assert block_keys(rec("b", "Émile", year=1762)) == {"t:emile|1762"}
    assert block_keys(rec("b", "Le Horla", year=1887)) == {"t:horla|1887"}


def test_block_key_is_cut_to_the_column_size():
    long_word = "中华人民共和国国务院公报" * 30  # CJK writes without spaces: one long word
    record = rec("a", long_word, year=1990)
    (key,) = block_keys(record)
    assert len(key) == 255
    assert key == ("t:" + long_word)[:255]


# --- title similarity -------------------------------------------------------------------------------


def test_title_similarity_exact():
    same = rec("a", "Maroc 1912"), rec("b", "Maroc 1912")
    assert title_similarity(*same) == 100.0
    typo = rec("a", "Maroc 1912"), rec("b", "Maroc 1913")
    assert title_similarity(*typo) == 90.0
    assert title_similarity(rec("a", "Parlement"), rec("b", "Parlement[s]")) == 90.0
    typos = rec("a", "Histoire religieuse"), rec("b", "Histoira raligieuse")
    assert title_similarity(*typos) == pytest.approx(89.47368421)
    assert title_similarity(rec("a", "Histoire du Maroc"), rec("b", "Maroc 1912")) == 50.0


def test_title_similarity_without_titles_is_zero():
    assert title_similarity(rec("a", ""), rec("b", "")) == 0.0
    assert title_similarity(rec("a", ""), rec("b", "Maroc 1912")) == 0.0


def test_a_subtitle_one_side_only_is_ignored():
    plain = rec("a", "L'économie politique")
    sub = rec("b", "L'économie politique", subtitle="une introduction")
    assert title_similarity(plain, sub) == 100.0
    assert title_similarity(sub, plain) == 100.0


def test_two_subtitles_are_compared():
    a = rec("a", "Histoire du Maroc", subtitle="des origines à 1830")
    b = rec("b", "Histoire du Maroc", subtitle="de 1830 à nos jours")
    assert title_similarity(a, b) == pytest.approx(77.19298246)


def test_a_near_identical_long_title_is_not_rounded_up():
    title = (
        "Bulletin économique et social du Maroc : revue trimestrielle publiée par la Société d'études "
        "économiques, sociales et statistiques"
    )
    typo = title.replace("trimestrielle", "trimestrielel")
    assert title_similarity(rec("a", title), rec("b", typo)) == pytest.approx(99.11504425)


# --- strong links ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "value"),
    [
        ("isbn", "9782070360246"),
        ("issn", "0028-0836"),
        ("lccn", "n78089035"),
        ("oclc", "12345"),
        ("nbn", "FRBNF35591279"),
    ],
)
def test_each_strong_scheme_links(scheme, value):
    a = rec("b", "L'Étranger", **{scheme: [value]})
    b = rec("a", "L'étranger", year=1991, **{scheme: [value]})
    assert strong_link(a, b) == Edge("a", "b", rule=scheme, score=1.0)


def test_the_first_shared_scheme_names_the_link():
    a = rec("a", "Nature", issn=["0028-0836"], oclc=["1586310"])
    b = rec("b", "Nature", issn=["0028-0836"], oclc=["1586310"])
    assert strong_link(a, b).rule == "issn"


def test_issn_title_guard_is_strict():
    # 90.0 is enough, 89.47 is not: an ISSN names one serial title
    a = rec("a", "Parlement", year=1990, issn=["0031-2290"])
    b = rec("b", "Parlement[s]", year=2004, issn=["0031-2290"])
    assert strong_link(a, b) == Edge("a", "b", rule="issn", score=1.0)
    assert (
        strong_link(
            rec("a", "Histoire religieuse", year=1990, issn=["0031-2290"]),
            rec("b", "Histoira raligieuse", year=2004, issn=["0031-2290"]),
        )
        is None
    )


def test_default_title_guard_at_fifty():
    assert strong_link(
        rec("a", "Histoire du Maroc", year=1990, isbn=["9782070360246"]),
        rec("b", "Maroc 1912", year=1991, isbn=["9782070360246"]),
    ) == Edge("a", "b", rule="isbn", score=1.0)  # 50.0
    assert (
        strong_link(
            rec("a", "Revue juridique, politique et économique du Maroc", year=1990, isbn=["9782070360246"]),
            rec("b", "Revue des études islamiques", year=1991, isbn=["9782070360246"]),
        )
        is None
    )  # 49.23


# A title mangled by a bad character set (UTF-8 read as Windows-1252): nothing like the other record's.
MANGLED = "مقدمة ابن خلدون".encode().decode("cp1252", errors="replace")


def test_same_imprint_lets_a_shared_identifier_hold_when_titles_differ():
    mangled = rec("a", MANGLED, author="Dussieux, L.", year=1900, isbn=["9782070360246"])
    roman = rec("b", "Muqaddimat Ibn Khaldūn", author="Dussiaux, L.", year=1900, isbn=["9782070360246"])
    assert title_similarity(mangled, roman) < 50
    assert strong_link(mangled, roman) == Edge("a", "b", rule="isbn", score=1.0)  # authors: 90.0
    other_year = rec("b", "Muqaddimat Ibn Khaldūn", author="Dussiaux, L.", year=1901, isbn=["9782070360246"])
    assert strong_link(mangled, other_year) is None
    no_year = rec("a", MANGLED, author="Dussieux, L.", year=None, isbn=["9782070360246"])
    no_year_either = rec("b", "Muqaddimat", author="Dussieux, L.", year=None, isbn=["9782070360246"])
    assert strong_link(no_year, no_year_either) is None


def test_a_shared_identifier_holds_across_scripts_through_the_transliteration_key():
    arabic = rec("a", "مقدمة ابن خلدون", year=1900, isbn=["9782070360246"])
    roman = rec("b", "Muqaddimat Ibn Khaldūn", year=1901, isbn=["9782070360246"])
    assert title_similarity(arabic, roman) == 100.0
    assert strong_link(arabic, roman) == Edge("a", "b", rule="isbn", score=1.0)


def test_same_imprint_author_threshold():
    insee = "Institut national de la statistique et des études économiques"
    isbn = ["9782070360246"]
    a = rec("a", MANGLED, author=f"{insee}, Direction régionale", year=2000, isbn=isbn)
    b = rec("b", "Muqaddimat Ibn Khaldūn", author=f"{insee}, Service régional", year=2000, isbn=isbn)
    assert strong_link(a, b) is None  # authors 89.31


@pytest.mark.parametrize(
    ("left", "right", "linked"),
    [
        ("Wen hai chʻu pan she", "An-hui wen i chʻu pan she", True),  # 90.0
        ("Typ. G. Chamerot", "Typogr. G. Chamerot", True),  # 90.32
        ("Hua shan wen i chʻu pan she", "An-hui wen i chʻu pan she", False),  # 89.47
        ("", "An-hui wen i chʻu pan she", False),
    ],
)
def test_same_imprint_publisher_threshold(left, right, linked):
    a = rec("a", MANGLED, year=1980, publisher=left, isbn=["9787212000000"])
    b = rec("b", "Muqaddimat Ibn Khaldūn", year=1980, publisher=right, isbn=["9787212000000"])
    assert (strong_link(a, b) is not None) is linked


def test_strong_link_refuses_other_volumes_and_conflicting_identifiers():
    tome1 = rec("a", "Histoire de France. Tome 1", isbn=["9782070360246"])
    tome2 = rec("b", "Histoire de France. Tome 2", isbn=["9782070360246"])
    assert strong_link(tome1, tome2) is None
    # an OCLC number shared by two editions (OCLC has duplicates): their ISBNs or LCCNs tell them apart
    a = rec("a", "Nedjma", oclc=["4663010"], isbn=["9782020314299"])
    b = rec("b", "Nedjma", oclc=["4663010"], isbn=["9782020005883"])
    assert strong_link(a, b) is None
    c = rec("c", "Nedjma", oclc=["4663010"], lccn=["57001234"])
    d = rec("d", "Nedjma", oclc=["4663010"], lccn=["57004321"])
    assert strong_link(c, d) is None
    # a shared ISBN is not overruled at the link by other identifiers (the cluster checks them)
    e = rec("e", "Nedjma", isbn=["9782020314299"], lccn=["57001234"])
    f = rec("f", "Nedjma", isbn=["9782020314299"], lccn=["57004321"])
    assert strong_link(e, f) == Edge("e", "f", rule="isbn", score=1.0)
    assert strong_link(rec("g", "Nedjma"), rec("h", "Nedjma")) is None


# --- fuzzy scores -----------------------------------------------------------------------------------


def test_fuzzy_score_weights():
    # title 100, no author either side (100), one publisher only (85)
    assert fuzzy_score(rec("a", "Nedjma", publisher="Seuil"), rec("b", "Nedjma")) == pytest.approx(97.75)
    # one author only (70), same publisher (100)
    one_author = rec("a", "Nedjma", author="Kateb, Yacine", publisher="Seuil")
    assert fuzzy_score(one_author, rec("b", "Nedjma", publisher="Seuil")) == pytest.approx(92.5)
    assert fuzzy_score(rec("b", "Nedjma", publisher="Seuil"), one_author) == pytest.approx(92.5)
    # authors 88.0, publishers 84.21
    a = rec("a", "Nedjma", author="Kateb, Yacine", publisher="Dar al-Fikr")
    b = rec("b", "Nedjma", author="Kateb, Yassine", publisher="Dar al-Kutub")
    assert fuzzy_score(a, b) == pytest.approx(60 + 0.25 * 88.0 + 0.15 * 84.21052632)


def test_fuzzy_score_hard_rules():
    base = rec("a", "Nedjma", author="Kateb, Yacine", year=1956)
    assert fuzzy_score(base, rec("b", "Nedjma", author="Kateb, Yacine", year=1957)) is None
    sound = rec("b", "Nedjma", author="Kateb, Yacine", year=1956, material=MaterialType.SOUND)
    assert fuzzy_score(base, sound) is None
    assert fuzzy_score(rec("a", "", year=1956), rec("b", "", year=1956)) is None
    assert fuzzy_score(base, rec("b", "Nedjma. Tome 2", author="Kateb, Yacine", year=1956)) is None
    isbn_a = rec("a", "Nedjma", year=1956, isbn=["9782020314299"])
    isbn_b = rec("b", "Nedjma", year=1956, isbn=["9782020005883"])
    assert fuzzy_score(isbn_a, isbn_b) is None
    lccn_a = rec("a", "Nedjma", year=1956, lccn=["57001234"])
    assert fuzzy_score(lccn_a, rec("b", "Nedjma", year=1956, lccn=["57004321"])) is None
    assert fuzzy_score(lccn_a, rec("b", "Nedjma", year=1956, lccn=["57001234"])) == pytest.approx(97.75)


def test_fuzzy_editions():
    fields = {"title": "Nedjma", "year": 1956, "material_type": MaterialType.BOOK}
    second = match_record("a", BibFields(edition="2e éd.", **fields))
    third = match_record("b", BibFields(edition="3e éd.", **fields))
    second_again = match_record("c", BibFields(edition="Deuxième édition", **fields))
    none = match_record("d", BibFields(**fields))
    assert fuzzy_score(second, third) is None
    assert fuzzy_score(second, second_again) == pytest.approx(97.75)
    assert fuzzy_score(second, none) == pytest.approx(97.75)


@pytest.mark.parametrize(
    ("left", "right", "score"),
    [
        ("Parlement", "Parlement[s]", 0.6 * 90.0 + 25 + 12.75),  # title 90.0: enough
        ("Histoire religieuse", "Histoira raligieuse", None),  # 89.47: not
    ],
)
def test_fuzzy_title_minimum(left, right, score):
    result = fuzzy_score(rec("a", left), rec("b", right, publisher="Seuil"))
    assert result == (pytest.approx(score) if score else None)


@pytest.mark.parametrize(
    ("left", "right", "author"),
    [
        ("Adam, Pierre", "Rain, Pierre", 80.0),  # enough
        ("Duvergier, Jean-Baptiste", "Grivel, Jean Baptiste, baron", None),  # 79.07: another author
    ],
)
def test_fuzzy_author_minimum(left, right, author):
    result = fuzzy_score(rec("a", "Nedjma", author=left), rec("b", "Nedjma", author=right))
    assert result == (pytest.approx(60 + 0.25 * author + 12.75) if author else None)


# --- clustering -------------------------------------------------------------------------------------


def test_fuzzy_threshold_exactly_ninety_joins():
    # title 100, authors 90.0, publishers 50.0: 60 + 22.5 + 7.5 = 90.0
    a = rec("a", "Le Maroc en 1912", author="Dussieux, L.", publisher="Flammarion")
    b = rec("b", "Le Maroc en 1912", author="Dussiaux, L.", publisher="Fayard")
    result = cluster([a, b])
    assert result.clusters == [["a", "b"]]
    assert result.edges == [Edge("a", "b", rule="fuzzy", score=0.9)]


def test_fuzzy_threshold_just_below_and_above():
    # one author only (70), publishers 80.0: 89.5, apart
    a = rec("a", "Le Maroc en 1912", author="Dussieux, L.", publisher="A Coté et Cie")
    b = rec("b", "Le Maroc en 1912", publisher="E. Plon et cie")
    assert cluster([a, b]).clusters == [["a"], ["b"]]
    # one author only, publishers 84.21: 90.13, together, the score rounded to 4 places
    c = rec("c", "Le Maroc en 1912", author="Dussieux, L.", publisher="Dar al-Fikr")
    d = rec("d", "Le Maroc en 1912", publisher="Dar al-Kutub")
    result = cluster([c, d])
    assert result.clusters == [["c", "d"]]
    assert result.edges == [Edge("c", "d", rule="fuzzy", score=0.9013)]


def test_manual_decisions_name_records_outside_the_set():
    a, b = rec("a", "Nedjma"), rec("b", "Nedjma")
    result = cluster([a, b], manual_same=[("a", "zz"), ("yy", "b")], manual_different=[("a", "xx")])
    assert result.clusters == [["a", "b"]]
    assert result.edges == [Edge("a", "b", rule="fuzzy", score=0.9775)]


def test_manual_split_works_in_either_order():
    a = rec("a", "Pride and prejudice", isbn=["9780141439518"])
    b = rec("b", "Pride and prejudice", isbn=["9780141439518"])
    result = cluster([a, b], manual_different=[("b", "a")])
    assert result.clusters == [["a"], ["b"]]
    assert result.refused == [Edge("a", "b", rule="isbn", score=1.0)]


def test_a_refused_fuzzy_link_is_not_reported():
    a, b = rec("a", "Nedjma", author="Kateb, Yacine"), rec("b", "Nedjma", author="Kateb, Yacine")
    result = cluster([a, b], manual_different=[("a", "b")])
    assert result.clusters == [["a"], ["b"]]
    assert result.edges == [] and result.refused == []


def test_manual_join_outranks_conflicting_isbns():
    a = rec("a", "Nedjma", isbn=["9782020314299"])
    b = rec("b", "Nedjma", year=1996, isbn=["9782020005883"])
    result = cluster([a, b], manual_same=[("b", "a")])
    assert result.clusters == [["a", "b"]]
    assert result.edges == [Edge("a", "b", rule="manual", score=1.0)]
    assert result.refused == []


def test_isbns_must_agree_across_a_cluster():
    # b has no ISBN and matches a and c; a and c are two editions: c stays apart
    a = rec("a", "Nedjma", author="Kateb, Yacine", isbn=["9782020314299"])
    b = rec("b", "Nedjma", author="Kateb, Yacine")
    c = rec("c", "Nedjma", author="Kateb, Yacine", isbn=["9782020005883"])
    result = cluster([a, b, c])
    assert result.clusters == [["a", "b"], ["c"]]
    assert result.edges == [Edge("a", "b", rule="fuzzy", score=0.9775)]
    assert result.refused == []


def test_lccns_must_agree_across_a_cluster():
    a = rec("a", "Nedjma", oclc=["4663010"], lccn=["57001234"])
    b = rec("b", "Nedjma", oclc=["4663010"])
    c = rec("c", "Nedjma", oclc=["4663010"], lccn=["57004321"])
    result = cluster([a, b, c])
    assert result.clusters == [["a", "b"], ["c"]]
    assert result.edges == [Edge("a", "b", rule="oclc", score=1.0)]
    assert result.refused == [Edge("b", "c", rule="oclc", score=1.0)]


def test_volumes_must_agree_across_a_cluster_joined_by_hand():
    # staff joined each tome with a set record; the two set records share an ISBN: the tomes stay apart
    tome1 = rec("a", "Histoire de France. Tome 1")
    set1 = rec("b", "Histoire de France", isbn=["9782070360246"])
    tome2 = rec("c", "Histoire de France. Tome 2", year=1991)
    set2 = rec("d", "Histoire de France", isbn=["9782070360246"], year=1991)
    result = cluster([tome1, set1, tome2, set2], manual_same=[("a", "b"), ("c", "d")])
    assert result.clusters == [["a", "b"], ["c", "d"]]
    assert result.refused == [Edge("b", "d", rule="isbn", score=1.0)]


def test_strong_links_go_by_scheme_first():
    # a-b share an OCLC number, b-c an ISBN, a and c were split by hand: the ISBN link is made first
    a = rec("a", "Nedjma", oclc=["4663010"])
    b = rec("b", "Nedjma", oclc=["4663010"], isbn=["9782020314299"])
    c = rec("c", "Nedjma", isbn=["9782020314299"], year=1991)
    result = cluster([a, b, c], manual_different=[("a", "c")])
    assert result.clusters == [["a"], ["b", "c"]]
    assert result.edges == [Edge("b", "c", rule="isbn", score=1.0)]
    assert result.refused == [Edge("a", "b", rule="oclc", score=1.0)]


def test_a_split_holds_for_the_records_a_cluster_absorbed():
    # e-f (ISBN), then e-g (OCLC); f and g were split by hand: g stays apart
    e = rec("e", "Nedjma", isbn=["9782020314299"], oclc=["4663010"])
    f = rec("f", "Nedjma", isbn=["9782020314299"], year=1991)
    g = rec("g", "Nedjma", oclc=["4663010"], year=1991)
    result = cluster([e, f, g], manual_different=[("f", "g")])
    assert result.clusters == [["e", "f"], ["g"]]
    assert result.refused == [Edge("e", "g", rule="oclc", score=1.0)]
    # a split with a record absorbed into the other cluster holds as well
    a = rec("a", "Nedjma", oclc=["4663010"], year=1991)
    result = cluster([a, e, f], manual_different=[("a", "f")])
    assert result.clusters == [["a"], ["e", "f"]]
    assert result.refused == [Edge("a", "e", rule="oclc", score=1.0)]


def test_a_chain_of_clusters_ends_in_one_work():
    # pairs first (ISBN), then OCLC links join the pairs: unions of clusters of every size
    records = [
        rec("a", "Nedjma", isbn=["9782020314299"], oclc=["1"]),
        rec("b", "Nedjma", isbn=["9782020314299"], year=1991),
        rec("c", "Nedjma", issn=["0028-0836"], oclc=["1"], year=1990),
        rec("d", "Nedjma", issn=["0028-0836"], year=1991),
        rec("e", "Nedjma", lccn=["57001234"], oclc=["1"], year=1990),
        rec("f", "Nedjma", lccn=["57001234"], year=1991),
        rec("g", "Nedjma", nbn=["FRBNF1"], oclc=["1"], year=1990),
        rec("h", "Nedjma", nbn=["FRBNF1"], year=1991),
        rec("i", "Nedjma", oclc=["1"], year=1990),
    ]
    result = cluster(records)
    assert result.clusters == [["a", "b", "c", "d", "e", "f", "g", "h", "i"]]
    assert len(result.edges) == 8
    assert {e.rule for e in result.edges} == {"isbn", "issn", "lccn", "nbn", "oclc"}
    assert cluster(list(reversed(records))).clusters == result.clusters


def _block(size, joined_positions, material_elsewhere=MaterialType.MAP):
    """``size`` records with one title and year (one blocking key), books at the given positions and
    maps elsewhere: only books can match each other."""
    books = MaterialType.BOOK
    return [
        rec(f"r{i:03d}", "Carte du Maroc", material=books if i in joined_positions else material_elsewhere)
        for i in range(size)
    ]


def test_blocks_up_to_the_limit_compare_every_pair():
    result = cluster(_block(400, {0, 399}))
    assert ["r000", "r399"] in result.clusters


def test_larger_blocks_compare_neighbours_only():
    # books at 0, 1, 6, 12 and 400: 0-1 (next) and 1-6 (five apart) are compared; 6-12 (six apart)
    # and 0-400 are not
    result = cluster(_block(401, {0, 1, 6, 12, 400}))
    assert ["r000", "r001", "r006"] in result.clusters
    assert ["r012"] in result.clusters
    assert ["r400"] in result.clusters


def test_other_volumes_never_match_fuzzily():
    tome1 = rec("a", "Histoire de France. Tome 1", author="Lavisse, Ernest")
    tome2 = rec("b", "Histoire de France. Tome 2", author="Lavisse, Ernest")
    assert title_similarity(tome1, tome2) == pytest.approx(95.45454545)
    assert fuzzy_score(tome1, tome2) is None
    assert cluster([tome1, tome2]).clusters == [["a"], ["b"]]


def test_a_record_joins_a_larger_cluster():
    e = rec("e", "Nedjma", isbn=["9782020314299"])
    f = rec("f", "Nedjma", isbn=["9782020314299"], oclc=["4663010"], year=1991)
    a = rec("a", "Nedjma", oclc=["4663010"], year=1992)
    result = cluster([a, e, f])
    assert result.clusters == [["a", "e", "f"]]
    assert result.edges == [Edge("e", "f", rule="isbn", score=1.0), Edge("a", "f", rule="oclc", score=1.0)]


def test_best_fuzzy_links_are_made_first():
    # a-c (title 100) beats a-b (title 95.45); b and c were split by hand
    a = rec("a", "Histoire de la littérature arabe moderne", author="Pérès, Henri")
    b = rec("b", "Histoire de la littérature arabe modernes", author="Pérès, Henri")
    c = rec("c", "Histoire de la littérature arabe moderne", author="Pérès, Henri")
    result = cluster([a, b, c], manual_different=[("b", "c")])
    assert result.clusters == [["a", "c"], ["b"]]
    assert result.edges == [Edge("a", "c", rule="fuzzy", score=0.9775)]


def test_equal_links_are_made_in_key_order():
    # c-d share an ISBN; a matches d (1991) and b matches c (1990) equally well; a and b were split
    # by hand: a, first in key order, joins
    c = rec("c", "Nedjma", author="Kateb, Yacine", year=1990, isbn=["9782020314299"])
    d = rec("d", "Nedjma", author="Kateb, Yacine", year=1991, isbn=["9782020314299"])
    a = rec("a", "Nedjma", author="Kateb, Yacine", year=1991)
    b = rec("b", "Nedjma", author="Kateb, Yacine", year=1990)
    result = cluster([a, b, c, d], manual_different=[("a", "b")])
    assert result.clusters == [["a", "c", "d"], ["b"]]
    # the same with OCLC links instead of fuzzy ones
    c = rec("c", "Nedjma", year=1990, isbn=["9782020314299"], oclc=["2"])
    d = rec("d", "Nedjma", year=1991, isbn=["9782020314299"], oclc=["1"])
    a = rec("a", "Nedjma", year=1991, oclc=["1"])
    b = rec("b", "Nedjma", year=1990, oclc=["2"])
    result = cluster([a, b, c, d], manual_different=[("a", "b")])
    assert result.clusters == [["a", "c", "d"], ["b"]]
    assert result.refused == [Edge("b", "c", rule="oclc", score=1.0)]
