import pytest

from khizana.ill.openurl import OpenUrlError, page_count, parse_openurl


def test_article_openurl():
    citation = parse_openurl(
        "https://resolver.example/?url_ver=Z39.88-2004&rft.genre=article&rft.atitle=Les+fondouks"
        "&rft.jtitle=Hesp%C3%A9ris&rft.issn=0018-1005&rft.aulast=Le+Tourneau&rft.aufirst=Roger"
        "&rft.date=1953-04&rft.volume=40&rft.spage=12&rft.epage=30"
    )
    assert citation == {
        "title": "Hespéris",
        "article_title": "Les fondouks",
        "issn": "0018-1005",
        "author": "Le Tourneau, Roger",
        "date": "1953",
        "volume": "40",
        "pages": "12-30",
    }


def test_book_query_string():
    assert parse_openurl("rft.btitle=Muqaddima&rft.isbn=9789954000000&rft.date=n.d.") == {
        "title": "Muqaddima",
        "isbn": "9789954000000",
    }


def test_openurl_without_title_is_refused():
    with pytest.raises(OpenUrlError, match=r"rft\.title"):
        parse_openurl("rft.aulast=Nobody&rft.spage=3")


@pytest.mark.parametrize(
    ("pages", "count"), [("12-30", 19), ("5", 1), ("1-3, 7", 4), ("30-12", None), ("x", None), ("", None)]
)
def test_page_count(pages, count):
    assert page_count(pages) == count
