"""The member file reader on its own: ILS exports in the forms libraries send them."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from khizana.accounts.memberfile import MemberFileError, normalise_name, normalise_number, read_member_file

KOHA = (
    "borrowernumber,cardnumber,surname,firstname,email,branchcode,categorycode,dateexpiry\n"
    "1,0012345,Benali,Amina,amina@example.org,BNRM,ADULT,2030-06-30\n"
    "2,0012346,Ouazzani,Youssef,,BNRM,STUDENT,\n"
)


def test_koha_patron_export():
    parsed = read_member_file(KOHA.encode(), "koha.csv")
    assert parsed.problems == []
    # borrowernumber is an internal id: the card number column wins when both are there
    assert [row.number for row in parsed.rows] == ["0012345", "0012346"]
    first = parsed.rows[0]
    assert (first.surname, first.first_name, first.email, first.expires_on, first.category) == (
        "Benali", "Amina", "amina@example.org", date(2030, 6, 30), "ADULT"
    )


@pytest.mark.parametrize("encoding", ["cp1252", "cp1256", "utf-8-sig"])
def test_french_headings_semicolons_and_windows_encodings(encoding):
    surname = "Élise" if encoding != "cp1256" else "élise"  # Windows-1256 has no capital É
    text = f"Numéro de carte;Nom;Prénom;Courriel;Date d'expiration\n12 34;{surname};Hélène;;31/12/2029\n"
    parsed = read_member_file(text.encode(encoding), "adherents.csv")
    assert parsed.rows[0].number == "1234" and parsed.rows[0].surname == surname
    assert parsed.rows[0].first_name == "Hélène" and parsed.rows[0].expires_on == date(2029, 12, 31)


def test_arabic_names_in_windows_1256():
    text = "cardnumber;surname;firstname\n77;بنعلي;Amélie\n"
    parsed = read_member_file(text.encode("cp1256"), "x.csv")
    assert (parsed.rows[0].surname, parsed.rows[0].first_name) == ("بنعلي", "Amélie")


def test_arabic_headings_tabs_and_arabic_indic_digits():
    text = "رقم البطاقة\tاللقب\tالاسم الشخصي\n٠٠١٢٣\tبنعلي\tأمينة\n"
    parsed = read_member_file(text.encode(), "قائمة.tsv")
    assert parsed.rows[0].number == "00123" and parsed.rows[0].surname == "بنعلي"
    assert parsed.columns == {"number": "رقم البطاقة", "surname": "اللقب", "first_name": "الاسم الشخصي"}


def test_excel_workbook_with_numbers_and_dates():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Card number", "Last name", "Expiry date"])
    sheet.append([12345, "Benali", date(2031, 1, 2)])
    sheet.append([None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = read_member_file(buffer.getvalue(), "members.xlsx")
    rows = [(r.number, r.surname, r.expires_on) for r in parsed.rows]
    assert rows == [("12345", "Benali", date(2031, 1, 2))]


def test_row_problems_name_their_line():
    text = "cardnumber,email,dateexpiry\nA1,,2030-02-30\n,a@b.org,\nA2,nope,\nA3,,\nA3,,\n"
    parsed = read_member_file(text.encode(), "x.csv")
    assert [row.number for row in parsed.rows] == ["A3"]
    assert [(p.line, str(p)) for p in parsed.problems] == [
        (2, "line 2: expiry date '2030-02-30' is not a date (write YYYY-MM-DD or DD/MM/YYYY)"),
        (3, "line 3: no card number"),
        (4, "line 4: 'nope' is not an e-mail address"),
        (6, "line 6: card number A3 already given on line 5"),
    ]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"   \n", "the file is empty"),
        (b"a,b\n1,2\n", "no card number column in the header row (line 1: a, b)"),
        (b"PK\x03\x04garbage", "not a readable Excel workbook"),
        (b"\x00\x00\x00\x00", "not a text file"),
    ],
)
def test_file_problems(data, message):
    with pytest.raises(MemberFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_member_file(data, "bad")


def test_normalisers():
    assert normalise_number(" a-12.34 5 ") == "A12345"
    assert normalise_name("El-Idrissi") == normalise_name("el idrissi") == "elidrissi"
    assert normalise_name("Bénali") == "benali"
