"""The copyright calculation and the transition table and manifest reader (pure modules, no database)."""

from __future__ import annotations

import pytest

from khizana.heritage.digitisation import chain, copyright, manifest


@pytest.mark.parametrize(
    ("dates", "died"),
    [
        ("1900-1975", 1975),
        ("1900-1975.", 1975),
        ("1856?-1920", 1920),
        ("ca. 1850-ca. 1920", 1920),
        ("d. 1975", 1975),
        ("m. 1233", 1233),
        ("-1233", 1233),
        ("١٩٠٠-١٩٧٥", 1975),
        ("1160-1233", 1233),
        ("1950-", None),
        ("1950", None),
        ("", None),
    ],
)
def test_death_year(dates, died):
    assert copyright.death_year(dates) == died


@pytest.mark.parametrize("dates", ["fl. unknown", "1975-1900", "xx"])
def test_unreadable_dates_are_named(dates):
    with pytest.raises(copyright.DatesError, match=r"dates|year"):
        copyright.death_year(dates)


def status(dates, country="MA", year=2026, anonymous=False, published=None, terms=None):
    return copyright.compute_status(
        dates,
        anonymous=anonymous,
        publication_year=published,
        country=country,
        current_year=year,
        terms=terms,
    )


def test_public_domain_from_the_last_death_and_the_country_term():
    # Morocco life + 70: an author who died in 1955 is free from 1 January 2026, one who died in 1956 is not.
    assert status(["1880-1955"]).status == copyright.PUBLIC_DOMAIN
    late = status(["1880-1956"])
    assert (late.status, late.free_from) == (copyright.IN_COPYRIGHT, 2027)
    # Algeria and Tunisia life + 50.
    assert status(["1880-1975"], country="DZ").status == copyright.PUBLIC_DOMAIN
    assert status(["1880-1976"], country="TN").status == copyright.IN_COPYRIGHT
    # the last of two authors counts
    assert status(["1800-1850", "1900-1960"]).free_from == 2031


def test_unknown_when_a_date_or_the_term_is_missing():
    assert status(["1900-"]).status == copyright.UNKNOWN
    assert status([""]).status == copyright.UNKNOWN
    assert status([]).status == copyright.UNKNOWN
    assert status(["1800-1850"], country="XX").status == copyright.UNKNOWN


def test_anonymous_work_from_its_publication():
    assert status([], anonymous=True, published=1900).status == copyright.PUBLIC_DOMAIN
    assert status([], anonymous=True, published=1990, country="DZ").free_from == 2041
    assert status([], anonymous=True, published=None).status == copyright.UNKNOWN


def test_reason_is_a_template_with_its_figures():
    found = status(["1880-1955"])
    assert found.reason % found.params == "author died 1955, term 70 years: free since 2026"


def test_terms_table_overrides():
    table = copyright.terms_table(["MA:50", "sn:70"])
    assert table["MA"] == 50 and table["SN"] == 70 and table["FR"] == 70
    assert status(["1880-1960"], terms=table).status == copyright.PUBLIC_DOMAIN
    with pytest.raises(ValueError, match="MA-70"):
        copyright.terms_table(["MA-70"])


def test_chain_moves_one_step_forward_and_back_with_a_reason():
    assert chain.check_move(chain.SELECTED, chain.PREPARED) == chain.FORWARD
    assert chain.check_move(chain.SCANNED, chain.PREPARED, "blurred pages") == chain.BACK
    with pytest.raises(chain.MoveError, match="cannot go"):
        chain.check_move(chain.SELECTED, chain.SCANNED)
    with pytest.raises(chain.MoveError, match="needs a reason"):
        chain.check_move(chain.SCANNED, chain.PREPARED, "  ")
    with pytest.raises(chain.MoveError, match="cannot go"):
        chain.check_move(chain.PUBLISHED, chain.OCR, "why")
    with pytest.raises(chain.MoveError, match="unknown step"):
        chain.check_move(chain.SELECTED, "burnt")
    assert [chain.next_step(step) for step in chain.STEPS] == [*chain.STEPS[1:], None]
    assert chain.back_steps(chain.SCANNED) == [chain.PREPARED]


def test_manifest_pages_in_order_and_whole_folders():
    text = "Item,Folder,File,Page,Label\n12,book,p2.png,2,ii\n12,book,p1.png,1,i\n,other,,,\n"
    items, errors = manifest.read_manifest(text.replace(",other,,,", "13,other,,,"))
    assert not errors
    assert [(entry.key, entry.folder) for entry in items] == [("item:12", "book"), ("item:13", "other")]
    assert [page.file for page in items[0].pages] == ["p1.png", "p2.png"] and items[1].whole_folder
    assert items[0].pages[0].label == "i"


def test_manifest_errors_name_their_line():
    text = (
        "record,folder,file,order\n"
        "local:A1,a,1.png,1\n"
        "local:A1,a,2.png,1\n"
        ",a,3.png,3\n"
        "local:B2,,1.png,1\n"
        "local:C3,c,1.png,x\n"
    )
    _items, errors = manifest.read_manifest(text)
    described = sorted((error.line, error.template % error.params) for error in errors)
    assert described == [
        (3, "page order 1 already given on line 2"),
        (4, "no item number or record key"),
        (5, "no folder named"),
        (6, "the page order x is not a number"),
    ]
    _items, errors = manifest.read_manifest("file,label\nx.png,1\n")
    assert errors[0].line == 1 and "folder" in errors[0].template
