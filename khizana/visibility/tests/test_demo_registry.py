"""The demo registry (``demo/registry``, ``khizana registry load --demo``, see its PROVENANCE.md): the ROR
records of Morocco, Algeria and Tunisia and Khizana's local institutions, among them universities the
extract lacks, carrying their ROR id, and faculties and schools under their university.

With ``../shared/data`` present, the share of the Moroccan Scopus export's affiliations that find an
institution is printed (and, for reference, how the matcher does on the labelled Maghreb set): no
threshold, the matcher is improved elsewhere. Last, the report page's sentence on the registry, in
English, French and Arabic.
"""

import json
import time
from collections import Counter

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from khizana.testing import shared_data_dir
from khizana.visibility.anomalies import NOT_FOUND, analyse, analyse_affiliation, registry_hierarchy
from khizana.visibility.formats import read_path
from khizana.visibility.matching import Matcher
from khizana.visibility.models import Institution
from khizana.visibility.registry import services
from khizana.visibility.tests.support import DATA, REPO

DEMO_REGISTRY = REPO / "demo" / "registry"
SHARED = shared_data_dir()
UM5 = "https://ror.org/00r8w8f84"  # Mohammed V University, Rabat
UMP = "https://ror.org/01ejxf797"  # Mohammed First University, Oujda: not in the extract
pytestmark = pytest.mark.django_db


def demo_files():
    return sorted(DEMO_REGISTRY.glob("*.jsonl"))  # what ``khizana registry load --demo`` reads


def demo_lines() -> list[dict]:
    return [json.loads(line) for path in demo_files() for line in path.open(encoding="utf-8") if line.strip()]


def local_lines() -> list[dict]:
    return [line for line in demo_lines() if line.get("source") == "local"]


def by_id(identifier: str) -> Institution:
    return services.find_institution(identifier)


def test_the_demo_registry_loads_whole_quickly_and_once():
    started = time.perf_counter()
    report = services.load_registry(demo_files())
    elapsed = time.perf_counter() - started
    print(f"\ndemo registry: {report.summary()} in {elapsed:.2f} s")
    assert report.errors == []
    assert report.created == len(demo_lines()) == Institution.objects.count() > 400
    assert Institution.objects.filter(source="local").count() == len(local_lines())
    countries = Counter(Institution.objects.values_list("country_code", flat=True))
    assert countries["MA"] > 140 and countries["DZ"] > 150 and countries["TN"] > 95
    assert elapsed < 30  # ``make run`` loads it
    again = services.load_registry(demo_files())
    assert (again.created, again.updated, again.linked, again.errors) == (0, 0, 0, [])
    assert again.unchanged == Institution.objects.count()


@pytest.mark.parametrize(
    ("ror_id", "local_key", "city", "country"),
    [
        (UMP, "local:ma-universite-mohammed-premier", "Oujda", "MA"),
        ("https://ror.org/03b1zjt31", "local:tn-enit", "Tunis", "TN"),
        ("https://ror.org/024mpte60", "local:tn-universite-de-kairouan", "Kairouan", "TN"),
        ("https://ror.org/05t0zwy08", "local:dz-enp-alger", "Algiers", "DZ"),
    ],
)
def test_what_the_extract_lacks_is_local_with_its_ror_id(ror_id, local_key, city, country):
    services.load_registry(demo_files())
    institution = by_id(ror_id)
    assert institution == by_id(local_key) and institution.is_local
    assert (institution.ror_id, institution.city, institution.country_code) == (ror_id, city, country)
    languages = set(institution.names.filter(kind="label").values_list("language", flat=True))
    assert {"fr", "ar", "en"} <= languages
    plain = services.as_registry_institutions(Institution.objects.filter(pk=institution.pk))
    assert [i.id for i in plain] == [ror_id]  # the matcher knows it by its ROR id


def test_local_faculties_and_schools_are_under_their_university():
    services.load_registry(demo_files())
    for line in local_lines():
        institution = by_id(line["id"])
        assert (institution.parent.pk if institution.parent else None) == (
            by_id(line["parent_id"]).pk if line["parent_id"] else None
        ), line["id"]
    assert by_id("local:ma-ensias").parent == by_id(UM5)
    assert by_id("local:ma-faculte-de-medecine-et-de-pharmacie-rabat").parent == by_id(UM5)
    assert services.parent_chain(by_id("local:ma-fmp-oujda")) == [by_id(UMP)]
    assert by_id("local:tn-enit").parent == by_id("https://ror.org/029cgt552")  # Tunis El Manar
    assert by_id("https://ror.org/00n6tay20").parent == by_id("https://ror.org/04d4sd432")  # ENIS, Sfax (ROR)
    assert by_id("local:dz-faculte-ntic-constantine-2").parent == by_id("local:dz-universite-constantine-2")


def test_a_local_ror_id_goes_through_an_export_and_back(tmp_path):
    services.load_registry(demo_files())
    out = tmp_path / "registry.jsonl"
    with out.open("w", encoding="utf-8") as handle:
        services.export_registry(handle, "jsonl")
    exported = {record["id"]: record for record in map(json.loads, out.open(encoding="utf-8"))}
    assert exported["local:tn-enit"]["ror_id"] == "https://ror.org/03b1zjt31"
    assert exported["local:ma-fmp-oujda"]["parent_id"] == "local:ma-universite-mohammed-premier"
    Institution.objects.update(parent=None)
    Institution.objects.all().delete()
    report = services.load_registry([out])
    assert report.errors == [] and by_id("https://ror.org/03b1zjt31").local_key == "local:tn-enit"


def write_lines(path, *records) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def enit_line() -> dict:
    return next(line for line in local_lines() if line["id"] == "local:tn-enit")


def test_a_local_institution_completes_an_id_only_referenced(tmp_path):
    referenced = tmp_path / "ror_referenced_missing_test.jsonl"
    write_lines(referenced, {"id": "https://ror.org/03b1zjt31", "labels": ["ENIT"], "referenced_by": []})
    services.load_registry([referenced])
    stub = by_id("https://ror.org/03b1zjt31")
    assert stub.detail == "reference"
    local = tmp_path / "local.jsonl"
    write_lines(local, {**enit_line(), "parent_id": ""})
    report = services.load_registry([local])
    assert report.errors == [] and report.updated == 1 and Institution.objects.count() == 1
    enit = by_id("local:tn-enit")
    assert (enit.pk, enit.source, enit.detail) == (stub.pk, "local", "local")
    assert not enit.names.filter(source="ror").exists()
    assert services.load_registry([referenced]).kept == 1  # and the poorer row does not come back


def test_rors_own_record_takes_over_a_local_copy_and_keeps_its_key(tmp_path):
    services.load_registry(demo_files())
    university = by_id(UMP)
    full = tmp_path / "ror_ump.jsonl"
    record = {
        "id": UMP,
        "name": "Mohammed First University",
        "names": [{"value": "Mohammed First University", "types": ["ror_display", "label"], "lang": "en"}],
        "country_code": "MA",
        "city": "Oujda",
        "types": ["education"],
        "relationships": [],
        "status": "active",
    }
    write_lines(full, record)
    assert services.load_registry([full]).updated == 1
    university.refresh_from_db()
    assert (university.source, university.detail) == ("ror", "full")
    assert university.local_key == "local:ma-universite-mohammed-premier"
    assert by_id("local:ma-fmp-oujda").parent == university
    again = services.load_registry(demo_files())
    assert again.errors == [] and again.kept == 1
    assert by_id(UMP).source == "ror" and by_id("local:ma-fmp-oujda").parent == university


def test_a_full_ror_record_loaded_first_answers_to_the_local_key(tmp_path):
    full = tmp_path / "ror_enit.jsonl"
    write_lines(full, {"id": "https://ror.org/03b1zjt31", "name": "ENIT", "country_code": "TN"})
    services.load_registry([full])
    local = tmp_path / "local.jsonl"
    school = {**enit_line(), "parent_id": "", "id": "local:tn-enit"}
    lab = {"source": "local", "id": "local:tn-lab", "name": "Laboratoire", "parent_id": "local:tn-enit"}
    write_lines(local, school, lab)
    report = services.load_registry([local])
    assert report.errors == [] and report.kept == 1 and Institution.objects.count() == 2
    enit = by_id("https://ror.org/03b1zjt31")
    assert (enit.source, enit.name, by_id("local:tn-enit")) == ("ror", "ENIT", enit)
    assert by_id("local:tn-lab").parent == enit


def test_a_ror_id_two_local_institutions_claim_is_refused(tmp_path):
    local = tmp_path / "local.jsonl"
    other = {**enit_line(), "id": "local:tn-enit-copy", "parent_id": ""}
    write_lines(local, {**enit_line(), "parent_id": ""}, other, {**other, "ror_id": "not an id"})
    report = services.load_registry([local])
    errors = {error.line: error.message for error in report.errors}
    assert set(errors) == {2, 3} and report.created == 1
    assert "https://ror.org/03b1zjt31 is already the ROR id of" in errors[2]
    assert "ror_id must look like" in errors[3]


@pytest.mark.skipif(SHARED is None, reason="../shared/data is absent")
def test_the_share_of_the_moroccan_export_that_finds_an_institution():
    services.load_registry(demo_files())
    institutions = services.as_registry_institutions()
    matcher = Matcher(institutions)
    hierarchy = registry_hierarchy({institution.id: institution for institution in institutions})
    export = read_path(SHARED / "bibliometrics" / "scopus" / "moroccan-univ-scopus_2021.csv")
    analysis = analyse(export.publications, matcher, hierarchy)
    findings = analysis.affiliation_findings
    moroccan = [f for f in findings if f.country_code == "MA"]

    def found(items) -> float:
        return sum(all(a.code != NOT_FOUND for a in f.anomalies) for f in items) / len(items)

    print(
        f"\nmoroccan-univ-scopus_2021.csv with the demo registry ({len(institutions)} institutions): "
        f"{found(findings):.1%} of {len(findings)} affiliations find an institution, "
        f"{found(moroccan):.1%} of the {len(moroccan)} Moroccan ones"
    )
    rows = [json.loads(line) for line in (DATA / "maghreb_affiliations.jsonl").open(encoding="utf-8")]
    for country in ("MA", "DZ", "TN"):
        right = predicted = expected = 0
        for row in (r for r in rows if r["country"] == country):
            finding = analyse_affiliation(row["string"], country, matcher, hierarchy)
            got = finding.matches[0].id if finding.matches else None
            want = row["expected_ror"] or row["expected_local_key"]
            predicted, expected = predicted + (got is not None), expected + (want is not None)
            right += got is not None and got == want
        print(
            f"labelled Maghreb set, {country}: precision {right / max(predicted, 1):.3f}, "
            f"recall {right / max(expected, 1):.3f} (first match, {expected} expected)"
        )
    assert 0 < found(moroccan) <= 1


@pytest.mark.parametrize(
    ("language", "summary", "sentence"),
    [
        (
            "en",
            {"registry_kind": "database", "registry_institutions": 406, "registry_local": 147},
            "Affiliations matched against Khizana’s institution registry: 406 institutions "
            "(local institutions, not in ROR: 147).",
        ),
        (
            "fr",
            {"registry_kind": "database", "registry_institutions": 406, "registry_local": 147},
            "Affiliations rapprochées du registre des institutions de Khizana : 406 institutions "
            "(institutions locales, hors ROR : 147).",
        ),
        (
            "ar",
            {"registry_kind": "database", "registry_institutions": 406, "registry_local": 147},
            "بسجل المؤسسات في خزانة: 406 مؤسسات (المؤسسات المحلية غير الموجودة في ROR: 147).",  # 3-10: plural
        ),
        ("ar", {"registry_kind": "directory", "registry_institutions": 5}, "بمستخرج من ROR: 5 مؤسسات."),
        ("fr", {"registry_kind": "directory", "registry_institutions": 1}, "extrait de ROR : 1 institution."),
        ("fr", {"registry": "database registry (50 institutions)"}, "Registre : database registry (50"),
    ],
)
def test_the_report_says_which_registry_in_the_readers_language(language, summary, sentence):
    with translation.override(language):
        text = " ".join(
            render_to_string("visibility/_registry_description.html", {"summary": summary}).split()
        )
    assert sentence in text
