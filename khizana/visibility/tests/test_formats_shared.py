"""Every real export of ../shared/data/bibliometrics: record counts of its PROVENANCE.md, spot checks of
authors, affiliations and identifiers taken from the files, agreement across formats, and speed."""

import time

import pytest

from khizana.testing import shared_data_dir
from khizana.visibility.formats import read_path

SHARED = shared_data_dir()
FOLDER = SHARED / "bibliometrics" if SHARED else None
pytestmark = [
    pytest.mark.skipif(FOLDER is None or not FOLDER.is_dir(), reason="../shared/data is not here"),
    pytest.mark.shared_data,
]

# file: (format, records, records with an affiliation or a corresponding address) of PROVENANCE.md
EXPECTED = {
    "scopus/moroccan-univ-scopus_2021.csv": ("scopus_csv", 500, 500),
    "scopus/moroccan-univ-scopus_test.csv": ("scopus_csv", 100, 100),
    "scopus/bibliometrix_scopus_sample.csv": ("scopus_csv", 8, 8),
    "scopus/litstudy_scopus.csv": ("scopus_csv", 58, 49),
    "scopus/tethne_scopus.csv": ("scopus_csv", 20, 19),  # PROVENANCE: 20, one "Authors with affiliations"
    # holds names only ("Wessler, I.K.; Kirkpatrick, C.J.") and no affiliation
    "scopus/pybibx_scopus.bib": ("scopus_bibtex", 263, 257),
    "scopus/stat-hceres_scopus_2.bib": ("scopus_bibtex", 60, 60),
    "scopus/milensys-biodiversity_scopus.bib": ("scopus_bibtex", 244, 235),
    "scopus/milensys-biodiversity_scopus.ris": ("scopus_ris", 244, 235),
    "wos/sisonkebiotik_savedrecs.txt": ("wos_plain", 500, 500),
    "wos/tp-init-recherche_savedrecs-2.txt": ("wos_plain", 651, 649),
    "wos/bibliometrix_wos_sample.txt": ("wos_plain", 8, 8),
    "wos/metaknowledge_savedrecs.txt": ("wos_plain", 32, 31),
    "wos/tethne_valentin.txt": ("wos_plain", 2, 2),
    "wos/wosfile_wos_plaintext.txt": ("wos_plain", 50, 50),
    "wos/wosfile_wos_tab_delimited_win_utf8.txt": ("wos_tab", 50, 50),
    "wos/wosfile_wos_tab_delimited_win_utf16.txt": ("wos_tab", 50, 50),
    "wos/scientopy_wos_2026_04_02_4071.txt": ("wos_tab", 71, 54),
    "wos/pybibx_wos.bib": ("wos_bibtex", 236, 236),
}
# Records with an affiliation in Morocco, Algeria, Tunisia (PROVENANCE.md counts country names).
MAGHREB = {
    "scopus/moroccan-univ-scopus_2021.csv": {"MA": 500, "DZ": 13, "TN": 14},
    "scopus/pybibx_scopus.bib": {"MA": 7, "DZ": 7, "TN": 4},
    "wos/sisonkebiotik_savedrecs.txt": {"MA": 56, "DZ": 41, "TN": 53},
    "wos/pybibx_wos.bib": {"MA": 5, "DZ": 5, "TN": 3},
}

_cache: dict = {}


def read(name: str):
    if name not in _cache:
        _cache[name] = read_path(FOLDER / name)
    return _cache[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_record_of_every_sample_is_read(name):
    source_format, records, with_affiliation = EXPECTED[name]
    result = read(name)
    assert result.source_format == source_format
    assert result.errors == []
    assert len(result.publications) == records
    addressed = [item for item in result.publications if item.affiliations or item.correspondence]
    assert len(addressed) == with_affiliation
    assert all(item.id for item in result.publications)
    untitled = [item.record_number for item in result.publications if not item.title]
    assert untitled == [w.record for w in result.warnings if w.message == "no title"]
    assert [item.record_number for item in result.publications] == list(range(1, records + 1))


@pytest.mark.parametrize("name", sorted(MAGHREB))
def test_maghreb_countries_are_found(name):
    publications = read(name).publications
    for code, expected in MAGHREB[name].items():
        found = [item for item in publications if any(a.country_code == code for a in item.affiliations)]
        assert len(found) == expected


def test_scopus_csv_authors_ids_and_affiliations():
    first = read("scopus/moroccan-univ-scopus_2021.csv").publications[0]
    assert first.id == "2-s2.0-85123532854" and first.year == 2021
    assert (first.authors[1].name, first.authors[1].full_name, first.authors[1].identifiers) == (
        "Ainane A.",
        "Ainane, Ayoub",
        {"scopus_id": "56480346800"},
    )
    khenifra = first.affiliations[1]
    assert khenifra.raw == (
        "Superior School of Technology of Khenifra (EST-Khenifra), University of Sultan "
        "Moulay Slimane, BP 170, Khenifra, 54000, Morocco"
    )
    assert khenifra.authors == ["Ainane A.", "Ainane T."] and khenifra.author_indexes == [1, 4]
    assert (first.affiliations[0].country, first.affiliations[0].country_code) == ("Djibouti", "DJ")


def test_old_scopus_csv_author_with_two_affiliations():
    first = read("scopus/tethne_scopus.csv").publications[0]
    assert [author.name for author in first.authors][:2] == ["Pan, Y.", "Yu, C."]
    linked_to_yu = [item.raw.split(",")[0] for item in first.affiliations if 1 in item.author_indexes]
    assert linked_to_yu == [
        "Institute of Geographic Sciences and Natural Resources Research",
        "Key Laboratory of Ecosystem Network Observation and Modelling",
    ]


def test_misaligned_scopus_rows_are_realigned_with_a_warning():
    result = read("scopus/litstudy_scopus.csv")
    assert len(result.warnings) == 56 and all(w.field == "Funding Text 1" for w in result.warnings)
    first = result.publications[0]
    assert first.id == "2-s2.0-27344436659"  # the last column, after the shifted ones
    assert first.correspondence[0].author == "Schulten, K."
    assert first.authors[0].identifiers == {"scopus_id": "57202138757"}


def test_wos_plain_text_groups_identifiers_and_reprint_addresses():
    record = read("wos/sisonkebiotik_savedrecs.txt").publications[2]
    assert record.id == "WOS:000554214200001"
    sedik = record.authors[0]
    assert (sedik.name, sedik.full_name) == ("Sedik, A", "Sedik, Ahmed")
    assert sedik.identifiers == {"orcid": "0000-0002-7651-8362", "researcher_id": "AAX-6150-2020"}
    assert record.affiliations[0].raw == (
        "Kafrelsheikh Univ, Dept Robot & Intelligent Machines, Kafrelsheikh 33511, Egypt"
    )
    assert record.affiliations[0].authors == ["Sedik, Ahmed"]
    assert len(record.correspondence) == 6 and record.correspondence[0].author == "Iliyasu, AM"
    rabat = [
        a
        for item in read("wos/sisonkebiotik_savedrecs.txt").publications
        for a in item.affiliations
        if a.raw.startswith("Mohammed V Univ Rabat, ENSIAS")
    ]
    assert rabat and all(a.country_code == "MA" for a in rabat)


def test_wos_plain_and_tab_delimited_exports_agree():
    def summary(publication):
        return (
            publication.id,
            publication.title,
            publication.year,
            [(a.name, a.full_name, a.identifiers) for a in publication.authors],
            [(a.raw, a.authors) for a in publication.affiliations],
            publication.correspondence,
        )

    plain = [summary(item) for item in read("wos/wosfile_wos_plaintext.txt").publications]
    for name in ("wos/wosfile_wos_tab_delimited_win_utf8.txt", "wos/wosfile_wos_tab_delimited_win_utf16.txt"):
        assert [summary(item) for item in read(name).publications] == plain


def test_wos_organisation_enhanced_names():
    for name, expected in (
        ("wos/tp-init-recherche_savedrecs-2.txt", 628),
        ("wos/scientopy_wos_2026_04_02_4071.txt", 50),
    ):
        assert sum(1 for item in read(name).publications if item.organisations) == expected


def test_wos_bibtex_affiliation_lines_and_orcid():
    first = read("wos/pybibx_wos.bib").publications[0]
    assert first.id == "WOS:000719584000015"
    assert first.authors[1].identifiers == {"orcid": "0000-0001-8293-8227"}
    paris = next(a for a in first.affiliations if "LAMSADE" in a.raw)
    assert paris.raw == "Univ Paris 09, PSL Res Univ, LAMSADE, CNRS UMR 7243, Paris, France"
    assert paris.authors == ["Roy, Bernard"]
    assert first.affiliations[0].raw == "Univ Catania, Dept Econ & Business, Catania, Italy"  # \& decoded
    assert first.correspondence[0].author == "Figueira, JR"


def test_scopus_bibtex_and_ris_of_one_search_hold_the_same_records():
    bibtex = read("scopus/milensys-biodiversity_scopus.bib").publications
    ris = read("scopus/milensys-biodiversity_scopus.ris").publications
    assert [item.id for item in bibtex] == [item.id for item in ris]
    assert ris[0].id == "2-s2.0-85165627975"  # the record right after the BOM
    assert [item.correspondence for item in bibtex] == [item.correspondence for item in ris]
    assert sum(len(item.correspondence) for item in ris) == 209  # some records have two
    assert sum(len(item.affiliations) for item in ris) >= 1500


def test_scopus_bibtex_old_style():
    first = read("scopus/pybibx_scopus.bib").publications[0]
    assert first.id == "2-s2.0-85107941291"
    assert first.affiliations[1].raw == (
        "Université Paris-Dauphine, PSL Research University, CNRS (UMR 7243), LAMSADE, Paris, France"
    )
    hceres = read("scopus/stat-hceres_scopus_2.bib").publications
    assert sum(1 for item in hceres if any(a.country_code == "FR" for a in item.affiliations)) == 59


def test_thousands_of_records_per_second():
    names = sorted(EXPECTED)
    started = time.process_time()
    records = sum(len(read_path(FOLDER / name).publications) for name in names)
    seconds = time.process_time() - started
    assert records == 3147
    assert records / seconds > 1000, f"{records / seconds:.0f} records per second"
