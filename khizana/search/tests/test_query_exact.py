"""The reader's query syntax, exactly: every note, field name, quote, sign, year form and limit.

Pure (no database, no index): ``parse_query`` is a function of the text.
"""

import pickle

import pytest

from khizana.search.query import (
    FIELDS,
    MAX_CLAUSES,
    MAX_DEPTH,
    MAX_LENGTH,
    NOTE_TEXTS,
    Note,
    ParsedQuery,
    Term,
    parse_query,
)


def read(text):
    parsed = parse_query(text)
    return parsed.clauses, [(note.code, note.value) for note in parsed.notes]


def T(text, field=None, phrase=False, negated=False):
    return Term(text, field, phrase, negated)


# --- notes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "value", "text"),
    [
        ("unbalanced_quote", "", "Unbalanced quote ignored"),
        ("empty_quotes", "", "Empty quotes ignored"),
        ("stray_sign", "-", 'Stray "-" ignored'),
        ("unknown_field", "foo", 'Unknown field "foo:" read as words'),
        ("punctuation", "!!!", 'Punctuation "!!!" ignored'),
        ("unbalanced_close", "", 'Unbalanced ")" ignored'),
        ("dangling_or", "", '"OR" without a term on both sides ignored'),
        ("empty_field", "title", 'Empty field "title:" ignored'),
        ("too_deep", "", "Too many nested parentheses: some ignored"),
        ("unbalanced_open", "", 'Unbalanced "(" closed at the end'),
        ("isbn_not_understood", "abc", 'ISBN "abc" not understood, ignored'),
        ("isbn_invalid", "207036024x", 'ISBN "207036024x" is not valid, searched as a word'),
        ("year_whole_query", "", "A year filter applies to the whole query"),
        ("year_reversed", "2000-1990", 'Year range "2000-1990" reversed'),
        ("year_not_understood", "abc", 'Year "abc" not understood, ignored'),
        ("years_conflict", "", "Conflicting years: the last one kept"),
        ("too_complex", "", "Query too complex: its groups were read as any of their words"),
        ("exclusion_in_or", "", "Exclusion inside OR read as a plain word"),
        ("cut", "1000", "Query cut to 1000 characters"),
        ("not_understood", "", "Query not understood: read as words"),
        ("index_missing", "", "The search index is not built yet."),
        ("fuzzy_retry", "", "Few exact matches: results include close spellings."),
    ],
)
def test_note_texts(code, value, text):
    note = Note(code, value)
    assert note == text
    assert (note.code, note.value) == (code, value)
    copy = pickle.loads(pickle.dumps(note))
    assert (copy, copy.code, copy.value) == (text, code, value)
    assert NOTE_TEXTS[code].format(value=value) == text


def test_constants():
    assert FIELDS == ("title", "author", "subject", "isbn", "year")
    assert (MAX_LENGTH, MAX_DEPTH, MAX_CLAUSES) == (1000, 10, 32)
    assert len(NOTE_TEXTS) == 22


# --- field names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("title:peste", "title"),
        ("TITLE:peste", "title"),
        ("author:peste", "author"),
        ("subject:peste", "subject"),
        ("titre:peste", "title"),
        ("auteur:peste", "author"),
        ("Sujet:peste", "subject"),
        ("عنوان:peste", "title"),
        ("مؤلف:peste", "author"),
        ("مولف:peste", "author"),
        ("موضوع:peste", "subject"),
    ],
)
def test_field_names(text, field):
    assert read(text) == ([[T("peste", field)]], [])


@pytest.mark.parametrize("name", ["year", "annee", "année", "date", "سنة", "سنه", "YEAR"])
def test_year_field_names(name):
    parsed = parse_query(f"{name}:1962")
    assert (parsed.year_from, parsed.year_to, parsed.clauses, parsed.notes) == (1962, 1962, [], [])


# --- lexer: quotes, signs, operators ------------------------------------------------------------------


@pytest.mark.parametrize("quote", ['"', "“", "”", "«", "»", "„"])
def test_every_quote_mark(quote):
    assert read(f"{quote}mille et une nuits{quote} contes") == (
        [[T("mille et une nuits", phrase=True)], [T("contes")]],
        [],
    )


def test_quotes_close_with_any_quote_mark():
    assert read("„a b“") == ([[T("a b", phrase=True)]], [])
    assert read('x "a" y') == ([[T("x")], [T("a", phrase=True)], [T("y")]], [])
    assert read("«Les Misérables") == ([[T("Les")], [T("Misérables")]], [("unbalanced_quote", "")])
    assert read('title:""') == ([], [("empty_quotes", ""), ("empty_field", "title")])


def test_parentheses_and_bars_end_a_word():
    assert read("a(b OR c)") == ([[T("a")], [T("b"), T("c")]], [])
    assert read("a)b") == ([[T("a")], [T("b")]], [("unbalanced_close", "")])
    assert read("a|b") == ([[T("a"), T("b")]], [])
    assert read('a"b c"') == ([[T("a")], [T("b c", phrase=True)]], [])


@pytest.mark.parametrize(
    ("text", "clauses", "notes"),
    [
        ("a AND b", [[T("a")], [T("b")]], []),
        ("a && b", [[T("a")], [T("b")]], []),
        ("a & b", [[T("a")], [T("b")]], []),
        ("a + b", [[T("a")], [T("b")]], []),
        ("+a", [[T("a")]], []),
        ("+", [], []),
        ("++", [], [("stray_sign", "++")]),
        ("--a", [[T("a", negated=True)]], []),
        ("-", [], [("stray_sign", "-")]),
        ("- (a)", [[T("a")]], [("stray_sign", "-")]),
        ("-(a)", [[T("a", negated=True)]], []),
        ("-a -a", [[T("a", negated=True)]], []),
        ("NOT", [], [("stray_sign", "-")]),
        ("NOT OR a", [[T("a")]], [("stray_sign", "-")]),
        ("NOT NOT a", [[T("a")]], []),
        ("a OR NOT b", [[T("a"), T("b")]], [("exclusion_in_or", "")]),
        ("a OR -", [[T("a")]], [("stray_sign", "-"), ("dangling_or", "")]),
        ("not a", [[T("not")], [T("a")]], []),  # lower case: a word
        ("10:30", [[T("10")], [T("30")]], []),  # no letter before the colon: no note
        (":x", [[T(":x")]], []),
        ("a:b:c", [[T("a")], [T("b:c")]], [("unknown_field", "a")]),
        ("foo:...", [[T("foo")]], [("unknown_field", "foo")]),
        ("...:x", [[T("...")], [T("x")]], []),
        ("title:author:x", [[T("author:x", "title")]], []),
    ],
)
def test_lexer(text, clauses, notes):
    assert read(text) == (clauses, notes)


# --- parser: OR, groups, fields on groups, depth ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "clauses", "notes"),
    [
        ("a OR b OR", [[T("a"), T("b")]], [("dangling_or", "")]),
        ("a |", [[T("a")]], [("dangling_or", "")]),
        ("| a", [[T("a")]], [("dangling_or", "")]),
        ("a ( OR b)", [[T("a")], [T("b")]], [("dangling_or", "")]),
        ("( OR a)", [[T("a")]], [("dangling_or", "")]),
        ("a OR a OR b", [[T("a"), T("b")]], []),
        ("a b a", [[T("a")], [T("b")]], []),
        ('"a" a', [[T("a", phrase=True)], [T("a")]], []),
        ("(a OR b) (c OR d)", [[T("a"), T("b")], [T("c"), T("d")]], []),
        ("a OR (b c)", [[T("a"), T("b")], [T("a"), T("c")]], []),
        ("-(a OR b) c", [[T("a", negated=True)], [T("b", negated=True)], [T("c")]], []),
        ("NOT (a b)", [[T("a"), T("b")]], [("exclusion_in_or", "")]),
        ("()", [], []),
        ("(())", [], []),
        ("-()", [], []),
        ("title:()", [], []),
        ("title: author:x", [[T("x", "author")]], [("empty_field", "title")]),
        ("title: OR x", [[T("x")]], [("empty_field", "title")]),
        ("title: )", [], [("empty_field", "title"), ("unbalanced_close", "")]),
        ("title:(a", [[T("a", "title")]], [("unbalanced_open", "")]),
        ('title: "a b"', [[T("a b", "title", phrase=True)]], []),
        ("title:(a OR b) -c", [[T("a", "title"), T("b", "title")], [T("c", negated=True)]], []),
        ("author:(a OR title:b)", [[T("a", "author"), T("b", "title")]], []),
        ("title:(-a b)", [[T("a", "title", negated=True)], [T("b", "title")]], []),
        ("isbn:(a b)", [[T("a")], [T("b")]], []),  # no ISBN field on words
    ],
)
def test_parser(text, clauses, notes):
    assert read(text) == (clauses, notes)


def test_nesting_depth_limit():
    assert read("(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH) == ([[T("x")]], [])
    deeper = MAX_DEPTH + 1
    notes = [("too_deep", ""), ("unbalanced_close", "")]
    assert read("(" * deeper + "x" + ")" * deeper) == ([[T("x")]], notes)


def test_clause_limit():
    parsed = parse_query("(a b c d) OR (e f g h) OR (i j)")  # 4 x 4 x 2 = 32 clauses: kept
    assert len(parsed.clauses) == 32 and parsed.notes == []
    assert parsed.clauses[0] == [T("a"), T("e"), T("i")]
    assert parsed.clauses[-1] == [T("d"), T("h"), T("j")]
    loose = parse_query("(a b c) OR (d e f g h i j k l m n)")  # 3 x 11 = 33: loosened
    assert loose.clauses == [[T(x) for x in "abcdefghijklmn"]]
    assert [n.code for n in loose.notes] == ["too_complex"]


def test_length_limit():
    exact = "x" * MAX_LENGTH
    assert read(exact) == ([[T(exact)]], [])
    assert read("x" * (MAX_LENGTH - 1) + " y") == ([[T("x" * (MAX_LENGTH - 1))]], [("cut", "1000")])


# --- ISBNs ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "isbn"),
    [
        ("0-8044-2957-X", "9780804429573"),  # ISBN-10 with X
        ("080442957X", "9780804429573"),
        ("978-2-07-036024-6", "9782070360246"),
        ("9782070360246", "9782070360246"),
    ],
)
def test_bare_isbns(text, isbn):
    parsed = parse_query(text)
    assert parsed.clauses == [[T(text), T(isbn, "isbn")]]
    assert parsed.isbn == [isbn]
    assert parsed.explain() == f"one of: {text} | isbn: {isbn}"


def test_an_sbn_is_only_a_word_unless_asked_as_an_isbn():
    # nine digits (a pre-1974 SBN): stdnum reads it, but a bare word of 9 digits is not taken for one
    assert read("340-01381-8") == ([[T("340-01381-8")]], [])
    assert parse_query("isbn:340-01381-8").isbn == ["9780340013816"]


def test_isbn_field():
    parsed = parse_query("isbn:978-2-07-036024-6 isbn:2-07-036024-5 -isbn:9780804429573")
    assert parsed.clauses == [[T("9782070360246", "isbn")], [T("9780804429573", "isbn", negated=True)]]
    assert parsed.isbn == ["9782070360246"]  # once, and not the excluded one
    assert read("isbn:2-07-036024-5 OR camus") == ([[T("9782070360246", "isbn"), T("camus")]], [])
    assert read("isbn:(2-07-036024-5)") == ([[T("2-07-036024-5"), T("9782070360246", "isbn")]], [])
    assert read("isbn:abc") == ([], [("isbn_not_understood", "abc")])
    assert read("isbn:207036024x") == ([[T("207036024x")]], [("isbn_invalid", "207036024x")])
    assert read('isbn:"207036024x"') == ([[T("207036024x", phrase=True)]], [("isbn_invalid", "207036024x")])


# --- years --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "years"),
    [
        ("year:1962", (1962, 1962)),
        ("year:=1962", (1962, 1962)),
        ("year:0", (0, 0)),
        ("year:1990-2000", (1990, 2000)),
        ("year:1990–2000", (1990, 2000)),
        ("year:1990—2000", (1990, 2000)),
        ("year:1990..2000", (1990, 2000)),
        ("year:1990/2000", (1990, 2000)),
        ("year:1990to2000", (1990, 2000)),
        ("year:1990à2000", (1990, 2000)),
        ("year:1990الى2000", (1990, 2000)),
        ('year:"1990 to 2000"', (1990, 2000)),
        ("year:1990-", (1990, None)),
        ("year:1990–", (1990, None)),
        ("year:1990..", (1990, None)),
        ("year:>1990", (1991, None)),
        ("year:>=1990", (1990, None)),
        ("year:≥1990", (1990, None)),
        ("year:-2000", (None, 2000)),
        ("year:–2000", (None, 2000)),
        ("year:..2000", (None, 2000)),
        ("year:<2000", (None, 1999)),
        ("year:<=2000", (None, 2000)),
        ("year:≤2000", (None, 2000)),
        ("year:>=1990 year:<=1995", (1990, 1995)),
        ("year:1990-1995 year:1993-2000", (1993, 1995)),  # filters combine
        ("title:(year:1990 a)", (1990, 1990)),
    ],
)
def test_year_forms(text, years):
    parsed = parse_query(text)
    assert (parsed.year_from, parsed.year_to) == years


@pytest.mark.parametrize(
    ("text", "years", "notes"),
    [
        ("year:2000-1990", (1990, 2000), [("year_reversed", "2000-1990")]),
        ("year:12345", (None, None), [("year_not_understood", "12345")]),
        ("year:1990 year:2000", (2000, 2000), [("years_conflict", "")]),
        ("year:>2000 year:<1990", (None, 1989), [("years_conflict", "")]),
        ("year:<1990 year:>2000", (2001, None), [("years_conflict", "")]),
        ("year:1990-2000 year:2005", (2005, 2005), [("years_conflict", "")]),
        ("-year:1990", (1990, 1990), [("year_whole_query", "")]),
        ("NOT year:1990", (1990, 1990), [("year_whole_query", "")]),
        ("(a OR b) year:1990 OR c", (1990, 1990), [("year_whole_query", "")]),
        ("year:1990 -(year:1995)", (1995, 1995), [("year_whole_query", ""), ("years_conflict", "")]),
    ],
)
def test_year_notes(text, years, notes):
    parsed = parse_query(text)
    assert (parsed.year_from, parsed.year_to) == years
    assert [(n.code, n.value) for n in parsed.notes] == notes
    assert parsed.degraded


def test_year_words_in_a_group_are_words():
    assert read("year:(1990)") == ([[T("1990")]], [])
    assert read("(a OR b) year:1990 OR c")[0] == [[T("a"), T("b")], [T("c")]]


# --- the parsed query ------------------------------------------------------------------------------


def test_parsed_query_properties():
    parsed = parse_query('maroc title:"mille et une nuits" -enfants (roman OR conte) year:1990-')
    assert parsed.clauses == [
        [T("maroc")],
        [T("mille et une nuits", "title", phrase=True)],
        [T("enfants", negated=True)],
        [T("roman"), T("conte")],
    ]
    assert parsed.positive_clauses == [parsed.clauses[0], parsed.clauses[1], parsed.clauses[3]]
    assert parsed.excluded == [T("enfants", negated=True)]
    assert not parsed.is_empty and not parsed.degraded
    assert parsed.raw == 'maroc title:"mille et une nuits" -enfants (roman OR conte) year:1990-'
    assert parsed.explain() == (
        'all of: maroc; title: "mille et une nuits"; one of: roman | conte; not: enfants; from 1990'
    )
    assert not parse_query("year:1990").is_empty
    assert not parse_query("year:<1990").is_empty
    assert parse_query("").is_empty
    assert ParsedQuery().explain() == "empty query"


def test_explain_groups_fields_and_reads_years():
    fields = parse_query("title:peste title:choléra author:camus")
    assert fields.explain() == "title: peste, choléra; author: camus"
    assert parse_query('author:"Ibn Khaldūn" -title:muqaddima').explain() == (
        'author: "Ibn Khaldūn"; not: title: muqaddima'
    )
    assert parse_query("year:1990-2000").explain() == "years 1990–2000"
    assert parse_query("year:1990").explain() == "year 1990"
    assert parse_query("year:>=1990").explain() == "from 1990"
    assert parse_query("year:<=2000").explain() == "until 2000"
    assert parse_query('"a b" OR c').explain() == 'one of: "a b" | c'
    assert T("x", "title", phrase=True).display() == 'title: "x"'


def test_a_repeated_note_is_given_once():
    parsed = parse_query("a OR OR b OR OR c")
    assert [(n.code, n.value) for n in parsed.notes] == [("dangling_or", "")]
    assert parsed.degraded


# --- edges of the lexer and the parser ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "clauses", "notes"),
    [
        ("ref2070360245", [[T("ref2070360245")]], []),  # a word holding an ISBN is not one
        ('"a b"c', [[T("a b", phrase=True)], [T("c")]], []),  # a word right after a phrase
        ("title: -x", [[T("x", negated=True)]], [("empty_field", "title")]),
        ("title: NOT x", [[T("x", negated=True)]], [("empty_field", "title")]),
        ("title: (a b)", [[T("a", "title")], [T("b", "title")]], []),
        ("title:)", [], [("empty_field", "title"), ("unbalanced_close", "")]),
        ("title:|a", [[T("a")]], [("empty_field", "title")]),
        ('title:"author:x', [[T("x", "author")]], [("unbalanced_quote", ""), ("empty_field", "title")]),
        ('title:"author: x', [[T("x", "author")]], [("unbalanced_quote", ""), ("empty_field", "title")]),
        ('title:"-x', [[T("x", "title", negated=True)]], [("unbalanced_quote", "")]),  # the field holds
        ("title: foo:bar", [[T("foo", "title")], [T("bar")]], [("unknown_field", "foo")]),
        ("(a OR) b", [[T("a")], [T("b")]], [("dangling_or", "")]),
        ("(a NOT) b", [[T("a")], [T("b")]], [("stray_sign", "-")]),
        ("a) " + "(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH, [[T("a")], [T("x")]], [("unbalanced_close", "")]),
        (
            "a) " + "(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1),
            [[T("a")], [T("x")]],
            [("unbalanced_close", ""), ("too_deep", "")],
        ),
    ],
)
def test_lexer_and_parser_edges(text, clauses, notes):
    assert read(text) == (clauses, notes)


@pytest.mark.parametrize("text", ["year:1990-2000x", "year:>1990x", "year:<2000x", "year:1990-x"])
def test_years_with_trailing_text_are_not_understood(text):
    parsed = parse_query(text)
    assert (parsed.year_from, parsed.year_to) == (None, None)
    assert [(n.code, n.value) for n in parsed.notes] == [("year_not_understood", text.removeprefix("year:"))]


def test_a_one_year_range_is_not_reversed():
    parsed = parse_query("year:1990-1990")
    assert (parsed.year_from, parsed.year_to, parsed.notes) == (1990, 1990, [])


def test_empty_parsed_query_defaults():
    empty = ParsedQuery()
    assert (empty.clauses, empty.year_from, empty.year_to, empty.isbn) == ([], None, None, [])
    assert (empty.degraded, empty.notes, empty.raw) == (False, [], "")
    assert empty.is_empty


def test_explain_lists_every_exclusion():
    assert parse_query("-a -b").explain() == "not: a, b"
