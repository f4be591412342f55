"""The matcher on the affiliations of Morocco, Algeria and Tunisia (issue 15): each rule's exact answers,
and the goals on the labelled Maghreb set (``data/maghreb_affiliations.jsonl``) against the whole ROR
extract and the demo registry's local institutions (shared data: skipped when ../shared/data is absent).

Pure: no database. Kinds of failure the rules address: ordinals and numerals in English, French and
Arabic; honorifics and given names dropped or split; Web of Science abbreviations and acronyms; units
named without their university, and units with their own record named under it (the most specific
wins in a curated country); name collisions (numbers and kinds must agree); typos; English names of
French-named records.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from khizana.visibility.abbreviations import HONORIFICS, WOS_ABBREVIATIONS
from khizana.visibility.evaluation import (
    Score,
    expected_of,
    local_institutions,
    maghreb_rows,
    score_by_country,
)
from khizana.visibility.matching import (
    Matcher,
    _acronym_and_rest,
    _acronym_head,
    _number_clash,
    _one_edit,
    _same_order,
    cached_matcher,
)
from khizana.visibility.normalise import name_segments, name_tokens
from khizana.visibility.registry.data import RegistryInstitution
from khizana.visibility.tests.support import ROR, answer

DATA = Path(__file__).parent / "data"
DEMO_LOCAL = Path(__file__).resolve().parents[3] / "demo" / "registry" / "local_institutions.jsonl"


def inst(key, name, *, country="MA", city="Rabat", acronyms=(), labels=(), aliases=(), parents=(),
         types=("education",)):  # fmt: skip
    return RegistryInstitution(
        id=ROR + key,
        name=name,
        aliases=aliases,
        acronyms=acronyms,
        labels=labels,
        country_code=country,
        city=city,
        cities=(city,) if city else (),
        types=types,
        parent_ids=tuple(ROR + p for p in parents),
        country_codes=(country,),
    )


# Institutions of Morocco, Algeria and Tunisia as the ROR extract and the demo registry name them (real
# institutions; a few names and links trimmed to what each rule needs), and an American university.
REGISTRY = [
    inst("um5", "Mohammed V University", labels=("Université Mohammed V de Rabat",)),
    inst("fsr", "Faculté des Sciences de Rabat", parents=("um5",), labels=("Faculty of Sciences of Rabat",)),
    inst("emi", "Ecole Mohammadia d'Ingénieurs", acronyms=("EMI",),
         aliases=("Mohammadia School of Engineers",)),
    inst("ensias", "École Nationale Supérieure d'Informatique et d'Analyse des Systèmes", parents=("um5",),
         acronyms=("ENSIAS",)),
    inst("uir", "Université Internationale de Rabat", labels=("International University of Rabat",)),
    inst("uh1", "Université Hassan 1er", city="Settat", acronyms=("UH1",)),
    inst("usmba", "Sidi Mohamed Ben Abdellah University", city="Fes"),
    inst("um6p", "Université Mohammed VI Polytechnique", city="Ben Guerir", acronyms=("UM6P",)),
    inst("ump", "Université Mohammed Premier", city="Oujda", labels=("Mohammed First University",)),
    inst("uit", "Université Ibn-Tofail", city="Kenitra", acronyms=("UIT",)),
    inst("fsk", "Faculté des Sciences de Kénitra", city="Kenitra", parents=("uit",)),
    inst("uiz", "Université Ibn Zohr", city="Agadir"),
    inst("ensaa", "École Nationale des Sciences Appliquées d'Agadir", city="Agadir", parents=("uiz",),
         acronyms=("ENSA Agadir",)),
    inst("ensam", "École Nationale des Sciences Appliquées de Marrakech", city="Marrakesh",
         acronyms=("ENSA Marrakech",)),
    inst("uh2c", "University of Hassan II Casablanca", city="Casablanca"),
    inst("chuf", "Centre Hospitalier Universitaire Hassan II de Fès", city="Fes", types=("healthcare",)),
    inst("crmef", "Centre Régional des Métiers de l'Éducation et de la Formation de Casablanca",
         city="Casablanca"),
    inst("uemf", "Euro-Mediterranean University of Fes", city="Fes", acronyms=("UEMF",)),
    inst("usfax", "University of Sfax", country="TN", city="Sfax"),
    inst("enis", "École nationale d'Ingénieurs de Sfax", country="TN", city="Sfax", parents=("usfax",),
         acronyms=("ENIS",)),
    inst("utm", "Tunis El Manar University", country="TN", city="Tunis"),
    inst("isg", "Institut Supérieur de Gestion de Tunis", country="TN", city="Tunis"),
    inst("const1", "University Frères Mentouri Constantine 1", country="DZ", city="Constantine",
         aliases=("Université Constantine 1",)),
    inst("const2", "Université Constantine 2 Abdelhamid Mehri", country="DZ", city="Constantine",
         aliases=("University of Constantine 2",)),
    inst("batna1", "University of Batna 1", country="DZ", city="Batna", aliases=("University of Batna",)),
    inst("batna2", "University of Batna 2", country="DZ", city="Batna"),
    inst("guelma", "University of Guelma", country="DZ", city="Guelma",
         aliases=("Université 8 mai 1945 de Guelma",)),
    inst("usto", "Université des Sciences et de la Technologie d'Oran Mohamed Boudiaf", country="DZ",
         city="Oran", acronyms=("USTO-MB",)),
    inst("oran1", "Université Oran 1 Ahmed Ben Bella", country="DZ", city="Oran"),
    inst("uca", "Cadi Ayyad University", city="Marrakesh"),
    inst("fssm", "Faculté des Sciences Semlalia", city="Marrakesh", parents=("uca",)),
    inst("fstg", "Faculté des Sciences et Techniques Marrakech", city="Marrakesh", parents=("uca",)),
    inst("ubej", "University of Béjaïa", country="DZ", city="Béjaïa"),
    inst("fseb", "Faculté des Sciences Exactes", country="DZ", city="Béjaïa", parents=("ubej",),
         labels=("كلية العلوم الدقيقة ببجاية",)),
    inst("fsnv", "Faculté des Sciences de la Nature et de la Vie", country="DZ", city="Béjaïa",
         parents=("ubej",)),
    inst("umbb", "Université M'Hamed Bougara de Boumerdès", country="DZ", city="Boumerdès"),
    inst("ftumbb", "Faculté de Technologie, Université M'Hamed Bougara", country="DZ", city="Boumerdès",
         parents=("umbb",)),
    inst("msu", "Michigan State University", country="US", city="East Lansing"),
    inst("usousse", "University of Sousse", country="TN", city="Sousse"),
    inst("eniso", "École Nationale d'Ingénieurs de Sousse", country="TN", city="Sousse", parents=("usousse",),
         acronyms=("ENISo",)),
    inst("isims", "Institut Supérieur d'Informatique et de Multimédia de Sfax", country="TN", city="Sfax",
         parents=("usfax",), acronyms=("ISIMS",)),
    inst("chum", "Centre Hospitalier Universitaire Mohammed VI", city="Marrakesh", types=("healthcare",)),
    inst("chuo", "CHU Mohammed VI Oujda", city="Oujda", types=("healthcare",)),
    inst("uw", "University of Washington", country="US", city="Seattle"),
    inst("wustl", "Washington University in St. Louis", country="US", city="St. Louis"),
]  # fmt: skip


@pytest.fixture(scope="module")
def maghreb() -> Matcher:
    return Matcher(REGISTRY, threshold=0.5)


# --- normalisation: ordinals, numbers, months, abbreviations, French and English words -----------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Hassan 1st", ("hasan", "1")),
        ("Hassan First", ("hasan", "1")),
        ("Hassan 1er", ("hasan", "1")),
        ("Hassan Ier", ("hasan", "1")),
        ("Université Mohammed Premier", ("university", "mohamed", "1")),
        ("Mohammed Ist University", ("mohamed", "1", "university")),
        ("Mohammed Vth", ("mohamed", "5")),
        ("Mohammed the VIth", ("mohamed", "6")),
        ("Hassan 2nd Institute", ("hasan", "2", "institute")),
        ("Université Constantine 02", ("university", "constantine", "2")),
        ("Univ 08 May 1945 Guelma", ("university", "8", "may", "guelma")),
        ("Université 8 Mai 1945 de Guelma", ("university", "8", "may", "guelma")),
        ("Univ 20 August 1955", ("university", "20", "august")),
        ("Université 20 Août 1955", ("university", "20", "august")),
        ("جامعة محمد الأول", ("university", "mohamed", "1")),
        ("عبد الله", ("abdelah",)),
        ("جامعة سيدي محمد بن عبد الله", ("university", "sidi", "mohamed", "ben", "abdelah")),
        ("Inst Super Gest Tunis", ("institute", "superior", "management", "tunis")),
        ("Institut Supérieur de Gestion de Tunis", ("institute", "superior", "management", "tunis")),
        ("Univ Sci & Technol Houari Boumediene",
         ("university", "science", "technology", "houari", "boumediene")),
        ("Natl Engn Sch Sfax", ("national", "engineering", "school", "sfax")),
        ("Fac Sci & Tech", ("faculty", "science", "technology")),
        ("Faculté des Sciences et Techniques", ("faculty", "science", "technology")),
        ("High School of Technology", ("superior", "school", "technology")),
        ("Natl Sch Comp Sci", ("national", "school", "computing", "science")),
        ("École Nationale Supérieure d'Informatique", ("school", "national", "superior", "computing")),
        ("Génie Électrique", ("engineering", "electrical")),
        ("Regional Center for Careers in Education and Training",
         ("regional", "center", "profession", "education", "training")),
        ("Centre Régional des Métiers de l'Éducation et de la Formation",
         ("center", "regional", "profession", "education", "training")),
        ("Higher Institute of Nursing Professions", ("superior", "institute", "nursing", "profession")),
        ("Hôpital Militaire", ("hospital", "military")),
        # M' is part of a Maghreb name, written with or without the apostrophe
        ("Université M'Hamed Bougara", ("university", "mohamed", "bougara")),
        ("Univ Mhamed Bougara", ("university", "mohamed", "bougara")),
        ("Université de M’Sila", ("university", "msila")),
        ("Univ Msila", ("university", "msila")),
        ("Université d'Oran", ("university", "oran")),
    ],
)  # fmt: skip
def test_name_tokens_of_the_maghreb(text, tokens):
    assert name_tokens(text) == tokens


def test_the_abbreviation_table():
    assert WOS_ABBREVIATIONS["super"] == "superieure" and WOS_ABBREVIATIONS["gest"] == "gestion"
    assert WOS_ABBREVIATIONS["technol"] == "technology" and WOS_ABBREVIATIONS["engn"] == "engineering"
    assert "stat" not in WOS_ABBREVIATIONS  # Statistics or State
    assert {"sidi", "mulay", "sultan", "cheikh", "lalla"} <= HONORIFICS


# --- the matcher, rule by rule: every answer as computed -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Hassan First University of Settat, Settat, Morocco",
            [
                (
                    "uh1",
                    1.0,
                    "name words, country MA agrees (country named), city Settat agrees",
                    "Université Hassan 1er",
                    ("hasan", "1", "university"),
                )
            ],
        ),
        (
            "Hassan 1st University, Settat, Morocco",
            [
                (
                    "uh1",
                    1.0,
                    "name words, country MA agrees (country named), city Settat agrees",
                    "Université Hassan 1er",
                    ("hasan", "1", "university"),
                )
            ],
        ),
        (
            "Université Hassan 1er, Settat, Maroc",
            [
                (
                    "uh1",
                    1.0,
                    "name words, country MA agrees (country named), city Settat agrees",
                    "Université Hassan 1er",
                    ("university", "hasan", "1"),
                )
            ],
        ),
        (
            "Université Mohammed Premier, Oujda, Maroc",
            [
                (
                    "ump",
                    1.0,
                    "name words, country MA agrees (country named), city Oujda agrees",
                    "Université Mohammed Premier",
                    ("university", "mohamed", "1"),
                )
            ],
        ),
        (
            "Mohammed 1st University, Oujda, Morocco",
            [
                (
                    "ump",
                    1.0,
                    "name words, country MA agrees (country named), city Oujda agrees",
                    "Mohammed First University",
                    ("mohamed", "1", "university"),
                )
            ],
        ),
        (
            "Mohammed Vth University, Rabat, Morocco",
            [
                (
                    "um5",
                    1.0,
                    "name words, country MA agrees (country named), city Rabat agrees",
                    "Mohammed V University",
                    ("mohamed", "5", "university"),
                )
            ],
        ),
        (
            "Univ 08 May 1945, LAIG Lab, Guelma 24000, Algeria",
            [
                (
                    "guelma",
                    1.0,
                    "name words, its city named apart, country DZ agrees (country named), city Guelma agrees",
                    "Université 8 mai 1945 de Guelma",
                    ("university", "8", "may"),
                )
            ],
        ),
        (
            "Mohamed Ben Abdellah University, Fez, Morocco",
            [
                (
                    "usmba",
                    0.994,  # "Sidi" left out: the honorific keeps HONORIFIC_WEIGHT of its IDF
                    "name words, country MA agrees (country named), city Fes agrees",
                    "Sidi Mohamed Ben Abdellah University",
                    ("mohamed", "ben", "abdelah", "university"),
                )
            ],
        ),
        (
            "School of Computer Science, Mohammed, VI Polytechnic University, Ben Guerir, Morocco",
            [
                (
                    "um6p",
                    1.0,
                    "name words, country MA agrees (country named), city Ben Guerir agrees",
                    "Université Mohammed VI Polytechnique",
                    ("mohamed", "6", "polytechnic", "university"),
                )
            ],
        ),
        (
            "Univ Constantine 2, Constantine, Algeria",
            [
                (
                    "const2",
                    1.0,
                    "exact name, country DZ agrees (country named), city Constantine agrees",
                    "University of Constantine 2",
                    ("university", "constantine", "2"),
                )
            ],
        ),
        ("Univ Constantine 3, Constantine, Algeria", []),
        (
            "Univ Batna 2, Batna, Algeria",
            [
                (
                    "batna2",
                    1.0,
                    "exact name, country DZ agrees (country named), city Batna agrees",
                    "University of Batna 2",
                    ("university", "batna", "2"),
                )
            ],
        ),
        (
            "USTO, Lab Vis, Oran 31000, Algeria",
            [("usto", 0.92, "acronym USTO, city agrees, in a curated country", "usto", ("usto",))],
        ),
        ("Univ Sci & Technol Oran, Algeria", []),
        (
            "CHU Hassan II, Fès, Morocco",
            [
                (
                    "chuf",
                    1.0,
                    "name words, its city named apart, country MA agrees (country named), city Fes agrees",
                    "Centre Hospitalier Universitaire Hassan II de Fès",
                    ("chu", "hasan", "2"),
                )
            ],
        ),
        (
            "Univ Tuins El Manar, Tunis, Tunisia",
            [
                (
                    "utm",
                    1.0,
                    "name words, country TN agrees (country named), city Tunis agrees",
                    "Tunis El Manar University",
                    ("university", "tunis", "manar"),
                )
            ],
        ),
        (
            "Ibn Zohor University, Agadir, Morocco",
            [
                (
                    "uiz",
                    1.0,
                    "name words, country MA agrees (country named), city Agadir agrees",
                    "Université Ibn Zohr",
                    ("ben", "zuhr", "university"),
                )
            ],
        ),
        (
            "Univ Tunis, LARODEC, Inst Super Gest Tunis, Le Bardo 2000, Tunisia",
            [
                (
                    "isg",
                    1.0,
                    "exact name, country TN agrees (country named), city Tunis agrees",
                    "Institut Supérieur de Gestion de Tunis",
                    ("institute", "superior", "management", "tunis"),
                )
            ],
        ),
        (
            "Sfax Univ, ENIS, Sfax, Tunisia",
            [("enis", 0.92, "acronym ENIS, city agrees, in a curated country", "enis", ("enis",))],
        ),
        (
            "LISTI, ENSA, Ibn Zohr University, Agadir, Morocco",
            [("ensaa", 0.92, "acronym ENSA, city agrees, in a curated country", "ensa", ("ensa",))],
        ),
        (
            "ENSA Agadir, Morocco",
            [("ensaa", 0.92, "acronym ENSA, city agrees, in a curated country", "ensa", ("ensa", "agadir"))],
        ),
        (
            "ENSIAS, Rabat, Morocco",
            [("ensias", 0.92, "acronym ENSIAS, city agrees, in a curated country", "ensias", ("ensias",))],
        ),
        (
            "Faculty of Sciences, Mohammed V University, Rabat, Morocco",
            [
                (
                    "fsr",
                    1.0,
                    "name words, its city named apart, country MA agrees (country named), city Rabat agrees",
                    "Faculté des Sciences de Rabat",
                    ("faculty", "science"),
                )
            ],
        ),
        (
            "Faculty of Sciences, International University of Rabat, Rabat, Morocco",
            [
                (
                    "uir",
                    1.0,
                    "exact name, country MA agrees (country named), city Rabat agrees",
                    "International University of Rabat",
                    ("international", "university", "rabat"),
                )
            ],
        ),
        (
            "Faculty of Science, Ibn Tofail University, Morocco",
            [
                (
                    "fsk",
                    0.96,
                    "unit named by its kind under Université Ibn-Tofail",
                    "Faculté des Sciences de Kénitra",
                    ("faculty", "science"),
                )
            ],
        ),
        (
            "Mohammadia School of Engineers, Mohammed V University, Rabat, Morocco",
            [
                (
                    "emi",
                    1.0,
                    "exact name, country MA agrees (country named), city Rabat agrees",
                    "Mohammadia School of Engineers",
                    ("mohamadia", "school", "engineering"),
                ),
                (
                    "um5",
                    1.0,
                    "name words, country MA agrees (country named), city Rabat agrees",
                    "Mohammed V University",
                    ("mohamed", "5", "university"),
                ),
            ],
        ),
        (
            "Regional Center for Careers in Education and Training, Casablanca, Morocco",
            [
                (
                    "crmef",
                    1.0,
                    "name words, its city named apart, country MA agrees (country named), "
                    "city Casablanca agrees",
                    "Centre Régional des Métiers de l'Éducation et de la Formation de Casablanca",
                    ("regional", "center", "profession", "education", "training"),
                )
            ],
        ),
        ("UEMF, Paris, France", []),
        (
            "Washington University, Seattle",
            [
                (
                    "uw",
                    0.9,
                    "name words, city Seattle agrees",
                    "University of Washington",
                    ("washington", "university"),
                )
            ],
        ),
        (
            "University of Washington, Seattle",
            [
                (
                    "uw",
                    1.0,
                    "name words, city Seattle agrees",
                    "University of Washington",
                    ("university", "washington"),
                )
            ],
        ),
    ],
)
def test_maghreb_rules_exact(maghreb, text, expected):
    assert answer(maghreb.match(text)) == expected


def test_the_main_one_of_a_curated_country_is_its_most_specific(maghreb):
    # "Sfax Univ, ENIS": the school wins, and its university is not returned beside it
    assert [m.institution_id for m in maghreb.match("Sfax Univ, ENIS, Sfax, Tunisia")] == [ROR + "enis"]
    broad = Matcher(REGISTRY, threshold=0.5, specific_countries=())
    assert [
        m.institution_id for m in broad.match("Faculty of Sciences, Mohammed V University, Rabat, Morocco")
    ] == [ROR + "um5"]
    assert maghreb.specific_countries == frozenset({"MA", "DZ", "TN"})
    assert maghreb.with_institutions([]).specific_countries == maghreb.specific_countries


def test_a_faculty_found_with_the_city_needs_its_university_or_nothing_else(maghreb):
    assert [m.institution_id for m in maghreb.match("Faculty of Sciences, Rabat, Morocco")] == [ROR + "fsr"]
    assert [
        m.institution_id for m in maghreb.match("Faculty of Sciences, Univ Ibn Zohr, Rabat, Morocco")
    ] == [ROR + "uiz"]


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        # a footnote number before the next unit ends a part, and stays with the name before it
        ("Michigan State University 4 Department of Obstetrics and Gynecology, , East Lansing, MI, USA",
         ["Michigan State University 4", "Department of Obstetrics and Gynecology", "East Lansing", "MI",
          "USA"]),
        ("Université Constantine 2 Faculté de médecine", ["Université Constantine 2", "Faculté de médecine"]),
        # a run of spaces separates two parts
        ("Semmelweis University  Budapest Hungary", ["Semmelweis University", "Budapest Hungary"]),
        # a number inside a name is not a footnote
        ("Univ 08 May 1945 Guelma", ["Univ 08 May 1945 Guelma"]),
        ("University of Oran 1 Ahmed Ben Bella", ["University of Oran 1 Ahmed Ben Bella"]),
        ("Hassan 2 University School", ["Hassan 2 University School"]),
    ],
)  # fmt: skip
def test_name_segments_split_what_exports_run_together(text, parts):
    assert name_segments(text) == parts


def test_a_footnote_number_does_not_hide_the_name(maghreb):
    found = maghreb.match(
        "Michigan State University 4 Department of Obstetrics and Gynecology, , East Lansing, MI, USA"
    )
    assert [m.institution_id for m in found] == [ROR + "msu"] and found[0].score > 0.9


def test_a_unit_named_by_its_kind_may_add_a_district_to_its_name_but_not_a_subject(maghreb):
    def main(text):
        return [m.institution_id.removeprefix(ROR) for m in maghreb.match(text)][:1]

    # "Semlalia" is a district (a rare word): the one faculty of sciences of Cadi Ayyad University
    assert main("Cadi Ayyad University, Faculty of Sciences, Marrakech, Morocco") == ["fssm"]
    # "Exactes" and "de la Nature et de la Vie" are subjects: "Faculty of Sciences" is neither for sure
    assert main("Faculty of Sciences, University of Bejaia, 06000, Algeria") == ["ubej"]
    # the words of the university named beside it may be in the faculty's name
    assert main("Univ Mhamed Bougara, Fac Technol, LIMOSE Lab, Boumerdes, Algeria") == ["ftumbb"]


def test_an_acronym_among_other_words_counts_with_its_parent_or_city_named(maghreb):
    def main(text):
        return [m.institution_id.removeprefix(ROR) for m in maghreb.match(text)][:1]

    assert main("Univ Sousse, ENISo Sousse, Sousse 4002, Tunisia") == ["eniso"]
    assert main("Univ Sfax, Mir Cl Lab, ISIMS BP 242, Sfax 3021, Tunisia") == ["isims"]
    # neither its parent nor its city named: not enough for an acronym among other words
    assert main("Lab X, ISIMS BP 242, Tunisia") == []


def test_a_university_hospital_is_a_chu_in_either_order_and_its_city_may_be_apart(maghreb):
    assert name_tokens("Mohammed VI University Hospital") == ("mohamed", "6", "chu")
    assert name_tokens("Centre Hospitalo-Universitaire Mohammed VI") == ("chu", "mohamed", "6")
    found = maghreb.match(
        "Department of Radiology, Mohammed VI University Hospital, Mohammed First University, Oujda, Morocco"
    )
    assert [m.institution_id.removeprefix(ROR) for m in found][:1] == ["chuo"]
    assert "its city named apart" in found[0].reason
    # without Oujda named, the name without a city is Marrakesh's CHU
    found = maghreb.match("Mohammed VI University Hospital, Morocco")
    assert [m.institution_id.removeprefix(ROR) for m in found] == ["chum"]


def test_typos_are_corrected_only_when_one_known_word_is_one_edit_away(maghreb):
    assert maghreb._corrected("tuins") == "tunis"
    assert maghreb._corrected("zohor") == "zuhr"  # a spelling normalise folds: Zohr
    assert maghreb._corrected("oram") == "oram"  # too short
    assert maghreb._corrected("batna2") == "batna2"  # not letters only
    assert maghreb._corrected("qwertyu") == "qwertyu"
    assert maghreb._tokens("Univ Tuins El Manar") == ("university", "tunis", "manar")
    assert maghreb._tokens("Tunisie") == ("tunisie",)  # a country's name is known, never corrected


@pytest.mark.parametrize(
    ("word", "known", "one"),
    [
        ("tuins", "tunis", True),  # swapped
        ("zohor", "zohr", True),  # one letter more
        ("zohr", "zohor", True),  # one letter less
        ("monastir", "monastyr", True),  # changed, in a long word
        ("batna", "betna", False),  # changed, in a short word
        ("tunis", "tunis", False),
        ("abcd", "badc", False),
        ("oran", "oranais", False),
    ],
)
def test_one_edit(word, known, one):
    assert _one_edit(word, known) is one


def test_helpers_of_numbers_order_and_acronyms():
    assert _number_clash(("university", "batna", "2"), [2], frozenset({"university", "batna"}), frozenset())
    assert not _number_clash(("university", "batna", "2"), [2], frozenset({"university", "batna", "2"}),
                             frozenset({"2"}))  # fmt: skip
    assert not _number_clash(
        ("2", "x", "university", "batna"), [0], frozenset({"university", "batna"}), frozenset()
    )
    # "national", "superior" ... may stand before or after the noun
    assert _same_order(("school", "national", "superior"), ("national", "superior", "school"),
                       frozenset({"school", "national", "superior"}))  # fmt: skip
    assert not _same_order(("university", "washington"), ("washington", "university"),
                           frozenset({"university", "washington"}))  # fmt: skip
    assert _acronym_head("USTO-MB") == "usto"
    assert _acronym_head("ENSA Agadir") == "ensa"
    assert _acronym_head("UM-5") == ""
    assert _acronym_head("ENSIAS") == ""
    assert _acronym_head("Ensa Agadir") == ""
    assert _acronym_and_rest("ENSIAS", ("ensias",)) == ("ENSIAS", frozenset())
    assert _acronym_and_rest("ENSA Tanger", ("ensa", "tangier")) == ("ENSA", frozenset({"tangier"}))
    assert _acronym_and_rest("Faculty of Sciences", ("faculty", "science")) == ("", frozenset())


# --- evaluation helpers ------------------------------------------------------------------------------------


def test_local_institutions_of_a_registry_export(tmp_path):
    path = tmp_path / "local.jsonl"
    path.write_text(
        '{"source": "local", "id": "local:ma-ump", "ror_id": "https://ror.org/01ejxf797",'
        ' "kind": "university", "name": "Université Mohammed Premier",'
        ' "names": {"en": ["Mohammed First University"]}, "acronyms": ["UMP"], "country_code": "MA",'
        ' "city": "Oujda", "parent_id": ""}\n'
        '{"source": "local", "id": "local:ma-fso", "kind": "faculty",'
        ' "name": "Faculté des Sciences d\'Oujda", "variants": ["Fac Sci Oujda"], "country_code": "MA",'
        ' "city": "Oujda", "parent_id": "local:ma-ump"}\n',
        encoding="utf-8",
    )
    ump, fso = local_institutions(path)
    assert (ump.id, ump.name, ump.acronyms, ump.types, ump.parent_ids) == (
        "https://ror.org/01ejxf797", "Université Mohammed Premier", ("UMP",), ("university",), ()
    )  # fmt: skip
    assert ump.names == {"": ("Université Mohammed Premier",), "en": ("Mohammed First University",)}
    assert (fso.id, fso.aliases, fso.parent_ids, fso.cities) == (
        "local:ma-fso", ("Fac Sci Oujda",), ("https://ror.org/01ejxf797",), ("Oujda",)
    )  # fmt: skip


def test_scores_by_country():
    rows = [
        {"string": "a", "country": "MA", "expected_ror": ROR + "x", "expected_local_key": None},
        {"string": "b", "country": "MA", "expected_ror": None, "expected_local_key": "local:y"},
        {"string": "c", "country": "TN", "expected_ror": None, "expected_local_key": None},
        {"string": "d", "country": "DZ", "ror": ROR + "z"},
    ]
    assert [expected_of(row) for row in rows] == [ROR + "x", "local:y", "", ROR + "z"]
    scores = score_by_country(rows, [[ROR + "x", ROR + "w"], ["local:q"], [ROR + "v"], []])
    assert {k: (s.rows, s.true_positive, s.false_positive, s.false_negative) for k, s in scores.items()} == {
        "all": (4, 1, 2, 2), "MA": (2, 1, 1, 1), "TN": (1, 0, 1, 0), "DZ": (1, 0, 0, 1)
    }  # fmt: skip
    assert (scores["MA"].precision, scores["MA"].recall, scores["MA"].f1) == (0.5, 0.5, 0.5)
    assert (Score().precision, Score().recall, Score().f1) == (1.0, 1.0, 1.0)
    assert Score(rows=1, false_positive=1).f1 == 0.0


# --- the goals on the labelled Maghreb set (shared data) ------------------------------------------------


def _shared_dir() -> Path | None:
    from khizana.testing import shared_data_dir

    return shared_data_dir()


SHARED = _shared_dir()
# what the matcher reaches on data/maghreb_affiliations.jsonl (threshold 0.90, main institution): the
# goals of issue 15 are precision 0.95 and recall 0.90; these floors keep what is reached
FLOORS = {"MA": (0.88, 0.82), "DZ": (0.90, 0.69), "TN": (0.93, 0.88), "all": (0.90, 0.81)}


@pytest.mark.shared_data
@pytest.mark.slow
@pytest.mark.skipif(SHARED is None or not (SHARED / "ror").is_dir(), reason="../shared/data is absent")
def test_the_maghreb_set_per_country(request):
    cache = request.config.cache.mkdir("affiliation-matcher")
    matcher = cached_matcher(SHARED / "ror", cache, extra=local_institutions(DEMO_LOCAL))
    rows = maghreb_rows(DATA / "maghreb_affiliations.jsonl")
    start = time.process_time()
    found = [[m.institution_id for m in matcher.match(row["string"]) if m.score >= 0.90] for row in rows]
    rate = len(rows) / (time.process_time() - start)
    scores = score_by_country(rows, found)
    reached = {k: (round(s.precision, 3), round(s.recall, 3)) for k, s in scores.items()}
    print("Maghreb set:", reached, f"{rate:.0f} strings/s")
    for country, (precision, recall) in FLOORS.items():
        assert reached[country][0] >= precision and reached[country][1] >= recall, (country, reached)
