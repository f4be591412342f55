"""The institution registry: loading (idempotent, bad lines reported), hierarchy, local institutions, exports.

Fixtures, in visibility/tests/data/: registry_small/ (the former demo registry: 41 ROR records and 9 local
institutions, see its README.md; the demo registry's own tests are in test_demo_registry.py),
registry_bad_lines.jsonl (three real lines of ror_MA_DZ_TN.jsonl, CC0, between broken
ones), registry_index_sample.tsv (three real rows of ror_names_index_all.tsv and a short row) and
registry_cycle.jsonl (two made-up records, each the other's parent).
"""

import csv
import io
import json

import pytest
from django.utils import translation

from khizana.visibility.models import Institution, InstitutionName
from khizana.visibility.registry import services
from khizana.visibility.registry.files import FileKind, file_kind
from khizana.visibility.tests.support import DATA

DEMO_REGISTRY = DATA / "registry_small"  # a small registry: the former demo's
UM5 = "https://ror.org/00r8w8f84"  # Mohammed V University, Rabat
SFAX = "https://ror.org/04d4sd432"  # University of Sfax

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Refusals are translated: the tests read them in English, whatever the catalogs hold."""
    with translation.override("en"):
        yield


def load_demo() -> services.LoadReport:
    return services.load_registry(sorted(DEMO_REGISTRY.glob("*.jsonl")))


def state() -> tuple:
    """Everything a load writes, comparable across loads."""
    institutions = sorted(
        Institution.objects.values_list(
            "pk", "ror_id", "local_key", "name", "parent_id", "country_code", "city", "detail"
        )
    )
    names = sorted(
        InstitutionName.objects.values_list("institution_id", "value", "language", "kind", "source")
    )
    return institutions, names


def by_id(identifier: str) -> Institution:
    return services.find_institution(identifier)


# --- loading ------------------------------------------------------------------------------------------


def test_demo_registry_loads_with_its_hierarchy():
    report = load_demo()
    assert report.errors == []
    assert report.created == 50 and Institution.objects.count() == 50
    assert Institution.objects.filter(source="local").count() == 9
    university = by_id(UM5)
    assert university.names.filter(kind="label", language="fr").exists()
    assert university.names.filter(kind="label", language="ar").exists()
    faculty = by_id("local:ma-faculte-des-sciences-rabat")
    assert faculty.parent == university
    assert set(faculty.names.filter(kind="variant").values_list("value", flat=True)) >= {"Fac Sci Rabat"}
    assert faculty.names.get(kind="label", language="ar").value == "كلية العلوم بالرباط"
    # ROR's own links: the Faculty of Sciences of Sfax is under the University of Sfax
    assert by_id("https://ror.org/01thp0k37").parent == by_id(SFAX)


def test_loading_again_changes_nothing_and_duplicates_nothing():
    load_demo()
    before = state()
    report = load_demo()
    assert (report.created, report.updated, report.linked, report.errors) == (0, 0, 0, [])
    assert report.unchanged == 50
    assert state() == before


def test_a_reload_keeps_local_institutions_staff_names_and_links():
    load_demo()
    university = by_id(UM5)
    institute = services.add_local_institution(
        "Institut Scientifique de test", kind="institute", parent=university, names={"ar": "معهد للاختبار"}
    )
    services.add_name(university, "Univ Mohammed V Agdal", kind="variant")
    services.add_name(university, "Université Mohammed V de Rabat", language="fr", kind="label")
    services.load_registry([DEMO_REGISTRY / "ror_sample.jsonl"])
    institute.refresh_from_db()
    assert institute.parent_id == university.pk
    assert set(university.names.filter(source="local").values_list("value", flat=True)) == {
        "Univ Mohammed V Agdal",
        "Université Mohammed V de Rabat",
    }
    assert Institution.objects.count() == 51


def test_a_changed_ror_record_is_updated_in_place(tmp_path):
    load_demo()
    university = by_id(UM5)
    line = next(
        line
        for line in (DEMO_REGISTRY / "ror_sample.jsonl").open(encoding="utf-8")
        if UM5 in line.split(",")[0]
    )
    record = json.loads(line)
    record["city"] = "Salé"
    record["aliases"] = ["UM5R"]
    record["labels"] = [label for label in record["labels"] if label["lang"] != "ar"]
    record["names"] = [n for n in record["names"] if n["lang"] != "ar"] + [
        {"value": "UM5R", "types": ["alias"], "lang": None}
    ]
    changed = tmp_path / "changed.jsonl"
    changed.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    report = services.load_registry([changed])
    assert (report.updated, report.created) == (1, 0)
    university.refresh_from_db()
    assert university.city == "Salé"
    assert not university.names.filter(language="ar").exists()  # ROR names follow the file
    assert university.names.filter(kind="alias", value="UM5R").exists()
    assert by_id("local:ma-faculte-des-sciences-rabat").parent_id == university.pk


def test_bad_lines_are_reported_with_file_and_line_and_the_rest_loads():
    path = DATA / "registry_bad_lines.jsonl"
    report = services.load_registry([path])
    assert report.created == 3
    lines = {error.line: str(error) for error in report.errors}
    assert set(lines) == {2, 4, 5, 6, 7}
    assert all(message.startswith(f"{path}: line ") for message in lines.values())
    assert "not JSON" in lines[2]
    assert "with an id" in lines[4]
    assert "not a ROR id" in lines[5]
    assert "0bad00002" in lines[6]
    assert "not UTF-8" in lines[7]
    assert by_id("https://ror.org/01thp0k37").parent == by_id(SFAX)  # line 9, after the bad ones


def test_a_missing_file_is_an_error_not_a_crash(tmp_path):
    report = services.load_registry([tmp_path / "absent.jsonl"])
    assert report.read == 0 and "absent.jsonl" in str(report.errors[0])


def test_names_index_rows_never_overwrite_a_full_record():
    services.load_registry([DATA / "registry_bad_lines.jsonl"])
    sfax_names = set(by_id(SFAX).names.values_list("value", "language"))
    report = services.load_registry([DATA / "registry_index_sample.tsv"])
    assert report.kept == 1 and report.created == 2
    assert [e.line for e in report.errors] == [5]
    assert set(by_id(SFAX).names.values_list("value", "language")) == sfax_names
    thai = by_id("https://ror.org/000025p04")
    assert thai.detail == "index" and thai.names.filter(kind="acronym", value="TSRI").exists()


def test_a_referenced_only_id_is_completed_by_its_full_record(tmp_path):
    stub = tmp_path / "ror_referenced_missing_test.jsonl"
    stub.write_text(
        json.dumps({"id": SFAX, "labels": ["Université de Sfax"], "referenced_by": []}) + "\n",
        encoding="utf-8",
    )
    services.load_registry([stub])
    assert by_id(SFAX).detail == "reference"
    services.load_registry([DATA / "registry_bad_lines.jsonl"])
    sfax = by_id(SFAX)
    assert sfax.detail == "full" and sfax.name == "University of Sfax" and sfax.country_code == "TN"
    services.load_registry([stub])  # and is not made poorer again
    assert by_id(SFAX).detail == "full"


def test_file_kinds_are_told_apart():
    assert file_kind(DATA / "registry_index_sample.tsv") is FileKind.ROR_INDEX
    assert file_kind(DEMO_REGISTRY / "ror_sample.jsonl") is FileKind.ROR_DETAILED
    assert file_kind(DEMO_REGISTRY / "local_institutions.jsonl") is FileKind.KHIZANA


# --- hierarchy ----------------------------------------------------------------------------------------


def test_a_lab_rolls_up_through_its_faculty_to_its_university():
    load_demo()
    lab = by_id("local:ma-labmia-si-rabat")
    faculty = by_id("local:ma-faculte-des-sciences-rabat")
    assert services.parent_chain(lab) == [faculty, by_id(UM5)]
    assert services.roll_up(lab) == by_id(UM5)
    assert services.roll_up(by_id(UM5)) == by_id(UM5)
    # a lab with two ROR parents (a university and a hospital) rolls up to the university
    assert services.roll_up(by_id("https://ror.org/020nbej04")) == by_id("https://ror.org/01tezat55")


def test_cycles_are_refused():
    load_demo()
    faculty = by_id("local:ma-faculte-des-sciences-rabat")
    lab = by_id("local:ma-labmia-si-rabat")
    with pytest.raises(services.RegistryError, match="cannot be its parent"):
        services.set_parent(faculty, lab)
    with pytest.raises(services.RegistryError, match="cannot be its parent"):
        services.set_parent(faculty, faculty)
    with pytest.raises(services.RegistryError, match="comes from ROR"):
        services.set_parent(by_id(UM5), faculty)
    faculty.refresh_from_db()
    assert faculty.parent == by_id(UM5)


def test_a_cycle_in_the_ror_data_is_broken_not_followed():
    report = services.load_registry([DATA / "registry_cycle.jsonl"])
    assert report.created == 2 and report.linked == 1
    a, b = by_id("https://ror.org/0cycle001"), by_id("https://ror.org/0cycle002")
    assert (a.parent, b.parent) == (b, None)
    assert services.roll_up(a) == b


def test_a_parent_loaded_later_is_linked_then():
    services.load_registry([DEMO_REGISTRY / "local_institutions.jsonl"])
    report = services.load_registry([DEMO_REGISTRY / "local_institutions.jsonl"])
    assert any("is not in the registry" in str(e) and "line 1" in str(e) for e in report.errors)
    services.load_registry([DEMO_REGISTRY / "ror_sample.jsonl", DEMO_REGISTRY / "local_institutions.jsonl"])
    assert by_id("local:ma-faculte-des-sciences-rabat").parent == by_id(UM5)
    assert by_id("local:ma-labmia-si-rabat").parent == by_id("local:ma-faculte-des-sciences-rabat")


# --- local institutions and names ---------------------------------------------------------------------


def test_a_local_institution_takes_its_parents_place_and_gets_a_key():
    load_demo()
    school = services.add_local_institution(
        "École Normale Supérieure de Rabat",
        kind="school",
        parent=UM5,
        names={"fr": "École Normale Supérieure de Rabat", "ar": "المدرسة العليا للأساتذة بالرباط", "en": ""},
        variants=["ENS Rabat", "Ecole Normale Super Rabat"],
        acronyms=["ENS"],
    )
    assert school.local_key == "local:ma-ecole-normale-superieure-de-rabat"
    assert (school.country_code, school.city, school.parent) == ("MA", "Rabat", by_id(UM5))
    assert set(school.names.values_list("kind", "language")) == {
        ("label", "fr"),
        ("label", "ar"),
        ("variant", ""),
        ("acronym", ""),
    }
    with pytest.raises(services.RegistryError, match="already has the name"):  # accents aside, the same
        services.add_local_institution(
            "ECOLE NORMALE SUPERIEURE DE RABAT", kind="school", parent=str(school.parent_id)
        )
    elsewhere = services.add_local_institution(
        "École Normale Supérieure de Rabat", kind="school", parent="00675rp98", city="Rabat"
    )
    assert elsewhere.local_key == "local:ma-ecole-normale-superieure-de-rabat-2"


def test_the_same_name_under_the_same_parent_is_refused():
    load_demo()
    with pytest.raises(services.RegistryError, match="already has the name"):
        services.add_local_institution("FACULTE DES SCIENCES DE RABAT", kind="faculty", parent=UM5)
    services.add_local_institution(
        "Faculté des Sciences de Rabat", kind="faculty", parent="https://ror.org/001q4kn48"
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"name": "  "}, "is empty"),
        ({"name": "=HYPERLINK(1)"}, "formula"),
        ({"name": "---"}, "formula"),
        ({"name": "..."}, "no letter or digit"),
        ({"kind": "galaxy"}, "galaxy"),
        ({"parent": "https://ror.org/0notthere"}, "is not in the registry"),
        ({"parent": "local:nowhere"}, "is not in the registry"),
        ({"country_code": "Maroc"}, "two-letter"),
        ({"names": {"de": "Fakultät"}}, "language"),
        ({"names": {"ar": "@x"}}, "formula"),
        ({"variants": ["ok", "+33"]}, "formula"),
        ({"local_key": "faculty"}, "local:"),
    ],
)
def test_a_bad_local_institution_is_refused_with_its_reason(arguments, message):
    load_demo()
    before = state()
    values = {"name": "Faculté des Lettres de Rabat", "kind": "faculty", "parent": UM5, **arguments}
    with pytest.raises(services.RegistryError, match=message):
        services.add_local_institution(values.pop("name"), **values)
    assert state() == before


def test_names_are_validated():
    load_demo()
    university = by_id(UM5)
    services.add_name(university, "  Univ  Mohammed V ", kind="variant")
    assert university.names.filter(value="Univ Mohammed V", source="local").exists()
    with pytest.raises(services.RegistryError, match="already has"):
        services.add_name(university, "Univ Mohammed V", kind="variant")
    with pytest.raises(services.RegistryError, match="language"):
        services.add_name(university, "Uni", language="xx")
    with pytest.raises(services.RegistryError, match="kind"):
        services.add_name(university, "Uni", kind="nickname")


def test_search_finds_names_in_any_script_and_form():
    load_demo()

    def found(query, **filters):
        return {i.identifier for i in services.search_institutions(query, **filters)}

    assert "local:ma-faculte-des-sciences-rabat" in found("faculte des sciences")
    assert "local:ma-faculte-des-sciences-rabat" in found("كلية العلوم")
    assert found("FSDM") == {"local:ma-faculte-des-sciences-dhar-el-mahraz"}
    assert found(UM5) == {UM5}
    assert found("00r8w8f84") == {UM5}
    assert found("", country="tn") and all(
        i.country_code == "TN" for i in services.search_institutions("", "TN")
    )
    assert found("sciences", city="fes") == {"local:ma-faculte-des-sciences-dhar-el-mahraz"}
    assert found("!!!") == set()


def test_the_matcher_gets_the_database_registry_as_plain_objects():
    load_demo()
    plain = {institution.id: institution for institution in services.as_registry_institutions()}
    assert len(plain) == 50
    lab = plain["local:ma-labmia-si-rabat"]
    assert lab.parent_ids == ("local:ma-faculte-des-sciences-rabat",)
    assert "LabMIA" in lab.aliases and "LabMIA-SI" in lab.acronyms
    assert "local:ma-faculte-des-sciences-rabat" in plain[UM5].child_ids


# --- export -------------------------------------------------------------------------------------------


def test_jsonl_export_loads_back_into_the_same_registry(tmp_path):
    load_demo()
    services.add_name(by_id(UM5), "Univ Mohammed V Souissi", kind="variant")
    out = tmp_path / "registry.jsonl"
    with out.open("w", encoding="utf-8") as handle:
        assert services.export_registry(handle, "jsonl") == 50
    exported = out.read_text(encoding="utf-8")
    Institution.objects.update(parent=None)
    Institution.objects.all().delete()
    report = services.load_registry([out])
    assert report.errors == [] and report.created == 50
    again = io.StringIO()
    services.export_registry(again, "jsonl")
    assert again.getvalue() == exported


def test_csv_export_has_one_row_per_institution_with_its_top_level():
    load_demo()
    out = io.StringIO()
    services.export_registry(out, "csv")
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}
    assert len(rows) == 50
    lab = rows["local:ma-labmia-si-rabat"]
    assert lab["parent_id"] == "local:ma-faculte-des-sciences-rabat"
    assert lab["top_level_id"] == UM5
    assert lab["acronyms"] == "LabMIA-SI" and lab["source"] == "local" and lab["ror_id"] == ""
    faculty = rows["local:ma-faculte-des-sciences-rabat"]
    assert (
        faculty["name_ar"] == "كلية العلوم بالرباط" and faculty["name_en"] == "Faculty of Sciences of Rabat"
    )
    assert rows[UM5]["top_level_id"] == UM5 and rows[UM5]["parent_id"] == ""


def test_an_unknown_export_format_is_refused():
    with pytest.raises(services.RegistryError, match="xml"):
        services.export_registry(io.StringIO(), "xml")


def test_a_record_whose_names_alone_changed_counts_as_updated(tmp_path):
    services.load_registry([DATA / "registry_bad_lines.jsonl"])
    line = (DATA / "registry_bad_lines.jsonl").read_bytes().splitlines()[0].decode("utf-8")
    record = json.loads(line)
    record["acronyms"] = ["USF"]
    changed = tmp_path / "sfax.jsonl"
    changed.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    report = services.load_registry([changed])
    assert (report.updated, report.unchanged) == (1, 0)
    assert list(by_id(SFAX).names.filter(kind="acronym").values_list("value", flat=True)) == ["USF"]
    assert services.load_registry([changed]).unchanged == 1


def test_the_admin_form_refuses_a_cycle_too():
    from django.core.exceptions import ValidationError

    load_demo()
    faculty = by_id("local:ma-faculte-des-sciences-rabat")
    faculty.parent = by_id("local:ma-labmia-si-rabat")
    with pytest.raises(ValidationError, match="cycle"):
        faculty.clean()
    faculty.parent = by_id(UM5)
    faculty.clean()
