"""`khizana library add | show` and `khizana libraries`, run as an operator runs them (issue 14): a library
is created from the command line, a wrong value is named with its field in one line (exit 2), a taken code
is refused (exit 1), never with a traceback; and the service behind it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

from khizana.testing import REPO, make_library
from tests.support import PrivateInstallation, migrated_installation

ENTRY_POINT = Path(sys.executable).with_name("khizana")  # .venv/bin/khizana


def khizana(site: PrivateInstallation, *args: str) -> subprocess.CompletedProcess:
    command = [str(ENTRY_POINT)] if ENTRY_POINT.exists() else [sys.executable, "-m", "khizana"]
    return subprocess.run(
        [*command, *args], env=site.env, cwd=REPO, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def site(tmp_path):
    installation = migrated_installation(tmp_path / "data")
    yield installation
    installation.close()


@pytest.fixture(scope="module")
def network_of_one(tmp_path_factory):
    """An installation holding one library, UIZ (the refusals below write nothing, so they share it)."""
    installation = migrated_installation(tmp_path_factory.mktemp("one") / "data")
    installation.khizana(
        "library", "add", "UIZ", "--name", "Bibliothèque de l'Université Ibn Zohr", "--city", "Agadir",
        "--country", "MA",
    )  # fmt: skip
    yield installation
    installation.close()


def libraries(site: PrivateInstallation) -> list[tuple]:
    return site.query(
        "SELECT code, name_fr, name_ar, kind, city, country FROM libraries_library ORDER BY code"
    )


def test_a_library_added_from_the_command_line_is_shown_and_listed(site):
    added = khizana(
        site, "library", "add", "BU-FES", "--name", "Bibliothèque universitaire de Fès", "--name-ar",
        "مكتبة جامعة فاس", "--city", "Fès", "--country", "MA", "--kind", "research",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "BU-FES: library added" in added.stdout
    assert "khizana import --library BU-FES" in added.stdout
    assert libraries(site) == [
        ("BU-FES", "Bibliothèque universitaire de Fès", "مكتبة جامعة فاس", "research", "Fès", "MA")
    ]

    shown = khizana(site, "library", "show", "BU-FES")
    assert shown.returncode == 0, shown.stderr
    lines = dict(line.split(None, 1) for line in shown.stdout.splitlines())
    assert lines["code"] == "BU-FES"
    assert lines["name_ar"] == "مكتبة جامعة فاس"
    assert lines["kind"] == "research (Research library)"
    assert lines["country"] == "MA"
    assert lines["records"] == "0"

    listed = khizana(site, "libraries")
    assert listed.returncode == 0
    assert listed.stdout.startswith("BU-FES ")
    assert "No libraries yet" not in listed.stdout


def test_the_kind_is_university_unless_given(site):
    result = khizana(site, "library", "add", "UM6", "--name", "U", "--city", "Rabat", "--country", "MA")
    assert result.returncode == 0, result.stderr
    assert libraries(site)[0][3] == "university"


NAME_CITY = ["--name", "X", "--city", "Agadir"]


@pytest.mark.parametrize(
    ("args", "exit_code", "named"),
    [
        (["add", "uiz2", *NAME_CITY, "--country", "MA"], 2, "code 'uiz2': Upper-case"),
        (["add", "UIZ2", *NAME_CITY, "--country", "XX"], 2, "--country 'XX': not an ISO 3166-1 alpha-2 code"),
        (["add", "UIZ2", *NAME_CITY, "--country", "Maroc"], 2, "--country 'Maroc'"),
        (["add", "UIZ2", "--name", " ", "--city", "Agadir", "--country", "MA"], 2, "--name is missing"),
        (["add", "UIZ2", *NAME_CITY, "--country", "MA", "--website", "nope"], 2, "--website 'nope'"),
        (["add", "UIZ", *NAME_CITY, "--country", "MA"], 1, "code 'UIZ': a library already has this code"),
        (["show", "NOPE"], 1, "no library has the code 'NOPE' (known: UIZ)"),
        (
            ["add", "UIZ2", "--name", "X", "--country", "MA"],
            2,
            "the following arguments are required: --city",
        ),
        (["add", "UIZ2", *NAME_CITY, "--country", "MA", "--kind", "school"], 2, "--kind: invalid choice"),
        ([], 2, "the following arguments are required"),
    ],
)
def test_a_refusal_names_the_field_and_value_in_one_line(network_of_one, args, exit_code, named):
    result = khizana(network_of_one, "library", *args)
    assert result.returncode == exit_code, result.stderr
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    if exit_code == 1 or "CommandError" in result.stderr:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert [row[0] for row in libraries(network_of_one)] == ["UIZ"]


def test_libraries_says_how_to_add_one_when_there_are_none(site):
    result = khizana(site, "libraries")
    assert result.returncode == 0
    assert result.stdout.strip() == (
        "No libraries yet: add one with `khizana library add` or load the demo network with `khizana demo`."
    )


# ---- the service


def fields(**changes):
    return {
        "code": "UIZ",
        "name_fr": "Ibn Zohr",
        "kind": "university",
        "city": "Agadir",
        "country": "MA",
        **changes,
    }


@pytest.mark.django_db
def test_create_library_saves_a_valid_library():
    from khizana.libraries.services import create_library

    library = create_library(**fields(name_ar="جامعة ابن زهر", latitude=30.4))
    library.refresh_from_db()
    assert (library.code, library.name_ar, library.latitude, library.website) == (
        "UIZ",
        "جامعة ابن زهر",
        30.4,
        "",
    )


@pytest.mark.django_db
def test_create_library_refuses_a_taken_code_and_writes_nothing():
    from khizana.libraries.models import Library
    from khizana.libraries.services import LibraryRefused, create_library

    make_library("UIZ", city="Agadir")
    with pytest.raises(LibraryRefused) as refused:
        create_library(**fields(name_fr="Autre"))
    assert refused.value.exists
    assert str(refused.value) == "field 'code' = 'UIZ': a library already has this code"
    assert list(Library.objects.values_list("name_fr", flat=True)) == ["Bibliothèque UIZ"]


@pytest.mark.django_db
def test_library_problems_name_each_field_in_order():
    from khizana.libraries.services import library_problems

    with translation.override("en"):
        problems = library_problems(
            {
                "code": "uiz",
                "name_fr": "",
                "kind": "school",
                "country": "ZZ",
                "latitude": 200,
                "town": "Agadir",
            }
        )
        assert [str(p) for p in problems] == [
            "field 'town' = 'Agadir': not a field of a library",
            "field 'code' = 'uiz': Upper-case letters, digits, - and _ only",
            "field 'name_fr' is missing",
            "field 'kind' = 'school': Value 'school' is not a valid choice",
            "field 'city' is missing",
            "field 'country' = 'ZZ': not an ISO 3166-1 alpha-2 code (e.g. MA, DZ)",
            "field 'latitude' = 200: Ensure this value is less than or equal to 90",
        ]
    assert library_problems(fields()) == []
