"""Cutting an affiliation into parts, and finding its country (English, French, Arabic, WoS forms)."""

import pytest

from khizana.visibility.formats import find_country, split_institutions


def kinds(affiliation: str) -> list[tuple[str, str]]:
    return [(part.text, part.kind) for part in split_institutions(affiliation)]


def test_joint_lab_gives_one_part_per_institution():
    assert kinds("Univ Grenoble Alpes, CNRS, LPNC, F-38000 Grenoble, France") == [
        ("Univ Grenoble Alpes", "institution"),
        ("CNRS", "institution"),
        ("LPNC", "institution"),
        ("F-38000", "postcode"),
        ("Grenoble", "city"),
        ("France", "country"),
    ]


def test_parenthesised_acronyms_and_commas_inside_parentheses_stay_whole():
    parts = kinds(
        "Superior School of Technology of Khenifra (EST-Khenifra), University of Sultan Moulay "
        "Slimane, BP 170, Khenifra, 54000, Morocco"
    )
    assert parts == [
        ("Superior School of Technology of Khenifra (EST-Khenifra)", "department"),
        ("University of Sultan Moulay Slimane", "institution"),
        ("BP 170", "postcode"),
        ("Khenifra", "city"),
        ("54000", "postcode"),
        ("Morocco", "country"),
    ]
    assert kinds("Université Paris-Dauphine, CNRS (UMR 7243, LAMSADE), Paris, France")[1] == (
        "CNRS (UMR 7243, LAMSADE)",
        "institution",
    )


def test_french_faculty_and_university():
    assert kinds("Faculté des Sciences, Université Mohammed V, Rabat, Maroc") == [
        ("Faculté des Sciences", "department"),
        ("Université Mohammed V", "institution"),
        ("Rabat", "city"),
        ("Maroc", "country"),
    ]


def test_institutes_are_institutions_units_come_first():
    assert kinds(
        "Epidemiology and Health Surveillance Unit (SEVS), Institut Agronomique et Vétérinaire "
        "Hassan II, Rabat-Instituts, Rabat, 6472, Morocco"
    )[:2] == [
        ("Epidemiology and Health Surveillance Unit (SEVS)", "department"),
        ("Institut Agronomique et Vétérinaire Hassan II", "institution"),
    ]
    assert kinds(
        "Department of Physics, LPTPM Laboratory, Faculty of Sciences, University of Mohammed Ist, "
        "Oujda, Morocco"
    )[:4] == [
        ("Department of Physics", "department"),
        ("LPTPM Laboratory", "department"),
        ("Faculty of Sciences", "department"),
        ("University of Mohammed Ist", "institution"),
    ]


def test_arabic_commas_and_country():
    assert kinds("كلية العلوم، جامعة محمد الخامس، الرباط، المغرب") == [
        ("كلية العلوم", "department"),
        ("جامعة محمد الخامس", "institution"),
        ("الرباط", "city"),
        ("المغرب", "country"),
    ]


def test_wos_city_with_postcode_and_us_state_zip():
    assert kinds("Kafrelsheikh Univ, Dept Robot & Intelligent Machines, Kafrelsheikh 33511, Egypt.") == [
        ("Kafrelsheikh Univ", "institution"),
        ("Dept Robot & Intelligent Machines", "department"),
        ("Kafrelsheikh", "city"),
        ("33511", "postcode"),
        ("Egypt", "country"),
    ]
    assert kinds("Univ Tennessee, Knoxville, TN 37996 USA.")[-4:] == [
        ("Knoxville", "city"),
        ("TN", "region"),
        ("37996", "postcode"),
        ("USA", "country"),
    ]
    assert kinds("OAK RIDGE NATL LAB,OAK RIDGE,TN 37830.") == [
        ("OAK RIDGE NATL LAB", "department"),
        ("OAK RIDGE", "city"),
        ("TN", "region"),
        ("37830", "postcode"),
    ]


def test_french_postcode_before_city_and_cedex():
    assert kinds("Irstea, UR ETBX, 50 avenue de Verdun, Cestas Cedex, 33612, France") == [
        ("Irstea", "institution"),
        ("UR ETBX", "department"),
        ("50 avenue de Verdun", "street"),
        ("Cestas Cedex", "city"),
        ("33612", "postcode"),
        ("France", "country"),
    ]
    parts = kinds("UMR CNRS/UHP 7565, Université Henri Poincaré, 54506 Vandoeuvre-lès-Nancy, Cedex, France")
    assert parts[2:4] == [("54506", "postcode"), ("Vandoeuvre-lès-Nancy", "city")]


@pytest.mark.parametrize(
    ("affiliation", "expected"),
    [
        ("Univ Hassan 2, Casablanca, Morocco", ("Morocco", "MA")),
        ("Université Hassan II, Casablanca, Maroc", ("Maroc", "MA")),
        ("جامعة الحسن الثاني، الدار البيضاء، المغرب", ("المغرب", "MA")),
        ("Univ Sci & Technol Houari Boumediene, Algiers, Algeria.", ("Algeria", "DZ")),
        ("Université d'Oran 1, Oran, Algérie", ("Algérie", "DZ")),
        ("ENIT, Tunis, Tunisie", ("Tunisie", "TN")),
        ("Univ Tunis El Manar, Tunis 2092, Tunisia.", ("Tunisia", "TN")),
        ("Chinese Acad Sci, Beijing, Peoples R China.", ("Peoples R China", "CN")),
        ("Univ Oxford, Oxford, England.", ("England", "GB")),
        ("BORIS KIDRIC INST,YU-11000 BELGRADE,YUGOSLAVIA.", ("YUGOSLAVIA", "YU")),
        ("Univ Sarajevo, Sarajevo, Bosnia & Herceg.", ("Bosnia & Herceg", "BA")),
        ("Univ Lisbon, P-1049001 Lisbon, Portugal", ("Portugal", "PT")),
        ("Knoxville, TN 37996 USA", ("USA", "US")),
        ("OAK RIDGE NATL LAB,OAK RIDGE,TN 37830.", (None, "US")),  # state and ZIP: the US without its name
        ("Ecole Nationale Supérieure d'Informatique (ESI), Oued Smar, Alger", (None, None)),
        ("Univ New Mexico, Albuquerque, New Mexico", (None, None)),  # a state, not Mexico
        ("", (None, None)),
    ],
)
def test_find_country(affiliation, expected):
    assert find_country(affiliation) == expected
