"""Affiliation and author anomalies on hand-made publications, with the small registry copied from ROR."""

from __future__ import annotations

from pathlib import Path

import pytest

from khizana.visibility.anomalies import (
    AUTHOR_NAME_FORMS,
    AUTHOR_SEVERAL_IDS,
    COUNTRY_MISMATCH,
    MISSING_PARENT,
    NO_COUNTRY,
    NOT_FOUND,
    VARIANT_NAME,
    analyse,
    analyse_affiliation,
    author_findings,
    forms_fit,
    name_families,
    name_form,
    names_institution,
    registry_hierarchy,
)
from khizana.visibility.formats.model import Affiliation, Author, Publication
from khizana.visibility.formats.reader import read_path
from khizana.visibility.matching import Matcher
from khizana.visibility.registry.data import RegistryInstitution, load_registry

DATA = Path(__file__).parent / "data"
ROR = "https://ror.org/"
RABAT = ROR + "00r8w8f84"
SFAX = ROR + "04d4sd432"
SFAX_MEDICINE = ROR + "0053fb273"
UGA = ROR + "02rx3b187"
LPNC = ROR + "014p6mg26"


@pytest.fixture(scope="module")
def registry() -> dict[str, RegistryInstitution]:
    return load_registry(DATA / "ror")


@pytest.fixture(scope="module")
def matcher(registry) -> Matcher:
    return Matcher(registry.values())


@pytest.fixture(scope="module")
def hierarchy(registry):
    return registry_hierarchy(registry)


def finding(text, matcher, hierarchy, country=""):
    return analyse_affiliation(text, country, matcher, hierarchy)


def test_a_clean_affiliation_has_no_anomaly(matcher, hierarchy):
    for text in ("Mohammed V University, Rabat, Morocco", "Université Mohammed-V de Rabat, Maroc",
                 "Faculty of Medicine of Sfax, University of Sfax, Sfax, Tunisia",
                 "LPNC, Univ. Grenoble Alpes, CNRS, Grenoble, France"):  # fmt: skip
        result = finding(text, matcher, hierarchy)
        assert result.matches, text
        assert result.anomalies == [], (text, result.anomalies)


def test_no_country_suggests_the_institution_country(matcher, hierarchy):
    result = finding("Mohammed V University, Rabat", matcher, hierarchy)
    assert result.codes == [NO_COUNTRY]
    assert result.suggested_country == "Morocco"
    assert "Morocco" in result.anomalies[0].correction


def test_institution_not_found(matcher, hierarchy):
    result = finding("Laboratoire XYZ, Université Inconnue, Agadir, Morocco", matcher, hierarchy)
    assert result.matches == []
    assert result.codes == [NOT_FOUND]
    assert result.country_code == "MA"


def test_no_institution_and_no_country(matcher, hierarchy):
    result = finding("Laboratoire XYZ, Agadir", matcher, hierarchy)
    assert result.codes == [NOT_FOUND, NO_COUNTRY]
    assert result.anomalies[1].correction == "add the country"


def test_variant_name_suggests_the_canonical_one(matcher, hierarchy):
    result = finding("Univ Mohammed 5, Rabat, Morocco", matcher, hierarchy)
    assert [m.id for m in result.matches] == [RABAT]
    assert result.codes == [VARIANT_NAME]
    assert result.suggested_institution == "Mohammed V University"
    assert "'Univ Mohammed 5'" in result.anomalies[0].explanation
    assert result.anomalies[0].correction == "write 'Mohammed V University' instead of 'Univ Mohammed 5'"


def test_abbreviations_and_other_languages_of_a_registered_name_are_not_variants(matcher, hierarchy):
    assert finding("Univ Sfax, Sfax, Tunisia", matcher, hierarchy).codes == []
    assert finding("Université de Sfax, Sfax, Tunisie", matcher, hierarchy).codes == []
    assert VARIANT_NAME in finding("Mohamed V University, Rabat, Morocco", matcher, hierarchy).codes


def test_faculty_without_its_university(matcher, hierarchy):
    result = finding("Faculté de Médecine de Sfax, Sfax, Tunisia", matcher, hierarchy)
    assert [m.id for m in result.matches] == [SFAX_MEDICINE]
    assert result.matches[0].top_id == SFAX
    assert result.codes == [MISSING_PARENT]
    assert result.suggested_parent == "University of Sfax"


def test_lab_with_one_of_its_parents_is_complete(matcher, hierarchy):
    assert MISSING_PARENT in finding("LPNC, Grenoble, France", matcher, hierarchy).codes
    assert hierarchy(LPNC).top_id == UGA  # of several parents, the university


def test_country_inconsistent_with_the_institution(matcher, hierarchy):
    result = finding("Mohammed V University, Rabat, France", matcher, hierarchy)
    assert [m.id for m in result.matches] == [RABAT]
    assert result.codes == [COUNTRY_MISMATCH]
    assert result.suggested_country == "Morocco"
    assert "France" in result.anomalies[0].explanation


def test_country_given_by_the_reader_counts(matcher, hierarchy):
    result = finding("Mohammed V University, Rabat", matcher, hierarchy, country="FR")
    assert result.codes == [COUNTRY_MISMATCH]


def test_hierarchy_of_an_unknown_id(hierarchy):
    assert hierarchy("https://ror.org/000000000") is None
    sfax = hierarchy(SFAX)
    assert (sfax.top_id, sfax.parent_ids, sfax.country_code) == (SFAX, (), "TN")


def test_hierarchy_survives_a_cycle():
    a = RegistryInstitution(id="a", name="A", parent_ids=("b",))
    b = RegistryInstitution(id="b", name="B", parent_ids=("a",))
    info = registry_hierarchy({"a": a, "b": b})("a")
    assert info.top_id == "b" and info.ancestor_ids == ("b",)


# --- authors ---------------------------------------------------------------------------------------


def test_name_forms_tolerate_initials():
    assert name_form("Benali M.").surname == "benali"
    assert name_form("Gavarri J.R.").given == ("j", "r")
    assert forms_fit(name_form("Benali, M."), name_form("Benali, Mohamed"))
    assert forms_fit(name_form("El Amrani, Amina"), name_form("Elamrani A."))
    assert forms_fit(name_form("Gavarri J.R."), name_form("Gavarri, Jean-Raymond"))
    assert not forms_fit(name_form("Benali, Mohamed"), name_form("Benali, Mustapha"))
    assert not forms_fit(name_form("Benali, M."), name_form("Bennani, M."))
    assert name_families(["Benali, M.", "Benali, Mohamed", "Benali M."]) == [
        ["Benali, Mohamed", "Benali M.", "Benali, M."]
    ]


def publication(number: int, authors: list[Author], address: str = "Mohammed V University, Rabat, Morocco"):
    return Publication(
        source_format="scopus_csv", file="test.csv", record_number=number, id=f"eid-{number}",
        authors=authors, affiliations=[Affiliation(address, author_indexes=list(range(len(authors))))],
    )  # fmt: skip


def test_initials_and_full_names_of_one_identifier_are_no_anomaly():
    pubs = [publication(1, [Author("Benali M.", "Benali, M.", {"scopus_id": "1"})]),
            publication(2, [Author("Benali M.", "Benali, Mohamed", {"scopus_id": "1"})])]  # fmt: skip
    assert author_findings(pubs) == []


def test_several_name_forms_for_one_identifier():
    pubs = [publication(1, [Author("Benali M.", "Benali, Mohamed", {"scopus_id": "1"})]),
            publication(2, [Author("Benali M.", "Benali, Mustapha", {"scopus_id": "1"})]),
            publication(3, [Author("Alaoui K.", "Alaoui, K.", {"orcid": "0000-0001"})]),
            publication(4, [Author("Alami K.", "Alami, K.", {"orcid": "0000-0001"})])]  # fmt: skip
    findings = {(f.identifier_kind, f.identifiers[0]): f for f in author_findings(pubs)}
    assert set(findings) == {("scopus_id", "1"), ("orcid", "0000-0001")}
    benali = findings[("scopus_id", "1")]
    assert benali.code == AUTHOR_NAME_FORMS
    assert set(benali.name_forms) == {"Benali, Mohamed", "Benali, Mustapha"}
    assert benali.publication_ids == ["eid-1", "eid-2"]


def test_one_name_form_under_several_identifiers():
    pubs = [publication(1, [Author("Haddad S.", "Haddad, Salma", {"scopus_id": "3"})]),
            publication(2, [Author("Haddad S.", "Haddad, Salma", {"scopus_id": "4"})]),
            publication(3, [Author("Idrissi A.", "Idrissi, A.", {"scopus_id": "5"})]),
            publication(4, [Author("Idrissi A.", "Idrissi, A.", {"scopus_id": "6"})])]  # fmt: skip
    findings = author_findings(pubs)
    assert len(findings) == 1  # initials alone are too common to say two profiles are one person
    assert findings[0].code == AUTHOR_SEVERAL_IDS
    assert findings[0].identifiers == ["3", "4"]
    assert findings[0].publication_ids == ["eid-1", "eid-2"]


def test_analyse_a_hand_made_export(matcher, hierarchy):
    result = read_path(DATA / "analysis_scopus.csv")
    assert result.errors == []
    seen = []
    analysis = analyse(result.publications, matcher, hierarchy, progress=seen.append)
    assert analysis.publications == 6 and len(seen) == 6
    codes = {f.publication_id[-1]: f.codes for f in analysis.affiliation_findings if f.codes}
    assert codes == {"1": [VARIANT_NAME], "2": [MISSING_PARENT], "3": [NO_COUNTRY], "4": [COUNTRY_MISMATCH],
                     "5": [NOT_FOUND]}  # fmt: skip
    first = analysis.affiliation_findings[0]
    assert (first.authors, first.record_number, first.year) == (["Benali M."], 1, 2023)
    assert first.matches[0].reason and first.matches[0].score > 0.9
    authors = {f.code: f for f in analysis.author_findings}
    assert set(authors) == {AUTHOR_NAME_FORMS, AUTHOR_SEVERAL_IDS}
    assert authors[AUTHOR_SEVERAL_IDS].identifiers == ["57300000003", "57300000004"]


def test_titles_and_skipped_given_names_are_one_form_family():
    forms = ["Ajhoun, Rachida", "Pr. Ajhoun, Rachida"]
    assert name_families(forms) == [forms]
    assert forms_fit(name_form("Elhaj, El Hassan Ibn"), name_form("Elhaj, E. Ibn"))
    assert not forms_fit(name_form("Elhaj, El Hassan Ibn"), name_form("Elhaj, Omar"))


def test_universities_of_a_system_and_territories():
    system = RegistryInstitution(id="sys", name="University of California System", types=("education",))
    merced = RegistryInstitution(id="ucm", name="University of California, Merced", parent_ids=("sys",),
                                 country_code="US", city="Merced", types=("education",))  # fmt: skip
    cuhk = RegistryInstitution(id="cuhk", name="Chinese University of Hong Kong", country_code="HK",
                               city="Hong Kong", types=("education",))  # fmt: skip
    registry = {i.id: i for i in (system, merced, cuhk)}
    matcher, hierarchy = Matcher(registry.values()), registry_hierarchy(registry)
    merced_finding = analyse_affiliation("University of California, Merced, Merced, CA, United States", "",
                                         matcher, hierarchy)  # fmt: skip
    assert [m.id for m in merced_finding.matches] == ["ucm"] and merced_finding.codes == []
    address = "Chinese Univ Hong Kong, Shatin, Hong Kong, Peoples R China"
    hong_kong = analyse_affiliation(address, "CN", matcher, hierarchy)
    assert [m.id for m in hong_kong.matches] == ["cuhk"] and hong_kong.codes == []


def test_a_registered_name_in_another_word_order_is_no_variant(matcher, hierarchy):
    assert finding("Université Mohammed V, Rabat, Maroc", matcher, hierarchy).codes == []
    assert finding("Mohammed V University in Rabat, Rabat, Morocco", matcher, hierarchy).codes == []


def test_a_laboratory_of_a_research_body_alone_is_no_anomaly():
    name = "Science and Technology Facilities Council"
    agency = RegistryInstitution(id="stfc", name=name, types=("funder",))
    lab = RegistryInstitution(id="ral", name="Rutherford Appleton Laboratory", parent_ids=("stfc",),
                              country_code="GB", city="Didcot", types=("facility",))  # fmt: skip
    registry = {i.id: i for i in (agency, lab)}
    result = analyse_affiliation("Rutherford Appleton Laboratory, Didcot, United Kingdom", "",
                                 Matcher(registry.values()), registry_hierarchy(registry))  # fmt: skip
    assert [m.id for m in result.matches] == ["ral"] and result.codes == []


def test_a_parent_written_in_another_form_counts(matcher, hierarchy):
    """The matcher may leave a written university out; the parent check reads the address itself."""
    sfax = hierarchy(SFAX)
    assert names_institution("Lab X, Faculty of Sciences, Sfax University, Sfax, Tunisia", sfax)
    assert names_institution("Faculté des Sciences, Université de Sfax", sfax)
    assert not names_institution("Faculty of Medicine of Sfax, Sfax, Tunisia", sfax)
