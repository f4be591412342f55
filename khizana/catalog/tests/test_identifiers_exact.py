"""Exact normalised forms of ISBN, ISSN, LCCN and OCLC numbers (pure: no database).

Values are real: ISBNs of Gallimard's Folio L'Étranger (2-07-036024-5) and Penguin Classics' Pride and
Prejudice, the ISSN of Nature, the examples of the Library of Congress's LCCN normalisation rules.
"""

import pytest

from khizana.catalog.identifiers import (
    add_identifier,
    normalise_isbn,
    normalise_issn,
    normalise_lccn,
    normalise_oclc,
)

# --- ISBN (MARC 020, UNIMARC 010) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2-07-036024-5", ("9782070360246", True)),  # ISBN-10 -> ISBN-13
        ("2070360245", ("9782070360246", True)),
        ("9782070360246 : 7 EUR", ("9782070360246", True)),  # price after the number
        ("2-07-036024-5 (br.)", ("9782070360246", True)),  # qualifier after it
        ("978-0-14-143951-8", ("9780141439518", True)),
        ("0-8044-2957-X", ("9780804429573", True)),  # check digit X
        ("080442957x", ("9780804429573", True)),  # lower-case x, no hyphens: 10 characters
        ("0 8044 2957 X", ("9780804429573", True)),  # spaces
        ("979-10-90636-07-1", ("9791090636071", True)),  # 979 prefix
    ],
)
def test_valid_isbn(value, expected):
    assert normalise_isbn(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2-07-036024-8 (br.)", ("2070360248", False)),  # wrong check digit: kept, compacted
        ("2-07-036024-9", ("2070360249", False)),
        ("978-2-07-036024-7", ("9782070360247", False)),
        ("2 07 03602 49", ("2070360249", False)),
        ("123456789", ("", False)),  # nine characters: too short to be taken for an ISBN
        ("isbn", ("", False)),
        ("", ("", False)),
        (None, ("", False)),
    ],
)
def test_invalid_or_missing_isbn(value, expected):
    assert normalise_isbn(value) == expected


def test_invalid_isbn_is_upper_cased():
    assert normalise_isbn("2-07-036024-x") == ("207036024X", False)
    assert normalise_isbn("2-07-03602-x") == ("20703602X", False)


# --- ISSN (MARC 022, UNIMARC 011) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0028-0836", ("0028-0836", True)),  # Nature
        ("ISSN 0028-0836", ("0028-0836", True)),
        ("00280836", ("0028-0836", True)),
        ("0317-8471", ("0317-8471", True)),
        ("1050-124X", ("1050-124X", True)),
        ("2434-561x", ("2434-561X", True)),  # lower-case x
        ("0028-0837", ("0028-0837", False)),  # bad check digit: not valid
        ("1234-5678 (Print)", ("1234-5678", False)),
        ("12345678", ("1234-5678", False)),
        ("0028 0836", ("", False)),  # a space is not a hyphen
        ("no issn", ("", False)),
        ("", ("", False)),
        (None, ("", False)),
    ],
)
def test_issn(value, expected):
    assert normalise_issn(value) == expected


def test_invalid_issn_with_x_is_upper_cased():
    assert normalise_issn("1050-124x") == ("1050-124X", True)
    assert normalise_issn("1050-125x") == ("1050-125X", False)


# --- LCCN (MARC 010): the Library of Congress's normalisation ---------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("n78-890351", "n78890351"),
        ("n78-89035", "n78089035"),  # serial padded to 6 digits
        ("n 78890351 ", "n78890351"),  # blanks removed
        (" 85000002 ", "85000002"),
        ("85-2 ", "85000002"),
        ("2001-000002", "2001000002"),
        ("2001-12345", "2001012345"),
        ("75-425165//r75", "75425165"),  # revision suffix dropped
        (" 79139101 /AC/r932", "79139101"),
        ("N78-890351", "n78890351"),  # lower case
        ("2001012345", "2001012345"),
        ("   ", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_lccn(value, expected):
    assert normalise_lccn(value) == expected


# --- OCLC numbers (MARC 035) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("(OCoLC)ocm00012345", "12345"),
        ("(OCoLC)ocn123456789", "123456789"),
        ("(OCoLC)on1234567890", "1234567890"),
        ("(OCoLC)12345", "12345"),
        ("(ocolc)ocm00012345", "12345"),
        (" (OCoLC) 00043255", "43255"),
        ("(OCoLC)ocm 00012345", "12345"),  # zeros after a blank dropped too
        ("(OCoLC)ocm00012345 (OCoLC)999", "12345"),
        ("(DLC)2001012345", ""),  # another agency's number: not an OCLC number
        ("(FrPBN)FRBNF355912790000008", ""),
        ("ocm00012345", ""),  # no (OCoLC) prefix
        ("(OCoLC)", ""),
        ("(OCoLC)000", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_oclc(value, expected):
    assert normalise_oclc(value) == expected


# --- add_identifier: what a record's identifier lists hold -------------------------------------------


def test_each_scheme_is_normalised_and_filed():
    identifiers: dict[str, list[str]] = {}
    add_identifier(identifiers, "isbn", "2-07-036024-5 (br.)")
    add_identifier(identifiers, "isbn", "9782070360246")  # the same ISBN: once
    add_identifier(identifiers, "isbn", "2-07-036024-9")
    add_identifier(identifiers, "issn", "0028-0836")
    add_identifier(identifiers, "issn", "0028-0837")
    add_identifier(identifiers, "lccn", "n78-89035")
    add_identifier(identifiers, "oclc", "(OCoLC)ocm00012345")
    add_identifier(identifiers, "oclc", "(DLC)2001012345")
    add_identifier(identifiers, "nbn", " FRBNF35591279 ")
    assert identifiers == {
        "isbn": ["9782070360246"],
        "isbn_invalid": ["2070360249"],
        "issn": ["0028-0836"],
        "issn_invalid": ["0028-0837"],
        "lccn": ["n78089035"],
        "oclc": ["12345"],
        "nbn": ["FRBNF35591279"],
    }


def test_empty_values_are_not_filed():
    identifiers: dict[str, list[str]] = {}
    for scheme in ("isbn", "issn", "lccn", "oclc", "nbn"):
        add_identifier(identifiers, scheme, "")
        add_identifier(identifiers, scheme, None)
    add_identifier(identifiers, "isbn", "n.p.")
    add_identifier(identifiers, "oclc", "(DLC)2001012345")
    assert identifiers == {}


def test_lccn_and_oclc_are_filed_as_valid():
    identifiers: dict[str, list[str]] = {}
    add_identifier(identifiers, "lccn", "2001-12345")
    add_identifier(identifiers, "oclc", "(OCoLC)ocn123456789")
    assert identifiers == {"lccn": ["2001012345"], "oclc": ["123456789"]}
