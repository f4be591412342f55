import random

import pytest

from khizana.search.query import MAX_CLAUSES, ParsedQuery, Term, parse_query


def clauses(text):
    return parse_query(text).clauses


# --- Syntax features ------------------------------------------------------------------------------


def test_plain_words_all_must_match():
    parsed = parse_query("économie  politique")
    assert parsed.clauses == [[Term("économie")], [Term("politique")]]
    assert not parsed.degraded and parsed.notes == []
    assert parsed.explain() == "all of: économie, politique"


def test_quoted_phrase():
    assert clauses('"mille et une  nuits" contes') == [
        [Term("mille et une nuits", phrase=True)],
        [Term("contes")],
    ]
    assert clauses("«Les Misérables»") == [[Term("Les Misérables", phrase=True)]]
    assert clauses("“ابن خلدون”") == [[Term("ابن خلدون", phrase=True)]]


def test_or_between_terms_binds_tighter_than_and():
    assert clauses("a b OR c") == [[Term("a")], [Term("b"), Term("c")]]
    assert clauses("a | b | c") == [[Term("a"), Term("b"), Term("c")]]
    assert clauses("a||b") == [[Term("a"), Term("b")]]
    assert clauses("or and") == [[Term("or")], [Term("and")]]  # lower case: plain words
    assert clauses("a AND b") == [[Term("a")], [Term("b")]]


def test_or_between_groups():
    assert clauses("(roman OR nouvelle) Maroc") == [[Term("roman"), Term("nouvelle")], [Term("Maroc")]]
    # (a AND b) OR c == (a OR c) AND (b OR c)
    assert clauses("(a b) OR c") == [[Term("a"), Term("c")], [Term("b"), Term("c")]]


def test_exclusions():
    parsed = parse_query('maroc -enfants -"livre jeunesse" NOT bd')
    assert parsed.clauses == [
        [Term("maroc")],
        [Term("enfants", negated=True)],
        [Term("livre jeunesse", phrase=True, negated=True)],
        [Term("bd", negated=True)],
    ]
    assert parsed.excluded == [Term("enfants", negated=True), *[c[0] for c in parsed.clauses[2:]]]
    assert parsed.positive_clauses == [[Term("maroc")]]
    assert clauses("x -(a OR b)") == [[Term("x")], [Term("a", negated=True)], [Term("b", negated=True)]]
    assert clauses("jean-paul") == [[Term("jean-paul")]]


def test_field_prefixes():
    parsed = parse_query('title:"mille et une nuits" author:Galland subject:contes')
    assert parsed.clauses == [
        [Term("mille et une nuits", "title", phrase=True)],
        [Term("Galland", "author")],
        [Term("contes", "subject")],
    ]
    assert clauses("TITLE:peste") == [[Term("peste", "title")]]
    assert clauses("title:(peste OR choléra)") == [[Term("peste", "title"), Term("choléra", "title")]]
    assert clauses("title:(a author:b)") == [[Term("a", "title")], [Term("b", "author")]]
    assert clauses("-title:peste") == [[Term("peste", "title", negated=True)]]
    assert clauses("title: peste") == [[Term("peste", "title")]]


def test_french_and_arabic_field_names():
    assert clauses("titre:peste auteur:camus sujet:roman") == [
        [Term("peste", "title")],
        [Term("camus", "author")],
        [Term("roman", "subject")],
    ]
    assert clauses("عنوان:المقدمة مؤلف:خلدون") == [[Term("المقدمة", "title")], [Term("خلدون", "author")]]
    assert parse_query("annee:1990").year_from == 1990


@pytest.mark.parametrize(
    ("text", "year_from", "year_to"),
    [
        ("year:1990", 1990, 1990),
        ("year:1990-2000", 1990, 2000),
        ("year:1990–2000", 1990, 2000),
        ("year:1990..2000", 1990, 2000),
        ("year:>1990", 1991, None),
        ("year:>=1990", 1990, None),
        ("year:<2000", None, 1999),
        ("year:<=2000", None, 2000),
        ("year:1990-", 1990, None),
        ("year:-2000", None, 2000),
        ("year:>1990 year:<2000", 1991, 1999),
        ('year:"1990 - 2000"', 1990, 2000),
    ],
)
def test_year_filters(text, year_from, year_to):
    parsed = parse_query(text)
    assert (parsed.year_from, parsed.year_to) == (year_from, year_to)
    assert parsed.clauses == [] and not parsed.degraded


def test_explain_reads_the_whole_query():
    parsed = parse_query('économie politique title:"mille et une nuits" -enfants year:1990-2000')
    assert parsed.explain() == (
        'all of: économie, politique; title: "mille et une nuits"; not: enfants; years 1990–2000'
    )
    assert parse_query("a OR b").explain() == "one of: a | b"
    assert parse_query("year:>1999").explain() == "from 2000"
    assert parse_query("year:<1900").explain() == "until 1899"
    assert parse_query("year:1984").explain() == "year 1984"
    assert parse_query("").explain() == "empty query"


def test_isbn_field_is_normalised_to_isbn13():
    parsed = parse_query("isbn:2-07-036024-5")
    assert parsed.isbn == ["9782070360246"]
    assert parsed.clauses == [[Term("9782070360246", "isbn")]]
    assert parse_query("isbn:978-2-07-036024-6").isbn == ["9782070360246"]
    assert parse_query('isbn:"978 2 07 036024 6"').isbn == ["9782070360246"]
    wrong = parse_query("isbn:207036024x")  # wrong check digit: searched as a word, noted
    assert wrong.isbn == [] and wrong.clauses == [[Term("207036024x")]]
    assert wrong.notes == ['ISBN "207036024x" is not valid, searched as a word']


def test_bare_isbn_is_an_isbn_and_a_word():
    parsed = parse_query("2-07-036024-5 camus")
    assert parsed.isbn == ["9782070360246"]
    assert parsed.clauses == [[Term("2-07-036024-5"), Term("9782070360246", "isbn")], [Term("camus")]]
    assert not parsed.degraded
    assert parse_query("9782070360246").isbn == ["9782070360246"]
    assert parse_query("9782070360247").isbn == []  # bad checksum: only a word
    assert parse_query("1234567890123").clauses == [[Term("1234567890123")]]
    assert parse_query("title:9782070360246").isbn == []  # a title word, as asked
    excluded = parse_query("-9782070360246")
    assert excluded.isbn == [] and all(c[0].negated for c in excluded.clauses)


# --- Malformed input: read in the nearest sensible way, with a note -----------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "note"),
    [
        ('"unbalanced quote', [[Term("unbalanced")], [Term("quote")]], "Unbalanced quote ignored"),
        ('a "b c" "d', [[Term("a")], [Term("b c", phrase=True)], [Term("d")]], "Unbalanced quote ignored"),
        ('""', [], "Empty quotes ignored"),
        ("OR a", [[Term("a")]], '"OR" without a term on both sides ignored'),
        ("a OR", [[Term("a")]], '"OR" without a term on both sides ignored'),
        ("a OR OR b", [[Term("a")], [Term("b")]], '"OR" without a term on both sides ignored'),
        ("a -", [[Term("a")]], 'Stray "-" ignored'),
        ("a - b", [[Term("a")], [Term("b")]], 'Stray "-" ignored'),
        ("a NOT", [[Term("a")]], 'Stray "-" ignored'),
        ("foo:bar", [[Term("foo")], [Term("bar")]], 'Unknown field "foo:" read as words'),
        ("title:", [], 'Empty field "title:" ignored'),
        ("title: OR x", [[Term("x")]], 'Empty field "title:" ignored'),
        ("year:abc", [], 'Year "abc" not understood, ignored'),
        ("year:2000-1990", [], 'Year range "2000-1990" reversed'),
        ("!!! ?", [], 'Punctuation "!!!" ignored'),
        ("(a OR b", [[Term("a"), Term("b")]], 'Unbalanced "(" closed at the end'),
        ("a) b", [[Term("a")], [Term("b")]], 'Unbalanced ")" ignored'),
        ("a OR -b", [[Term("a"), Term("b")]], "Exclusion inside OR read as a plain word"),
        ("isbn:abc", [], 'ISBN "abc" not understood, ignored'),
        ("x (year:1990 OR y)", [[Term("x")], [Term("y")]], "A year filter applies to the whole query"),
        ("year:1990 year:2000", [], "Conflicting years: the last one kept"),
    ],
)
def test_malformed_inputs(text, expected, note):
    parsed = parse_query(text)
    assert parsed.clauses == expected
    assert note in parsed.notes
    assert parsed.degraded


def test_bad_year_range_is_swapped():
    parsed = parse_query("year:2000-1990")
    assert (parsed.year_from, parsed.year_to) == (1990, 2000)
    conflict = parse_query("year:1990 year:2000")
    assert (conflict.year_from, conflict.year_to) == (2000, 2000)


def test_too_complex_groups_are_loosened():
    parsed = parse_query("(a b c d e f) OR (g h i j k l)")  # 36 clauses in normal form
    assert MAX_CLAUSES < 36
    assert parsed.clauses == [[Term(x) for x in "abcdefghijkl"]]
    assert parsed.degraded


def test_deep_nesting_and_long_input_do_not_raise():
    parsed = parse_query("(" * 5000 + "x" + ")" * 5000)
    assert parsed.degraded
    assert parse_query("NOT " * 200 + "x").clauses == [[Term("x")]]
    assert parse_query("NOT " * 201 + "x").clauses == [[Term("x", negated=True)]]
    assert parse_query("a " * 2000).clauses == [[Term("a")]]


def test_none_and_empty():
    for text in (None, "", "   ", "\t\n"):
        parsed = parse_query(text)
        assert isinstance(parsed, ParsedQuery)
        assert parsed.is_empty and not parsed.degraded


def test_duplicates_are_merged():
    assert clauses("maroc Maroc maroc") == [[Term("maroc")], [Term("Maroc")]]
    assert clauses("a OR a") == [[Term("a")]]


def test_fuzz_never_raises():
    rng = random.Random(20240611)
    alphabet = [
        '"', "“", "«", "»", "-", "--", ":", "|", "(", ")", " ", " ", " ", "OR", "NOT", "AND", "title:",
        "year:", "isbn:", "author:", "foo:", ">", "<", "=", "1990", "2000", "-", "978-2-07-036024-6",
        "a", "b", "é", "x", "ال", "كتاب", "مكتبة", "أ", "ـ", "\u064e", "!", "?", ",", "'", "\t",
    ]  # fmt: skip
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        parsed = parse_query(text)
        assert isinstance(parsed.explain(), str)
        assert parsed.degraded == bool(parsed.notes)
        for clause in parsed.clauses:
            assert clause
            assert len(clause) == 1 or not any(term.negated for term in clause)
            for term in clause:
                assert term.text.strip()
                assert term.field in (None, "title", "author", "subject", "isbn")
        if parsed.year_from is not None and parsed.year_to is not None:
            assert parsed.year_from <= parsed.year_to
