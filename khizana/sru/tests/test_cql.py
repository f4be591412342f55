"""The CQL subset: parsing, translation into the catalog's query syntax, and the diagnostic of every
query it refuses (pure functions, no database)."""

from __future__ import annotations

import pytest

from khizana.search.query import parse_query
from khizana.sru import cql
from khizana.sru.cql import Boolean, Clause, SRUError


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("dinosaur", "dinosaur"),
        ('"pride and prejudice"', '"pride and prejudice"'),
        ('title = "pride and prejudice"', 'title:"pride and prejudice"'),
        ("dc.title=maroc", "title:maroc"),
        ('TITLE exact "Le Maroc"', 'title:"Le Maroc"'),
        ('dc.title adj "mille et une"', 'title:"mille et une"'),
        ('dc.title all "guerre paix" and dc.creator=tolstoi', "title:guerre title:paix author:tolstoi"),
        ('subject any "histoire maroc"', "subject:histoire OR subject:maroc"),
        ("author any austen", "author:austen"),
        ("a or b and c", "(a OR b) c"),
        ("a and (b or c)", "a (b OR c)"),
        ("a not (b or c)", "a -(b OR c)"),
        ("(a or b) not c", "(a OR b) -c"),
        ("a not b not c", "a -b -c"),
        ("a or (b and c)", "a OR (b c)"),
        ("isbn=978-2-07-054127-0", "isbn:978-2-07-054127-0"),
        ('bath.isbn any "9782070541270 9782072862014"', "isbn:9782070541270 OR isbn:9782072862014"),
        ("cql.serverChoice = ابن", "ابن"),
        ("cql.allRecords = 1", ""),
        ("cql.allRecords=1 and title=x", "title:x"),
        ("cql.allRecords=1 not title=x", "-title:x"),
        ("title=x or cql.allRecords=1", ""),
        ("year > 1990 and title=x", "year:>1990 title:x"),
        ("dc.date = 1813", "year:1813"),
        ('year within "1990 2000" and any=maroc', "year:1990-2000 maroc"),
        ('title adj "OR"', 'title:"OR"'),
        ('title = "-x"', 'title:"-x"'),
        ('any = "a:b"', '"a:b"'),
        (r'"a \"quoted\" word"', '"a quoted word"'),
        (r"title = 100\%", r"title:100%"),
        (r"title = what\?", "title:what?"),
        ("title =/ignoreCase/stem Maroc", "title:Maroc"),
        ("title cql.any maroc", "title:maroc"),
    ],
)
def test_translation(query, expected):
    translated = cql.to_search_query(query)
    assert translated == expected
    assert not parse_query(translated).degraded or "ISBN" in " ".join(parse_query(translated).notes)


def test_the_tree_is_left_associative_with_equal_precedence():
    assert cql.parse("a or b and c") == Boolean(
        "and",
        Boolean("or", Clause("cql.serverChoice", "=", "a"), Clause("cql.serverChoice", "=", "b")),
        Clause("cql.serverChoice", "=", "c"),
    )
    assert cql.parse("dc.title =/stem x") == Clause("dc.title", "=", "x", ("stem",))
    assert cql.parse("a AND b") == cql.parse("a and b")


@pytest.mark.parametrize(
    ("query", "code", "details"),
    [
        ("", 7, "query"),
        ("   ", 7, "query"),
        ("x" * 1001, 12, "1000"),
        ("a b", 10, "2"),
        ("title=", 10, "6"),
        ("=x", 10, "0"),
        ('"title" = x', 10, "0"),
        ("a and", 10, "5"),
        ("title =/ x", 10, "10"),
        ("title = / =", 10, "10"),
        ("(a", 13, "0"),
        ("a)", 13, "1"),
        ("()", 13, "1"),
        ("((((((((((a))))))))))", 13, "8"),
        ('title="x', 14, "6"),
        ("foo.title=x", 15, "foo"),
        ("dc.foo=x", 16, "dc.foo"),
        ("publisher=x", 16, "publisher"),
        ("title <> x", 19, "<>"),
        ("title encloses x", 19, "encloses"),
        ("title foo x", 19, "foo"),
        ("title=/respectCase x", 20, "respectCase"),
        ("title < x", 22, "title <"),
        ("year=19x", 24, "= 19x"),
        ('year within "1990"', 24, "within 1990"),
        ("isbn=abc", 24, "abc"),
        ('title=""', 27, ""),
        ('title="()"', 27, ""),
        ("title=x*", 28, "x*"),
        ("title=?x", 28, "?x"),
        ("a prox b", 37, "prox"),
        ("a and/rel.combine=sum b", 46, "rel.combine=sum"),
        ("a or year=1990", 48, "year"),
        ("a not year=1990", 48, "year"),
        ("(a not b) or c", 48, "not inside or"),
        ("title=x not cql.allRecords=1", 48, "not cql.allRecords"),
        ('>dc="info:srw/cql-context-set/1/dc-v1.1" title=x', 48, "prefix assignment"),
        ("title=x sortby title", 80, "sortby"),
    ],
)
def test_refused_queries_name_their_diagnostic(query, code, details):
    with pytest.raises(SRUError) as caught:
        cql.to_search_query(query)
    assert caught.value.diagnostic.code == code
    assert caught.value.diagnostic.details == details
    assert caught.value.diagnostic.text  # a sentence for people


def test_no_input_escapes_as_anything_but_a_diagnostic():
    samples = ['"', "\\", "/", "((", "))", "a and or b", "\x00", "title = \x01", 'a="b" c', "ü ü", "/x=y"]
    for text in samples:
        try:
            cql.to_search_query(text)
        except SRUError as error:
            assert error.diagnostic.uri.startswith("info:srw/diagnostic/1/")
