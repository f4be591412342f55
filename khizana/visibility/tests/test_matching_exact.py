"""The affiliation matcher's exact answers: scores, reasons, variants and words, rule by rule.

Pure: no database. The registries are the ROR rows of ``data/ror`` and ``data/registry_specificity.tsv``
(real ROR records) and a small registry written here, with real institutions, for the statuses, the
places and the relations those rows do not have. A loose threshold shows the scores under the default
one, so that each bonus, penalty and factor is seen in the number it gives.
"""

import os
import pickle
from pathlib import Path

import pytest

from khizana.visibility import matching
from khizana.visibility.matching import (
    Match,
    Matcher,
    _pair,
    _same_order,
    cached_matcher,
    match_affiliation,
    registry_fingerprint,
    set_default_matcher,
)
from khizana.visibility.registry_data import RegistryInstitution, load_registry, read_names_index
from khizana.visibility.tests.support import ROR, answer

DATA = Path(__file__).parent / "data"


def inst(key, name, *, country="MA", city="Rabat", acronyms=(), labels=(), aliases=(), parents=(),
         status="active", types=("education",), cities=None, countries=()):  # fmt: skip
    return RegistryInstitution(
        id=ROR + key,
        name=name,
        aliases=aliases,
        acronyms=acronyms,
        labels=labels,
        country_code=country,
        city=city,
        cities=cities if cities is not None else ((city,) if city else ()),
        types=types,
        parent_ids=tuple(ROR + p for p in parents),
        status=status,
        country_codes=countries,
    )


# Rabat and Paris hold three institutions or more of one country: naming them names the country.
REGISTRY = [
    inst("um5", "Mohammed V University", labels=("Université Mohammed V de Rabat", "جامعة محمد الخامس"),
         acronyms=("UM5",)),
    inst("fsr", "Faculté des Sciences de Rabat", parents=("um5",), acronyms=("FSR",)),
    inst("ensias", "École Nationale Supérieure d'Informatique et d'Analyse des Systèmes",
         parents=("um5",), acronyms=("ENSIAS",)),
    inst("cnrst", "Centre National pour la Recherche Scientifique et Technique", acronyms=("CNRST",),
         types=("government",)),
    inst("iav", "Institut Agronomique et Vétérinaire Hassan II", acronyms=("IAV",)),
    inst("uh2c", "Hassan II University of Casablanca", city="Casablanca",
         labels=("Université Hassan II de Casablanca", "جامعة الحسن الثاني")),
    inst("ipm", "Institut Pasteur du Maroc", city="Casablanca", types=("facility",)),
    inst("ipp", "Institut Pasteur", country="FR", city="Paris", types=("nonprofit",)),
    inst("ipt", "Institut Pasteur de Tunis", country="TN", city="Tunis", types=("facility",)),
    inst("cnrs", "Centre National de la Recherche Scientifique", country="FR", city="Paris",
         acronyms=("CNRS",), types=("government",)),
    inst("inserm", "Institut National de la Santé et de la Recherche Médicale", country="FR", city="Paris",
         acronyms=("INSERM",), types=("government",)),
    inst("upc", "Université Paris Cité", country="FR", city="Paris"),
    inst("descartes", "Université Paris Descartes", country="FR", city="Paris", status="inactive"),
    inst("uemf", "Euromed University of Fes", city="Fes", acronyms=("UEMF",), countries=("MA", "FR")),
    inst("isr", "Institut Scientifique", country="", city="", status="referenced", types=()),
    inst("ur", "Université de Rabat", status="withdrawn"),
    inst("pathbonn", "Institute of Pathology", country="DE", city="Bonn", types=("healthcare",)),
    inst("pathbern", "Institute of Pathology", country="CH", city="Bern", types=("healthcare",)),
    inst("usfax", "University of Sfax", country="TN", city="Sfax",
         labels=("Université de Sfax", "جامعة صفاقس")),
    inst("fmsfax", "Faculty of Medicine of Sfax", country="TN", city="Sfax", parents=("usfax",),
         acronyms=("FMS",)),
    inst("khalifa", "Khalifa University", country="AE", city="Abu Dhabi"),
    inst("ksu", "King Saud University", country="SA", city="Riyadh"),
    inst("ucd", "University of California, Davis", country="US", city="Davis"),
    inst("ucs", "University of California System", country="US", city="Oakland"),
    inst("unm", "University of New Mexico", country="US", city="Albuquerque"),
    # two former universities, merged into Mohammed V University in 2014 (unrelated in the registry)
    inst("agdal", "Université Mohammed V Agdal", status="inactive"),
    inst("souissi", "Université Mohammed V Souissi", status="inactive"),
    # one name, two schools of one country
    inst("iscae", "Institut Supérieur de Commerce et d'Administration des Entreprises", city="Casablanca",
         acronyms=("ISCAE",)),
    inst("iscaer", "Institut Supérieur de Commerce et d'Administration des Entreprises", acronyms=("ISCAE",)),
    # a name borne by an active and an inactive record; a name that is one school's own, another's alias
    inst("emi", "École Mohammadia d'Ingénieurs", acronyms=("EMI",)),
    inst("emiold", "Ecole Mohammadia d'Ingenieurs", status="inactive"),
    inst("ensam", "École Nationale Supérieure d'Arts et Métiers", city="Meknès"),
    inst("ensamc", "ENSAM Casablanca", city="Casablanca",
         aliases=("École Nationale Supérieure d'Arts et Métiers",)),
    inst("ensiasold", "École Nationale Supérieure d'Informatique", status="inactive", acronyms=("ENSIAS",)),
]  # fmt: skip


@pytest.fixture(scope="module")
def ror_rows():
    return list(load_registry(DATA / "ror").values())


@pytest.fixture(scope="module")
def loose(ror_rows):
    return Matcher(ror_rows, threshold=0.3)


@pytest.fixture(scope="module")
def custom():
    return Matcher(REGISTRY, threshold=0.5)


# --- the ROR rows, loose threshold: every score as computed -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Laboratoire de Physique, Université Mohammed V Agdal",
            [
                (
                    "00r8w8f84",
                    0.708,
                    "name words, no place to confirm a partial name",
                    "جامعة محمد الخامس",
                    ("university", "mohamed", "5"),
                )
            ],
        ),
        (
            "Laboratoire de Physique, Université Mohammed V Agdal, Maroc",
            [
                (
                    "00r8w8f84",
                    0.818,
                    "name words, country MA agrees (country named)",
                    "جامعة محمد الخامس",
                    ("university", "mohamed", "5"),
                )
            ],
        ),
        (
            "Laboratoire de Physique, Université Mohammed V Agdal, Rabat",
            [
                (
                    "00r8w8f84",
                    0.808,
                    "name words, city Rabat agrees",
                    "جامعة محمد الخامس",
                    ("university", "mohamed", "5"),
                )
            ],
        ),
        (
            "Laboratoire de Physique, Université Mohammed V Agdal, Rabat, Maroc",
            [
                (
                    "00r8w8f84",
                    0.868,
                    "name words, country MA agrees (country named), city Rabat agrees",
                    "جامعة محمد الخامس",
                    ("university", "mohamed", "5"),
                )
            ],
        ),
        (
            "Laboratoire de Physique, Université Mohammed V Agdal, Tunisie",
            [
                (
                    "00r8w8f84",
                    0.358,
                    "name words, country MA disagrees, no place to confirm a partial name",
                    "جامعة محمد الخامس",
                    ("university", "mohamed", "5"),
                )
            ],
        ),
        (
            "Université Mohammed V Agdal Rabat",
            [
                (
                    "00r8w8f84",
                    0.808,
                    "name words, city Rabat agrees",
                    "جامعة محمد الخامس",
                    ("university", "mohamed", "5"),
                )
            ],
        ),
        (
            "Mohammed V",
            [
                (
                    "00r8w8f84",
                    0.713,
                    "name words, no place to confirm a partial name",
                    "Mohammed V University",
                    ("mohamed", "5"),
                )
            ],
        ),
        (
            "Mohammed V, Rabat",
            [
                (
                    "00r8w8f84",
                    0.813,
                    "name words, city Rabat agrees",
                    "Mohammed V University",
                    ("mohamed", "5"),
                )
            ],
        ),
        (
            "Washington University",
            [
                (
                    "00cvxb145",
                    0.8,
                    "name words, no place to confirm a partial name",
                    "University of Washington",
                    ("washington", "university"),
                )
            ],
        ),
        (
            "Washington University, Seattle",
            [
                (
                    "00cvxb145",
                    0.9,
                    "name words, city Seattle agrees",
                    "University of Washington",
                    ("washington", "university"),
                )
            ],
        ),
        ("University of Washington School of Medicine", []),
        (
            "Université Mohammed V, Paris, France",
            [
                (
                    "00r8w8f84",
                    0.65,
                    "exact name, country MA disagrees",
                    "جامعة محمد الخامس",
                    ("university", "mohamed", "5"),
                )
            ],
        ),
        (
            "Hassan II University, Casablanca, Morocco",
            [
                (
                    "001q4kn48",
                    1.0,
                    "name words, country MA agrees (country named), city Casablanca agrees",
                    "جامعة الحسن الثاني",
                    ("hasan", "2", "university"),
                )
            ],
        ),
        (
            "Hassan II University",
            [
                (
                    "001q4kn48",
                    0.92,
                    "name words, no place to confirm a partial name",
                    "جامعة الحسن الثاني",
                    ("hasan", "2", "university"),
                )
            ],
        ),
        (
            "Sfax University, Tunisia",
            [
                (
                    "04d4sd432",
                    1.0,
                    "name words, country TN agrees (country named)",
                    "University of Sfax",
                    ("sfax", "university"),
                )
            ],
        ),
        (
            "University of Sfax Faculty of Medicine",
            [
                (
                    "0053fb273",
                    0.92,
                    "name words, no place to confirm a partial name",
                    "Faculty of Medicine of the University of Sfax",
                    ("university", "sfax", "faculty", "medicine"),
                )
            ],
        ),
        (
            "Université Sidi Mohamed Ben Abdellah Dhar El Mahraz, Fès",
            [],
        ),
        (
            "Univ Cadi Ayyad, Marrakech",
            [
                (
                    "04xf6nm78",
                    1.0,
                    "name words, city Marrakesh agrees",
                    "Université Cadi Ayyad",
                    ("university", "qadi", "ayad"),
                )
            ],
        ),
        (
            "Faculté des Sciences Semlalia, Marrakech, UCA",
            [("04xf6nm78", 0.92, "acronym UCA, city agrees, in a curated country", "uca", ("uca",))],
        ),
        (
            "UCA, Maroc",
            [("04xf6nm78", 0.86, "acronym UCA, country agrees (MA, country named)", "uca", ("uca",))],
        ),
        ("UCA, Cadiz", [("04mxxkb11", 0.86, "acronym UCA, city agrees", "uca", ("uca",))]),
        ("UCA", []),
        ("UW, Seattle", []),
        (
            "Université Grenoble Alpes, Grenoble",
            [
                (
                    "02rx3b187",
                    1.0,
                    "name words",
                    "Université Grenoble Alpes",
                    ("university", "grenoble", "alpes", "grenoble"),
                )
            ],
        ),
        ("CNRS, Grenoble", []),
        (
            "Tunis El Manar",
            [
                (
                    "029cgt552",
                    0.744,
                    "name words, no place to confirm a partial name",
                    # two of its names explain the string equally: the lower one, whatever the set order
                    "Tunis El Manar University",
                    ("tunis", "manar"),
                )
            ],
        ),
        (
            "Université de Tunis El Manar, Tunis",
            [
                (
                    "029cgt552",
                    1.0,
                    "exact name, country TN agrees (country named), city Tunis agrees",
                    "Université de tunis - el manar",
                    ("university", "tunis", "manar"),
                )
            ],
        ),
        (
            "Oran 1 University, Oran",
            [
                (
                    "059et2b68",
                    1.0,
                    "name words, city Oran agrees",
                    "University of Oran 1",
                    ("oran", "1", "university"),
                )
            ],
        ),
        (
            "Université Paris-Saclay, Gif-sur-Yvette, France",
            [
                (
                    "03xjwb503",
                    1.0,
                    "name words, country FR agrees (country named), city Gif-sur-Yvette agrees",
                    "Université Paris-Saclay",
                    ("university", "paris", "saclay"),
                )
            ],
        ),
        (
            "Aix Marseille University, Marseille, France",
            [
                (
                    "035xkbk20",
                    1.0,
                    "exact name, country FR agrees (country named), city Marseille agrees",
                    "Aix-Marseille Université",
                    ("aix", "marseille", "university"),
                )
            ],
        ),
        (
            "University of Marrakesh, Morocco",
            [
                (
                    "04xf6nm78",
                    1.0,
                    "exact name, country MA agrees (country named)",
                    "University of Marrakesh",
                    ("university", "marakech"),
                )
            ],
        ),
        (
            "Faculté des Sciences, Université Mohammed V, Rabat, Morocco",
            [
                (
                    "00r8w8f84",
                    1.0,
                    "exact name, country MA agrees (country named), city Rabat agrees",
                    "جامعة محمد الخامس",
                    ("university", "mohamed", "5"),
                )
            ],
        ),
        (
            "Mohamed V University in Rabat",
            [
                (
                    "00r8w8f84",
                    1.0,
                    "name words, city Rabat agrees",
                    "Mohammed V University",
                    ("mohamed", "5", "university"),
                )
            ],
        ),
        (
            "Univ. Grenoble Alpes, CNRS, LPNC, 38000 Grenoble, France",
            [
                (
                    "02rx3b187",
                    1.0,
                    "exact name, country FR agrees (country named)",
                    "Université Grenoble Alpes",
                    ("university", "grenoble", "alpes"),
                ),
                ("02feahw73", 0.86, "acronym CNRS, country agrees (FR, country named)", "cnrs", ("cnrs",)),
            ],
        ),
        (
            "Department of Chemistry, University of Washington, Seattle, WA",
            [
                (
                    "00cvxb145",
                    1.0,
                    "name words, city Seattle agrees",
                    "University of Washington",
                    ("university", "washington"),
                )
            ],
        ),
        (
            "Department of Chemistry, Washington University in St. Louis, MO",
            [
                (
                    "01yc7t268",
                    1.0,
                    "exact name",
                    "Washington University in St. Louis",
                    ("washington", "university", "saint", "louis"),
                )
            ],
        ),
        (
            "Université Côte d'Azur, Nice",
            [
                (
                    "019tgvf94",
                    1.0,
                    "name words, city Nice agrees",
                    "Université Côte d'Azur",
                    ("university", "cote", "azur"),
                )
            ],
        ),
        (
            "Inserm U1016, Paris, France",
            [
                (
                    "02vjkv261",
                    1.0,
                    "name words, country FR agrees (country named), city Paris agrees",
                    "Inserm",
                    ("inserm",),
                )
            ],
        ),
        (
            "UM6P, Ben Guerir, Morocco",
            [("03xc55g68", 0.86, "acronym UM6P, country agrees (MA, country named)", "um6p", ("um6p",))],
        ),
        (
            "University of Provence, Marseille",
            [
                (
                    "035xkbk20",
                    1.0,
                    "name words, city Marseille agrees",
                    "University of Provence",
                    ("university", "provence"),
                )
            ],
        ),
        (
            "Research Laboratory LR19ES13, Faculty of Medicine of Sfax, University of Sfax, Tunisia",
            [
                (
                    "0053fb273",
                    1.0,
                    "exact name, country TN agrees (country named), city Sfax agrees",
                    "Faculty of Medicine of Sfax",
                    ("faculty", "medicine", "sfax"),
                )
            ],
        ),
    ],
)
def test_ror_rows_exact(loose, text, expected):
    got = answer(loose.match(text))
    assert got == expected


# --- a registry with statuses, places and relations ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Université Paris Descartes",
            [
                (
                    "descartes",
                    0.92,
                    "exact name, inactive",
                    "Université Paris Descartes",
                    ("university", "paris", "descartes"),
                )
            ],
        ),
        (
            "Université Paris Descartes, Paris, France",
            [
                (
                    "descartes",
                    1.0,
                    "exact name, country FR agrees (country named), city Paris agrees, inactive",
                    "Université Paris Descartes",
                    ("university", "paris", "descartes"),
                )
            ],
        ),
        (
            "Université Paris Descartes Sorbonne",
            [
                (
                    "descartes",
                    0.653,
                    "name words, no place to confirm a partial name, inactive",
                    "Université Paris Descartes",
                    ("university", "paris", "descartes"),
                )
            ],
        ),
        (
            "Université Paris Descartes Sorbonne, France",
            [
                (
                    "descartes",
                    0.763,
                    "name words, country FR agrees (country named), inactive",
                    "Université Paris Descartes",
                    ("university", "paris", "descartes"),
                )
            ],
        ),
        (
            "Institut Scientifique, Rabat, Maroc",
            [("isr", 1.0, "exact name", "Institut Scientifique", ("institute", "science"))],
        ),
        (
            "Institut Scientifique, Tunisie",
            [("isr", 1.0, "exact name", "Institut Scientifique", ("institute", "science"))],
        ),
        ("Université de Rabat, Maroc", []),
        ("Institute of Pathology", []),
        (
            "Institute of Pathology, Bonn, Germany",
            [
                (
                    "pathbonn",
                    1.0,
                    "name words, country DE agrees (country named), city Bonn agrees",
                    "Institute of Pathology",
                    ("institute", "pathology"),
                )
            ],
        ),
        (
            "Institute of Pathology, University Hospital Bonn",
            [
                (
                    "pathbonn",
                    1.0,
                    "exact name, city Bonn agrees",
                    "Institute of Pathology",
                    ("institute", "pathology"),
                )
            ],
        ),
        (
            "Euromed University of Fes, Paris, France",
            [
                (
                    "uemf",
                    1.0,
                    "exact name, country MA agrees (country named)",
                    "Euromed University of Fes",
                    ("euromed", "university", "fes"),
                )
            ],
        ),
        (
            "Euromed University of Fes, Tunis, Tunisia",
            [
                (
                    "uemf",
                    0.65,
                    "exact name, country MA disagrees",
                    "Euromed University of Fes",
                    ("euromed", "university", "fes"),
                )
            ],
        ),
        (
            "Institut Pasteur du Maroc, Institut Pasteur, Paris",
            [
                (
                    "ipp",
                    1.0,
                    "name words, country FR agrees (city named), city Paris agrees",
                    "Institut Pasteur",
                    ("institute", "pasteur"),
                ),
                (
                    "ipm",
                    0.65,
                    "exact name, country MA disagrees",
                    "Institut Pasteur du Maroc",
                    ("institute", "pasteur", "maroc"),
                ),
            ],
        ),
        (
            "Institut Pasteur, Université Paris Cité, Paris",
            [
                (
                    "upc",
                    1.0,
                    "exact name, country FR agrees (city named), city Paris agrees",
                    "Université Paris Cité",
                    ("university", "paris", "cite"),
                ),
                (
                    "ipp",
                    1.0,
                    "exact name, country FR agrees (city named), city Paris agrees",
                    "Institut Pasteur",
                    ("institute", "pasteur"),
                ),
            ],
        ),
        (
            "Université Paris Cité, Institut Pasteur, Paris",
            [
                (
                    "upc",
                    1.0,
                    "exact name, country FR agrees (city named), city Paris agrees",
                    "Université Paris Cité",
                    ("university", "paris", "cite"),
                ),
                (
                    "ipp",
                    1.0,
                    "name words, country FR agrees (city named), city Paris agrees",
                    "Institut Pasteur",
                    ("institute", "pasteur"),
                ),
            ],
        ),
        (
            "Faculté des Sciences de Rabat, Université Mohammed V",
            [("fsr", 1.0, "exact name", "Faculté des Sciences de Rabat", ("faculty", "science", "rabat"))],
        ),
        (
            "Faculté des Sciences de Rabat, Maroc",
            [
                (
                    "fsr",
                    1.0,
                    "exact name, country MA agrees (country named)",
                    "Faculté des Sciences de Rabat",
                    ("faculty", "science", "rabat"),
                )
            ],
        ),
        (
            "ENSIAS, Rabat",
            [("ensias", 0.86, "acronym ENSIAS, country agrees (MA, city named)", "ensias", ("ensias",))],
        ),
        (
            "FSR, UM5, Rabat",
            [("fsr", 0.92, "acronym FSR, city agrees, in a curated country", "fsr", ("fsr",))],
        ),
        ("UM5, Maroc", [("um5", 0.86, "acronym UM5, country agrees (MA, country named)", "um5", ("um5",))]),
        ("CNRS, Paris", [("cnrs", 0.86, "acronym CNRS, city agrees", "cnrs", ("cnrs",))]),
        ("CNRS", []),
        (
            "Institut Pasteur, Tunis",
            [
                (
                    "ipt",
                    1.0,
                    "name words, its city named apart, country TN agrees (country named), city Tunis agrees",
                    "Institut Pasteur de Tunis",
                    ("institute", "pasteur"),
                )
            ],
        ),
        (
            "Institut National de la Santé et de la Recherche Médicale, Tunis, Tunisia",
            [
                (
                    "inserm",
                    0.65,
                    "exact name, country FR disagrees",
                    "Institut National de la Santé et de la Recherche Médicale",
                    ("institute", "national", "health", "research", "medicine"),
                )
            ],
        ),
        (
            "Laboratoire, Centre National de la Recherche Scientifique, Paris",
            [
                (
                    "cnrs",
                    1.0,
                    "name words, country FR agrees (city named), city Paris agrees",
                    "Centre National de la Recherche Scientifique",
                    ("center", "national", "research", "science"),
                )
            ],
        ),
        (
            "Agronomique et Vétérinaire Hassan II Institut, Rabat",
            [
                (
                    "iav",
                    1.0,
                    "name words, country MA agrees (city named), city Rabat agrees",
                    "Institut Agronomique et Vétérinaire Hassan II",
                    ("agronomy", "veterinary", "hasan", "2", "institute"),
                )
            ],
        ),
        (
            "Medicine Faculty of Sfax",
            [
                (
                    "fmsfax",
                    0.92,
                    "name words, no place to confirm a partial name",
                    "Faculty of Medicine of Sfax",
                    ("medicine", "faculty", "sfax"),
                )
            ],
        ),
        (
            "Sfax University",
            [
                (
                    "usfax",
                    0.92,
                    "name words, no place to confirm a partial name",
                    "University of Sfax",
                    ("sfax", "university"),
                )
            ],
        ),
        (
            "University Hassan II, Rabat",
            [
                (
                    "uh2c",
                    1.0,
                    "exact name, country MA agrees (city named)",
                    "جامعة الحسن الثاني",
                    ("university", "hasan", "2"),
                )
            ],
        ),
        ("Laboratoire de Chimie, Rabat Morocco", []),
        (
            "Khalifa University, PO Box 127788 Abu Dhabi United Arab Emirates",
            [
                (
                    "khalifa",
                    1.0,
                    "exact name, country AE agrees (country named), city Abu Dhabi agrees",
                    "Khalifa University",
                    ("khalifa", "university"),
                )
            ],
        ),
        (
            "King Saud University, Riyadh 11451 Saudi Arabia",
            [
                (
                    "ksu",
                    1.0,
                    "exact name, country SA agrees (country named), city Riyadh agrees",
                    "King Saud University",
                    ("king", "saud", "university"),
                )
            ],
        ),
        (
            "King Saud University, Riyadh Saudi Arabia",
            [
                (
                    "ksu",
                    1.0,
                    "exact name, country SA agrees (country named), city Riyadh agrees",
                    "King Saud University",
                    ("king", "saud", "university"),
                )
            ],
        ),
        (
            "Mohammed V University, Rabat Morocco",
            [
                (
                    "um5",
                    1.0,
                    "exact name, country MA agrees (country named), city Rabat agrees",
                    "Mohammed V University",
                    ("mohamed", "5", "university"),
                )
            ],
        ),
        (
            "Department of Physics, University of California, Davis",
            [
                (
                    "ucd",
                    1.0,
                    "exact name",
                    "University of California, Davis",
                    ("university", "california", "davis"),
                )
            ],
        ),
        ("University of California, Oakland", []),
        (
            "University of New Mexico, Albuquerque",
            [
                (
                    "unm",
                    1.0,
                    "name words, city Albuquerque agrees",
                    "University of New Mexico",
                    ("university", "new", "mexico"),
                )
            ],
        ),
        (
            "Institut Pasteur, Casablanca, Rabat",
            [("ipp", 0.65, "exact name, country FR disagrees", "Institut Pasteur", ("institute", "pasteur"))],
        ),
        (
            "Université Paris Descartes, Tunisie",
            [
                (
                    "descartes",
                    0.57,
                    "exact name, country FR disagrees, inactive",
                    "Université Paris Descartes",
                    ("university", "paris", "descartes"),
                )
            ],
        ),
        ("UEMF, Paris", [("uemf", 0.86, "acronym UEMF, country agrees (FR, city named)", "uemf", ("uemf",))]),
        ("FMS, Sfax", [("fmsfax", 0.92, "acronym FMS, city agrees, in a curated country", "fms", ("fms",))]),
        ("FMS", []),
        ("INSERM, Tunis", []),
        (
            "CNRST, Maroc",
            [
                (
                    "cnrst",
                    0.92,  # a long acronym only one institution of a curated country bears
                    "acronym CNRST, country agrees (MA, country named), in a curated country, "
                    "no other institution bears it",
                    "cnrst",
                    ("cnrst",),
                )
            ],
        ),
        (
            "Université Mohammed V Agdal",
            [
                (
                    "agdal",
                    0.92,
                    "exact name, inactive",
                    "Université Mohammed V Agdal",
                    ("university", "mohamed", "5", "agdal"),
                )
            ],
        ),
        (
            "Université Mohammed V Agdal Souissi",
            [
                (
                    "agdal",
                    0.787,
                    "name words, no place to confirm a partial name, inactive",
                    "Université Mohammed V Agdal",
                    ("university", "mohamed", "5", "agdal"),
                )
            ],
        ),
        (
            "Université Mohammed V Agdal Agdal",
            [
                (
                    "agdal",
                    0.92,
                    "name words, inactive",
                    "Université Mohammed V Agdal",
                    ("university", "mohamed", "5", "agdal", "agdal"),
                )
            ],
        ),
        (
            "Université Mohammed V Agdal, Université Mohammed V Souissi",
            [
                (
                    "souissi",
                    0.92,
                    "exact name, inactive",
                    "Université Mohammed V Souissi",
                    ("university", "mohamed", "5", "souisi"),
                ),
                (
                    "agdal",
                    0.92,
                    "exact name, inactive",
                    "Université Mohammed V Agdal",
                    ("university", "mohamed", "5", "agdal"),
                ),
            ],
        ),
        ("Institut Supérieur de Commerce et d'Administration des Entreprises, Maroc", []),
        (
            "Institut Supérieur de Commerce et d'Administration des Entreprises, Casablanca",
            [
                (
                    "iscae",
                    1.0,
                    "name words, country MA agrees (city named), city Casablanca agrees",
                    "Institut Supérieur de Commerce et d'Administration des Entreprises",
                    ("institute", "superior", "business", "administration", "entreprises"),
                )
            ],
        ),
        ("ISCAE, Maroc", []),
        (
            "ISCAE, Rabat",
            [("iscaer", 0.92, "acronym ISCAE, city agrees, in a curated country", "iscae", ("iscae",))],
        ),
        (
            "École Mohammadia d'Ingénieurs",
            [
                (
                    "emi",
                    1.0,
                    "exact name",
                    "École Mohammadia d'Ingénieurs",
                    ("school", "mohamadia", "engineering"),
                )
            ],
        ),
        (
            "École Nationale Supérieure d'Arts et Métiers",
            [
                (
                    "ensam",
                    1.0,
                    "exact name",
                    "École Nationale Supérieure d'Arts et Métiers",
                    ("school", "national", "superior", "arts", "profession"),
                )
            ],
        ),
        (
            "ENSIAS, Rabat, Maroc",
            [("ensias", 0.86, "acronym ENSIAS, country agrees (MA, country named)", "ensias", ("ensias",))],
        ),
        (
            "Université Paris Cité, CNRS",
            [
                ("upc", 1.0, "exact name", "Université Paris Cité", ("university", "paris", "cite")),
                ("cnrs", 0.86, "acronym CNRS, city agrees", "cnrs", ("cnrs",)),
            ],
        ),
        (
            "Institut National de la Santé et de la Recherche Médicale, CNRS, Paris",
            [
                (
                    "inserm",
                    1.0,
                    "exact name, country FR agrees (city named), city Paris agrees",
                    "Institut National de la Santé et de la Recherche Médicale",
                    ("institute", "national", "health", "research", "medicine"),
                ),
                ("cnrs", 0.86, "acronym CNRS, city agrees", "cnrs", ("cnrs",)),
            ],
        ),
        (
            "Mohammed V University, Rabat Morocco, 10000",
            [
                (
                    "um5",
                    1.0,
                    "exact name, country MA agrees (country named), city Rabat agrees",
                    "Mohammed V University",
                    ("mohamed", "5", "university"),
                )
            ],
        ),
        (
            "Khalifa University, Abu Dhabi United Arab Emirates",
            [
                (
                    "khalifa",
                    1.0,
                    "exact name, country AE agrees (country named), city Abu Dhabi agrees",
                    "Khalifa University",
                    ("khalifa", "university"),
                )
            ],
        ),
        (
            "Université Mohammed V, Laboratoire de Chimie Organique Appliquée, Université Mohammed V",
            [("um5", 1.0, "exact name", "جامعة محمد الخامس", ("university", "mohamed", "5"))],
        ),
        (
            "Mohammed V University, CNRST",
            [
                ("um5", 1.0, "exact name", "Mohammed V University", ("mohamed", "5", "university")),
                (
                    "cnrst",
                    0.86,
                    "acronym CNRST, country agrees (MA, matched institutions)",
                    "cnrst",
                    ("cnrst",),
                ),
            ],
        ),
    ],
)
def test_custom_registry_exact(custom, text, expected):
    assert answer(custom.match(text)) == expected


def test_one_institution_named_twice_in_two_languages(custom):
    """Two variants explain the match at the same score (1.0); which one is reported depends on the order
    of a set (the hash seed), so only the institution and the score are asserted."""
    found = custom.match("Université Mohammed V, Mohammed V University")
    assert [(m.institution_id.removeprefix(ROR), m.score) for m in found] == [("um5", 1.0)]
    assert found[0].reason in {"name words", "exact name"}


def test_prefer_specific_keeps_the_descendant():
    text = "Faculté des Sciences de Rabat, Université Mohammed V, Rabat"
    assert [m.institution_id for m in Matcher(REGISTRY, specific_countries=()).match(text)] == [ROR + "um5"]
    assert [m.institution_id for m in Matcher(REGISTRY).match(text)] == [ROR + "fsr"]  # Morocco is curated
    assert [m.institution_id for m in Matcher(REGISTRY, prefer_specific=True).match(text)] == [ROR + "fsr"]
    sfax = "Faculty of Medicine of Sfax, University of Sfax"
    assert [m.institution_id for m in Matcher(REGISTRY, prefer_specific=True).match(sfax)] == [ROR + "fmsfax"]


def test_main_only_and_the_default_matcher(custom):
    text = "CNRS, Université Paris Cité, Paris, France"
    assert [m.institution_id for m in custom.match(text)] == [ROR + "upc", ROR + "cnrs"]
    assert [m.institution_id for m in custom.match(text, main_only=True)] == [ROR + "upc"]
    set_default_matcher(custom)
    try:
        assert match_affiliation(text) == custom.match(text)
        assert match_affiliation(text, main_only=True) == custom.match(text)[:1]
    finally:
        set_default_matcher(None)
    assert match_affiliation(text, custom) == custom.match(text)
    with pytest.raises(TypeError, match=r"^an affiliation is a string, not NoneType$"):
        custom.match(None)


def test_match_fields():
    (match,) = Matcher(REGISTRY).match("Université Paris Descartes, Paris, France")
    assert match == Match(
        institution_id=ROR + "descartes",
        name="Université Paris Descartes",
        score=1.0,
        reason="exact name, country FR agrees (country named), city Paris agrees, inactive",
        matched_variant="Université Paris Descartes",
        matched_words=("university", "paris", "descartes"),
    )


# --- the compiled index ---------------------------------------------------------------------------


def test_withdrawn_institutions_are_left_out(custom):
    ids = [i.id.removeprefix(ROR) for i in custom.institutions]
    assert "ur" not in ids and "descartes" in ids and "isr" in ids
    assert len(ids) == len(REGISTRY) - 1


def test_cities_that_name_their_country(custom):
    # three institutions or more, nine in ten of them in one country
    assert custom._city_country == {"rabat": "MA", "casablanca": "MA", "paris": "FR"}
    three = [inst(k, f"Institut {k}", country="TN", city="Sousse") for k in ("a", "b", "c")]
    assert Matcher(three)._city_country == {"sousse": "TN"}
    assert Matcher(three[:2])._city_country == {}


def test_ancestors_and_depth():
    chain = [inst(f"n{i}", f"Laboratoire numéro {i}", parents=(f"n{i - 1}",) if i else ()) for i in range(55)]
    matcher = Matcher(chain)
    assert matcher._depth[:3] == [0, 1, 2]
    assert matcher._depth[54] == 50  # the search stops at 50 ancestors
    assert matcher._ancestors[2] == frozenset({0, 1})
    cycle = [inst("a", "Alpha Institute", parents=("b",)), inst("b", "Beta Institute", parents=("a",))]
    assert Matcher(cycle)._ancestors == [frozenset({1}), frozenset({0})]


def test_with_institutions_replaces_by_id(custom):
    renamed = inst("ipp", "Institut Pasteur de Paris", country="FR", city="Paris")
    local = custom.with_institutions(x for x in [renamed])
    assert local.threshold == 0.5 and not local.prefer_specific
    assert [i.name for i in local.institutions if i.id == ROR + "ipp"] == ["Institut Pasteur de Paris"]
    assert len(local.institutions) == len(custom.institutions)
    specific = Matcher(REGISTRY, threshold=0.7, prefer_specific=True).with_institutions([])
    assert (specific.threshold, specific.prefer_specific) == (0.7, True)


def test_helpers():
    assert _pair("rabat", "fes") == ("fes", "rabat")
    assert _pair("fes", "rabat") == ("fes", "rabat")
    assert _pair("fes", "fes") == ("fes", "fes")
    words = frozenset({"university", "washington"})
    assert _same_order(("university", "washington"), ("university", "of", "washington"), words)
    assert not _same_order(("university", "washington"), ("washington", "university"), words)
    assert _same_order(("a", "b"), ("a", "a", "b"), frozenset({"a", "b"}))


# --- persistence --------------------------------------------------------------------------------------


def test_save_and_load(tmp_path, custom):
    path = tmp_path / "deeper" / "matcher.pickle"
    custom.save(str(path))
    assert [p.name for p in path.parent.iterdir()] == ["matcher.pickle"]  # no temporary file left
    with path.open("rb") as handle:
        version, state = pickle.load(handle)
    assert version == matching.MATCHER_VERSION == 24
    assert state["threshold"] == 0.5
    again = Matcher.load(str(path))
    text = "Université Paris Descartes Sorbonne, France"
    assert again.match(text) == custom.match(text)


def test_a_cache_of_another_version_is_refused(tmp_path):
    path = tmp_path / "matcher.pickle"
    path.write_bytes(pickle.dumps((11, {})))
    with pytest.raises(ValueError) as error:
        Matcher.load(path)
    assert str(error.value) == f"{path}: matcher cache of version 11, expected 24"


def test_registry_fingerprint(tmp_path):
    (tmp_path / "ror_b.tsv").write_text("abc", encoding="utf-8")
    (tmp_path / "ror_a.jsonl").write_text("hello", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a registry file", encoding="utf-8")
    os.utime(tmp_path / "ror_a.jsonl", (1_700_000_000, 1_700_000_000))
    os.utime(tmp_path / "ror_b.tsv", (1_700_000_001.7, 1_700_000_001.7))
    assert registry_fingerprint(str(tmp_path)) == "v24|ror_a.jsonl:5:1700000000|ror_b.tsv:3:1700000001"


@pytest.fixture
def registry_dir(tmp_path):
    directory = tmp_path / "ror"
    directory.mkdir()
    source = DATA / "ror"
    for name in ("ror_names_index_all.tsv", "ror_MA_DZ_TN.jsonl"):
        (directory / name).write_bytes((source / name).read_bytes())
    return directory


def test_cached_matcher_builds_once(registry_dir, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    first = cached_matcher(str(registry_dir), str(cache), threshold=0.8)
    assert first.threshold == 0.8
    stamp = cache / "affiliation_matcher.fingerprint"
    assert stamp.read_text(encoding="utf-8") == registry_fingerprint(registry_dir)
    built = []
    monkeypatch.setattr(matching, "load_registry", lambda d: built.append(d) or load_registry(d))
    again = cached_matcher(registry_dir, cache)
    assert built == [] and again.threshold == 0.9
    assert [m.institution_id for m in again.match("Université Mohammed V, Rabat")] == [ROR + "00r8w8f84"]


@pytest.mark.parametrize(
    "damage",
    [
        b"not a pickle at all",  # UnpicklingError
        b"",  # EOFError
        pickle.dumps((11, {})),  # ValueError: another version
        b"ckhizana.visibility.matching\nNoSuchClass\n.",  # AttributeError
    ],
)
def test_a_damaged_cache_is_rebuilt(registry_dir, tmp_path, monkeypatch, damage):
    cache = tmp_path / "cache"
    cached_matcher(registry_dir, cache)
    (cache / "affiliation_matcher.pickle").write_bytes(damage)
    built = []
    monkeypatch.setattr(matching, "load_registry", lambda d: built.append(d) or load_registry(d))
    rebuilt = cached_matcher(registry_dir, cache)
    assert built == [registry_dir]
    assert [m.institution_id for m in rebuilt.match("Université Mohammed V, Rabat")] == [ROR + "00r8w8f84"]
    assert Matcher.load(cache / "affiliation_matcher.pickle").threshold == 0.9


def test_a_stale_cache_is_rebuilt(registry_dir, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cached_matcher(registry_dir, cache)
    (cache / "affiliation_matcher.fingerprint").write_text("v12|old", encoding="utf-8")
    built = []
    monkeypatch.setattr(matching, "load_registry", lambda d: built.append(d) or load_registry(d))
    cached_matcher(registry_dir, cache)
    assert built == [registry_dir]
    assert (cache / "affiliation_matcher.fingerprint").read_text(encoding="utf-8") == registry_fingerprint(
        registry_dir
    )


def test_the_specificity_rows(tmp_path):
    rows = read_names_index(DATA / "registry_specificity.tsv")
    matcher = Matcher(rows)
    text = "Department of Chemical and Biological Engineering, University of Wisconsin-Madison"
    assert [(m.institution_id.removeprefix(ROR), m.score, m.reason) for m in matcher.match(text)] == [
        ("01y2jtd41", 1.0, "exact name")
    ]


def test_nine_in_ten_is_enough():
    nine = [inst(f"m{i}", f"Institut Monastir {i}", country="TN", city="Monastir") for i in "abcdefghi"]
    other = inst("x", "Institut Monastir de Paris", country="FR", city="Monastir")
    assert Matcher([*nine, other])._city_country == {"monastir": "TN"}
    assert Matcher([*nine[:8], other])._city_country == {}


def test_a_score_equal_to_the_threshold_is_enough():
    assert [m.score for m in Matcher(REGISTRY, threshold=0.92).match("Université Mohammed V Agdal")] == [0.92]
    assert Matcher(REGISTRY, threshold=0.921).match("Université Mohammed V Agdal") == []
    # the default threshold
    assert answer(Matcher(REGISTRY).match("Université Mohammed V Agdal")) == [
        (
            "agdal",
            0.92,
            "exact name, inactive",
            "Université Mohammed V Agdal",
            ("university", "mohamed", "5", "agdal"),
        )
    ]


def test_save_creates_the_directories(tmp_path, custom):
    path = tmp_path / "a" / "b" / "matcher.pickle"
    custom.save(path)
    assert Matcher.load(path).match("UM5, Maroc") == custom.match("UM5, Maroc")
