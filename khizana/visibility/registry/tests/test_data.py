"""The ROR extract readers, on a fixture copied from the shared data (tests/data/ror)."""

from __future__ import annotations

import json

import pytest

from khizana.visibility.registry.data import (
    STATUS_REFERENCED,
    RegistryFormatError,
    RegistryInstitution,
    language_of,
    load_registry,
    read_detailed,
    read_names_index,
    read_referenced_missing,
    with_reciprocal_links,
)
from khizana.visibility.tests.support import DATA

FIXTURE = DATA / "ror"
ROR = "https://ror.org/"


@pytest.fixture(scope="module")
def registry() -> dict[str, RegistryInstitution]:
    return load_registry(FIXTURE)


def test_names_index_rows_become_institutions():
    rows = {inst.id: inst for inst in read_names_index(FIXTURE / "ror_names_index_all.tsv")}
    assert len(rows) == 26
    cnrs = rows[ROR + "02feahw73"]
    assert cnrs.name == "Centre National de la Recherche Scientifique"
    assert "CNRS" in cnrs.acronyms
    assert cnrs.country_code == "FR" and cnrs.city == "Paris"
    assert cnrs.status == "active"
    assert ROR + "014p6mg26" in cnrs.child_ids  # LPNC, a joint lab
    lpnc = rows[ROR + "014p6mg26"]
    assert {ROR + "02rx3b187", ROR + "02feahw73"} <= set(lpnc.parent_ids)


def test_arabic_labels_of_the_index_get_their_language():
    rows = {inst.id: inst for inst in read_names_index(FIXTURE / "ror_names_index_all.tsv")}
    rabat = rows[ROR + "00r8w8f84"]
    assert "جامعة محمد الخامس" in rabat.names["ar"]
    assert language_of("Université Mohammed V") == ""


def test_detailed_records_keep_languages_locations_and_relations(registry):
    records = {inst.id: inst for inst in read_detailed(FIXTURE / "ror_MA_DZ_TN.jsonl")}
    casablanca = records[ROR + "001q4kn48"]
    assert casablanca.names["fr"] == ("Université hassan ii de casablanca",)
    assert casablanca.names["ar"] == ("جامعة الحسن الثاني",)
    assert casablanca.cities == ("Casablanca",) and casablanca.country_codes == ("MA",)
    # the detailed record replaces the index row of the same id
    assert registry[ROR + "001q4kn48"].names == casablanca.names


def test_every_name_variant_is_listed_once_display_name_first(registry):
    names = registry[ROR + "04xf6nm78"].all_names()
    assert names[0] == ("name", "Cadi Ayyad University")
    assert ("acronym", "UCA") in names
    assert len({value for _, value in names}) == len(names)


def test_links_are_made_reciprocal():
    parent = RegistryInstitution(id="p", name="Parent")
    child = RegistryInstitution(id="c", name="Child", parent_ids=("p",))
    linked = with_reciprocal_links({"p": parent, "c": child})
    assert linked["p"].child_ids == ("c",)
    assert linked["c"].parent_ids == ("p",)


def test_referenced_only_ids_become_institutions_of_unknown_country(tmp_path):
    path = tmp_path / "ror_referenced_missing_X.jsonl"
    record = {"id": ROR + "008mypn13", "labels": ["Direction de l’Epidémiologie"], "referenced_by": []}
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    (inst,) = read_referenced_missing(path)
    assert inst.status == STATUS_REFERENCED and inst.country_code == ""
    assert inst.name == "Direction de l’Epidémiologie"


def test_load_registry_adds_referenced_ids_without_replacing_known_ones(tmp_path):
    for source in FIXTURE.glob("ror_*"):
        (tmp_path / source.name).write_bytes(source.read_bytes())
    missing = [
        {"id": ROR + "0000h6r91", "labels": ["Naval Group (Ireland)"]},
        {"id": ROR + "02feahw73", "labels": ["Another name for CNRS"]},
    ]
    (tmp_path / "ror_referenced_missing_MA_DZ_TN_FR.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in missing), encoding="utf-8"
    )
    registry = load_registry(tmp_path)
    assert registry[ROR + "0000h6r91"].status == STATUS_REFERENCED
    assert registry[ROR + "02feahw73"].name == "Centre National de la Recherche Scientifique"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("ror_names_index_all.tsv", "", "empty file"),
        ("ror_names_index_all.tsv", "id\tname\n", "header lacks the columns status"),
        ("ror_names_index_all.tsv", FIXTURE.joinpath("ror_names_index_all.tsv").read_text().splitlines()[0]
         + "\nhttps://ror.org/x\tactive\n", "line 2: 2 columns"),
        ("ror_FR.jsonl", '{"id": "https://ror.org/x", "name": "A"}\n{not json\n', "line 2: not JSON"),
        ("ror_FR.jsonl", '{"name": "no id"}\n', "line 1: expected an object with an id"),
        ("ror_FR.jsonl", '{"id": "https://ror.org/x"}\n', "line 1: malformed record"),
    ],
)  # fmt: skip
def test_bad_files_name_the_file_the_line_and_the_problem(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RegistryFormatError) as error:
        load_registry(tmp_path)
    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_a_directory_without_registry_files_is_refused(tmp_path):
    with pytest.raises(RegistryFormatError, match="no registry file"):
        load_registry(tmp_path)
    with pytest.raises(RegistryFormatError, match="not a directory"):
        load_registry(tmp_path / "absent")
