"""The export readers on small hand-made fixtures (tests/data): every format, every kind of bad input."""

from pathlib import Path

import pytest

from khizana.visibility.formats import detect_format, read_bytes, read_path
from khizana.visibility.formats.bibtex import latex_to_text, split_wos_bib_address
from khizana.visibility.formats.common import scopus_correspondence, wos_reprint_addresses
from khizana.visibility.formats.scopus_csv import split_author_list, split_authors_with_affiliations
from khizana.visibility.formats.text import decode, repair_mojibake
from khizana.visibility.formats.wos import split_tab_c1

DATA = Path(__file__).parent / "data"


def read(name: str):
    return read_path(DATA / name)


def messages(result) -> list[str]:
    return [str(error) for error in result.errors]


def test_scopus_csv_pairs_each_author_with_their_affiliations():
    result = read("scopus_maghreb.csv")
    assert result.source_format == "scopus_csv" and not result.errors
    first = result.publications[0]
    assert (first.id, first.year, first.doi) == ("2-s2.0-85000000001", 2023, "10.1016/j.apsusc.2023.000001")
    author = first.authors[0]
    assert (author.name, author.full_name, author.identifiers) == (
        "El Amrani A.",
        "El Amrani, Amina",
        {"scopus_id": "57200000001"},
    )
    rabat, grenoble = first.affiliations
    assert rabat.raw.startswith("Laboratoire de Physique des Matériaux") and rabat.country_code == "MA"
    assert rabat.authors == ["El Amrani A.", "Benali M."] and rabat.author_indexes == [0, 1]
    assert grenoble.raw == "Univ Grenoble Alpes, CNRS, LPNC, Grenoble, 38000, France"
    assert grenoble.author_indexes == [0, 2] and grenoble.country == "France"
    assert first.correspondence[0].author == "A. El Amrani"
    assert first.corresponding_address == "Faculté des Sciences, Université Mohammed V, Rabat, Maroc"


def test_author_affiliation_pairs_and_parts():
    first = read("scopus_maghreb.csv").publications[0]
    assert [
        (author.name if author else None, affiliation.raw.split(",")[0])
        for author, affiliation in first.author_affiliation_pairs()
    ] == [
        ("El Amrani A.", "Laboratoire de Physique des Matériaux"),
        ("Benali M.", "Laboratoire de Physique des Matériaux"),
        ("El Amrani A.", "Univ Grenoble Alpes"),
        ("Dupont J.", "Univ Grenoble Alpes"),
    ]
    assert [part.kind for part in first.affiliations[1].parts] == [
        "institution",
        "institution",
        "institution",
        "city",
        "postcode",
        "country",
    ]
    fes = read("wos_maghreb.txt").publications[0].affiliations[2]
    assert read("wos_maghreb.txt").publications[0].author_affiliation_pairs()[-1] == (None, fes)


def test_scopus_csv_arabic_address_and_missing_country():
    publications = read("scopus_maghreb.csv").publications
    arabic = publications[1].affiliations[0]
    assert arabic.raw == "كلية العلوم، جامعة محمد الخامس، الرباط، المغرب"
    assert (arabic.country, arabic.country_code) == ("المغرب", "MA")
    no_country = publications[2].affiliations[0]
    assert no_country.raw.endswith("Oued Smar, Alger") and no_country.country is None
    assert no_country.country_code is None


def test_a_bad_year_is_a_warning_naming_record_and_field():
    result = read("scopus_maghreb.csv")
    assert [str(warning) for warning in result.warnings] == [
        "scopus_maghreb.csv, record 3, field Year: not a year: 'n.d.'"
    ]
    assert result.publications[2].year is None


def test_truncated_csv_row_is_reported_and_the_rest_read():
    result = read("scopus_truncated.csv")
    assert len(result.publications) == 1
    assert messages(result) == [
        "scopus_truncated.csv, record 2, field Title: 3 fields for 12 columns "
        "(the row stops before this column): record left out"
    ]


def test_missing_header_columns_name_the_columns():
    result = read("scopus_missing_columns.csv")
    assert result.publications == []
    assert messages(result) == [
        "scopus_missing_columns.csv, field Authors, Title: columns missing from the "
        "Scopus CSV header: file not read"
    ]


def test_scopus_column_names_in_another_case():
    result = read_bytes(b"AUTHORS,TITLE,Source Title,EID\nDoe J.,A title,J X,2-s2.0-1\n", "upper.csv")
    publication = result.publications[0]
    assert (publication.title, publication.source_title, publication.id) == ("A title", "J X", "2-s2.0-1")


def test_latin1_file_is_read_with_a_warning():
    result = read("scopus_latin1.csv")
    assert result.encoding == "cp1252"
    assert "read as cp1252" in str(result.warnings[0])
    assert result.publications[0].affiliations[0].raw.startswith("Université de Sfax, Faculté des Sciences")
    assert result.publications[0].affiliations[0].country_code == "TN"


def test_a_few_bad_bytes_in_a_utf8_file_are_replaced_and_located():
    result = read("scopus_bad_bytes.csv")
    assert result.encoding == "utf-8" and result.errors == []
    assert [str(warning) for warning in result.warnings] == [
        "scopus_bad_bytes.csv: 4 byte sequence(s) not valid UTF-8, replaced by \ufffd (the first on line 3)"
    ]
    good, damaged = result.publications
    assert good.title == "Une étude à Fès" and good.affiliations[0].raw.endswith(
        "Université Sidi Mohamed Ben Abdellah, Fès, Maroc"
    )
    assert damaged.affiliations[0].raw == "Facult\ufffd de M\ufffddecine, Rabat, Maroc"
    assert damaged.affiliations[0].country_code == "MA"


def test_wos_plain_text_multiline_fields_groups_and_identifiers():
    assert b"\r\n" in (DATA / "wos_maghreb.txt").read_bytes()  # Windows line endings
    result = read("wos_maghreb.txt")
    assert result.source_format == "wos_plain" and result.encoding == "utf-8-sig"
    first = result.publications[0]
    assert first.id == "WOS:000000000000001"
    assert first.title == (
        "Thin films of ruthenium dioxide on ferroelectric substrates: a study over two lines"
    )
    rabat, grenoble, fes = first.affiliations
    assert rabat.raw == "Univ Mohammed 5, Fac Sci, Lab Phys Mat, Rabat 10000, Morocco"  # wrapped line joined
    assert rabat.authors == ["El Amrani, Amina", "Benali, Mohamed"] and rabat.author_indexes == [0, 1]
    assert grenoble.author_indexes == [0, 2]
    assert fes.authors == [] and fes.country_code == "MA"  # an address without [authors]
    assert first.organisations == [
        "Mohammed V University in Rabat",
        "Communaute Universite Grenoble Alpes",
        "Centre National de la Recherche Scientifique (CNRS)",
    ]
    assert [(item.author, item.address.split(",")[0]) for item in first.correspondence] == [
        ("El Amrani, A", "Univ Mohammed 5"),
        ("Dupont, J", "Univ Grenoble Alpes"),
    ]
    identifiers = {author.full_name: author.identifiers for author in first.authors}
    assert identifiers["El Amrani, Amina"] == {"researcher_id": "ABC-9876-2019"}  # RI wrapped mid-name
    assert identifiers["Dupont, Jeanne"] == {"orcid": "0000-0002-1825-0097"}


def test_wos_plain_text_errors_stray_line_and_truncated_record():
    result = read("wos_maghreb.txt")
    assert [publication.record_number for publication in result.publications] == [1, 2]
    assert messages(result) == [
        "wos_maghreb.txt, record 2, field C1: line 39: not a field tag line nor a continuation (ignored): "
        "'this line has no tag'",
        "wos_maghreb.txt, record 3, field ER: the file ends inside this record (truncated): record left out",
    ]
    second = result.publications[1]
    assert second.year == 2021  # from EA (early access) when PY is absent
    assert [(item.raw, item.country_code) for item in second.affiliations] == [
        ("UNIV TUNIS EL MANAR,FAC SCI TUNIS,TUNIS 2092,TUNISIA", "TN"),
        ("USTHB,ALGIERS,ALGERIA", "DZ"),
    ]


def test_wos_tab_delimited_utf16_with_a_short_row():
    result = read("wos_tab_utf16.txt")
    assert result.source_format == "wos_tab" and result.encoding == "utf-16"
    assert [publication.id for publication in result.publications] == [
        "WOS:000000000000010",
        "WOS:000000000000011",
    ]
    first = result.publications[0]
    assert [(item.authors, item.country_code) for item in first.affiliations] == [
        (["Haddad, Salma"], "TN"),
        (["Trabelsi, Nizar"], "TN"),
    ]
    assert first.authors[0].identifiers == {"orcid": "0000-0001-2345-6789"}
    assert first.authors[1].identifiers == {"researcher_id": "Q-1111-2018"}
    assert messages(result) == [
        "wos_tab_utf16.txt, record 3, field C1: 5 fields for 13 columns "
        "(the row stops before this column): record left out"
    ]


def test_utf16_without_bom_and_utf8_bom_are_detected():
    data = (DATA / "wos_tab_utf16.txt").read_bytes()
    assert data.startswith(b"\xff\xfe")
    without_bom = read_bytes(data[2:], "nobom.txt")
    assert without_bom.encoding == "utf-16-le" and len(without_bom.publications) == 2
    assert decode("\ufeffPT J\r\nER\r\n".encode()).text == "PT J\nER\n"


def test_scopus_bibtex_entries_latex_and_a_broken_entry():
    result = read("scopus_maghreb.bib")
    assert result.source_format == "scopus_bibtex"
    assert [publication.record_number for publication in result.publications] == [1, 2, 4]
    assert messages(result) == [
        "scopus_maghreb.bib, record 3, field title: entry Broken2021: braces not "
        "balanced (truncated entry): entry left out"
    ]
    first, second, last = result.publications
    assert first.id == "2-s2.0-85000000001"
    assert first.affiliations[0].raw.startswith("Laboratoire de Physique des Matériaux, Faculté des Sciences")
    assert first.correspondence[0].author == "A. El Amrani"
    assert second.title == "Science & society in Tunisia"  # started on the line of the previous "}"
    assert last.affiliations[0].raw == "Université de Sfax, Sfax, Tunisie"  # singular "affiliation" field


def test_wos_bibtex_affiliation_lines_and_identifier_lists():
    result = read("wos_maghreb.bib")
    assert result.source_format == "wos_bibtex" and not result.errors and not result.warnings
    publication = result.publications[0]
    assert publication.id == "WOS:000000000000001"
    assert [author.name for author in publication.authors] == ["El Amrani, A", "Benali, M", "Dupont, J"]
    assert [(item.raw, item.author_indexes) for item in publication.affiliations] == [
        ("Univ Mohammed 5, Fac Sci, Rabat 10000, Morocco", [0, 1]),
        ("Univ Grenoble Alpes, CNRS, LPNC, F-38000 Grenoble, France", [2]),
    ]
    assert publication.correspondence[0].author == "El Amrani, A"
    assert [author.identifiers for author in publication.authors] == [
        {"researcher_id": "ABC-9876-2019"},
        {"researcher_id": "AAB-1234-2020"},
        {"orcid": "0000-0002-1825-0097"},
    ]


def test_ris_bom_before_first_record_wrapped_title_and_truncation():
    result = read("scopus_maghreb.ris")
    assert result.source_format == "scopus_ris"
    first, second = result.publications
    assert first.id == "2-s2.0-85000000001" and [author.name for author in first.authors] == [
        "El Amrani, A.",
        "Benali, M.",
    ]
    assert [item.country_code for item in first.affiliations] == ["MA", "FR"]
    assert first.correspondence[0].address == "Faculté des Sciences, Université Mohammed V, Rabat, Maroc"
    assert second.title == "A second record with a title wrapped on a second line"
    assert messages(result) == [
        "scopus_maghreb.ris, record 3, field ER: the file ends inside this record "
        "(truncated): record left out"
    ]
    assert [str(warning) for warning in result.warnings] == [
        "scopus_maghreb.ris, record 2, field UR: no Scopus EID nor DOI"
    ]


@pytest.mark.parametrize("content", [b"", b"   \n", b"Minutes of a meeting.\n", b"\x00\x01\x02garbage"])
def test_what_is_no_export_gets_one_clear_error(content):
    result = read_bytes(content, "upload.bin")
    assert result.publications == []
    assert len(result.errors) == 1 and str(result.errors[0]).startswith("upload.bin: ")


def test_unreadable_path_is_an_error_not_an_exception(tmp_path):
    result = read_path(tmp_path / "missing.csv")
    assert result.publications == [] and "cannot be read" in str(result.errors[0])


def test_format_detection():
    assert detect_format("FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\n") == "wos_plain"
    assert detect_format("PT J\nAU Doe, J\n") == "wos_plain"
    assert detect_format("PT\tAU\tTI\tUT\nJ\tDoe, J\tT\tWOS:1\n") == "wos_tab"
    assert detect_format("TY  - JOUR\nER  -\n") == "scopus_ris"
    assert detect_format("Scopus\nEXPORT DATE: 1 May 2020\n\n@ARTICLE{a,\ntitle={T}}\n") == "bibtex"
    assert detect_format('"Authors","Title","Year","EID"\n') == "scopus_csv"
    assert detect_format("Authors,Author(s) ID,Title,Year\n") == "scopus_csv"
    assert detect_format("AUTHORS,EID\n") == "scopus_csv"
    assert detect_format("name,age\nx,3\n") is None


def test_scopus_author_lists_in_every_style():
    assert split_author_list("Liu F.; Li C.") == ["Liu F.", "Li C."]
    assert split_author_list("Pan, Y., Yu, C., Zhang, X.") == ["Pan, Y.", "Yu, C.", "Zhang, X."]
    assert split_author_list("Phillips J.C., Braun R.") == ["Phillips J.C.", "Braun R."]


def test_authors_with_affiliations_cut_at_the_listed_affiliations():
    listed = ["Inst A, Univ X, Beijing, China", "Key Lab B, Univ X, Beijing, China"]
    value = (
        "Pan, Y., Inst A, Univ X, Beijing, China; "
        "Yu, C., Inst A, Univ X, Beijing, China, Key Lab B, Univ X, Beijing, China"
    )
    assert split_authors_with_affiliations(value, listed) == [
        ("Pan, Y.", ["Inst A, Univ X, Beijing, China"]),
        ("Yu, C.", ["Inst A, Univ X, Beijing, China", "Key Lab B, Univ X, Beijing, China"]),
    ]
    assert split_authors_with_affiliations("Doe J., Somewhere Univ, Paris, France", []) == [
        ("Doe J.", ["Somewhere Univ, Paris, France"])
    ]
    assert split_authors_with_affiliations("Wessler, I.K.; Kirkpatrick, C.J.", []) == [  # no affiliation
        ("Wessler, I.K.", []),
        ("Kirkpatrick, C.J.", []),
    ]


def test_scopus_correspondence_of_several_authors():
    addresses = scopus_correspondence(
        "S. Cinti; Dept Pharm, Univ Naples, Napoli, 80131, Italy; "
        "email: s@x.it; L. Gastoldi; NYUAD, Abu Dhabi, United Arab Emirates; "
        "email: l@y.com"
    )
    assert [(item.author, item.address) for item in addresses] == [
        ("S. Cinti", "Dept Pharm, Univ Naples, Napoli, 80131, Italy"),
        ("L. Gastoldi", "NYUAD, Abu Dhabi, United Arab Emirates"),
    ]
    single = scopus_correspondence("Wu, J.; Inst X, Beijing, China")
    assert [(item.author, item.address) for item in single] == [("Wu, J.", "Inst X, Beijing, China")]


def test_wos_c1_and_rp_splitting():
    assert split_tab_c1("[A, B; C, D] Univ X, Fes, Morocco.; [E, F] Univ Y, Tunis, Tunisia.") == [
        (["A, B", "C, D"], "Univ X, Fes, Morocco."),
        (["E, F"], "Univ Y, Tunis, Tunisia."),
    ]
    assert split_tab_c1("Univ X, Fes, Morocco; Univ Y, Oran, Algeria") == [
        ([], "Univ X, Fes, Morocco"),
        ([], "Univ Y, Oran, Algeria"),
    ]
    reprints = wos_reprint_addresses(
        "A, B (corresponding author), Univ X, Fes, Morocco.; C, D (reprint author), Univ Y, Oran, Algeria."
    )
    assert [(item.author, item.address) for item in reprints] == [
        ("A, B", "Univ X, Fes, Morocco"),
        ("C, D", "Univ Y, Oran, Algeria"),
    ]


def test_mojibake_names_are_repaired_for_matching():
    assert repair_mojibake("Graff, PÃ¥l") == "Graff, Pål"
    assert repair_mojibake("Université") == "Université"
    assert repair_mojibake("Ã la carte, 100 Â°") == "Ã la carte, 100 Â°"  # not mojibake: unchanged


def test_latex_and_wos_bibtex_address_lines():
    assert latex_to_text(r"{Universit{\'e} de F{\`e}s \& Ca{\c{c}}ador, {[}x{]}}") == (
        "Université de Fès & Caçador, [x]"
    )
    assert split_wos_bib_address(
        "Ahmed, Umair; Certa, Antonella, Univ Palermo, Palermo, Italy.", ["Ahmed, Umair", "Certa, Antonella"]
    ) == (["Ahmed, Umair", "Certa, Antonella"], "Univ Palermo, Palermo, Italy.")
