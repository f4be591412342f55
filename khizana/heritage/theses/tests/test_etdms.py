"""ETD-MS written and read, against the real ERA records (University of Alberta) and the ETD-MS schema."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from lxml import etree

from khizana.heritage.theses import marc
from khizana.heritage.theses.etdms import (
    ETDMS_10,
    ETDMS_11,
    EtdmsError,
    EtdRecord,
    degree_level,
    read_oai_response,
    thesis_element,
)

from .support import as_etdms_10, etdms_schema, theses_data

OAI = "http://www.openarchives.org/OAI/2.0/"


def local_names(element: etree._Element) -> list[str]:
    return [etree.QName(child).localname for child in element]


def real_theses() -> list[etree._Element]:
    root = etree.parse(str(theses_data() / "era_oai_etdms_listrecords.xml")).getroot()
    return root.findall(f".//{{{OAI}}}metadata/{{{ETDMS_10}}}thesis")


@pytest.mark.shared_data
def test_reads_the_era_getrecord_response():
    (record,) = read_oai_response((theses_data() / "era_oai_etdms_getrecord.xml").read_bytes())
    assert record.identifier == "oai:era.library.ualberta.ca:ark:/54379/t71g05fc41f"
    assert record.title.startswith("Development of a Binding-induced DNA Nanosensor")
    assert record.creator == "Li, Xukun"
    assert record.supervisors == ["Le, X. Chris (Laboratory Medicine and Pathology; Chemistry)"]
    assert len(record.committee) == 3
    assert record.abstract.startswith("This thesis describes")  # "Abstract: " taken off
    assert record.date == date(2013, 1, 31)  # a timestamp in the file: the day is kept
    assert record.language == "eng"
    assert (record.degree_name, record.degree_level) == ("Master of Science", "masters")
    assert (record.discipline, record.grantor) == ("Department of Chemistry", "University of Alberta")
    assert record.identifiers[1] == "TC-AEU-32232" and record.embargo_until is None


@pytest.mark.shared_data
def test_reads_all_500_era_records():
    records = read_oai_response((theses_data() / "era_oai_etdms_listrecords.xml").read_bytes())
    assert len(records) == 500
    assert Counter(r.degree_level for r in records) == {"masters": 285, "doctoral": 215}
    assert sum(r.language == "fre" for r in records) == 2
    assert all(r.date and r.identifier for r in records)
    assert sum(bool(r.grantor) for r in records) == 499  # t7bg257f98g names no grantor


@pytest.mark.shared_data
def test_written_records_have_the_structure_of_the_real_ones_and_are_valid():
    """Each ERA thesis read and written again: its elements in the real record's order, its degree
    the same, and valid against the schema, which 499 of the 500 harvested ones are not (timestamps)."""
    schema = etdms_schema()
    real = real_theses()
    assert sum(schema.validate(thesis) for thesis in real) == 1  # PROVENANCE.md: 1 of 500
    records = read_oai_response((theses_data() / "era_oai_etdms_listrecords.xml").read_bytes())
    for original, record in zip(real, records, strict=True):
        written = thesis_element(record, today=date(2026, 12, 7))
        assert written.tag == f"{{{ETDMS_11}}}thesis"
        ours = list(dict.fromkeys(local_names(written)))  # element names, in order, once each
        theirs = list(dict.fromkeys(local_names(original)))
        assert [name for name in ours if name in theirs] == theirs
        degree = written.find(f"{{{ETDMS_11}}}degree")
        real_degree = original.find(f"{{{ETDMS_10}}}degree")
        assert local_names(degree) == list(dict.fromkeys(local_names(real_degree)))  # first discipline kept
        copy = as_etdms_10(written)
        assert schema.validate(copy), (record.identifier, schema.error_log.last_error)


def test_embargo_is_written_as_rights_while_it_runs():
    record = EtdRecord(title="T", creator="A", year=2025, identifiers=["https://x.example/1"],
                       embargo_until=date(2030, 1, 1), degree_level="doctoral", grantor="U")  # fmt: skip
    rights = [e.text for e in thesis_element(record, today=date(2026, 12, 7)).iter(f"{{{ETDMS_11}}}rights")]
    assert rights == [
        "info:eu-repo/semantics/embargoedAccess",
        "info:eu-repo/date/embargoEnd/2030-01-01",
        "Embargoed until 2030-01-01.",
    ]
    later = thesis_element(record, today=date(2030, 1, 1))
    assert later.find(f"{{{ETDMS_11}}}rights") is None
    assert later.findtext(f"{{{ETDMS_11}}}degree/{{{ETDMS_11}}}level") == "Doctoral"


def test_embargo_round_trips_through_etdms():
    record = EtdRecord(title="T", creator="A", year=2025, identifiers=["x"], embargo_until=date(2030, 1, 1))
    document = (
        f'<OAI-PMH xmlns="{OAI}"><GetRecord><record><header><identifier>oai:x:1</identifier></header>'
        f"<metadata>{etree.tostring(thesis_element(record, today=date(2026, 1, 1))).decode()}</metadata>"
        "</record></GetRecord></OAI-PMH>"
    ).encode()
    (read,) = read_oai_response(document)
    assert read.embargo_until == date(2030, 1, 1) and read.rights == []


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (b"<not xml", "not well-formed XML"),
        (b"<html/>", "not an OAI-PMH response"),
        (f'<OAI-PMH xmlns="{OAI}"><error code="badArgument">no</error></OAI-PMH>'.encode(), "badArgument"),
        (
            f'<OAI-PMH xmlns="{OAI}"><ListRecords><record><header><identifier>i</identifier></header>'
            '<metadata><dc xmlns="http://www.openarchives.org/OAI/2.0/oai_dc/"/></metadata></record>'
            "</ListRecords></OAI-PMH>".encode(),
            "metadataPrefix=oai_etdms",
        ),
    ],
)
def test_bad_documents_are_named(document, problem):
    with pytest.raises(EtdmsError, match=problem):
        read_oai_response(document)


def test_degree_levels():
    assert [degree_level(w) for w in ("Master's", "Doctoral", "Doctorat", "2", "Licence", "", "Diplôme")] == [
        "masters", "doctoral", "doctoral", "doctoral", "bachelors", "", "other"
    ]  # fmt: skip


def test_marc_record_is_a_thesis_with_its_502_and_embargo():
    record = EtdRecord(title="Titre", creator="Auteur, A.", date=date(2025, 6, 20), language="fre",
                       degree_name="Doctorat", grantor="Université X", discipline="Chimie",
                       supervisors=["Directeur, D."], embargo_until=date(2030, 1, 1))  # fmt: skip
    built = marc.thesis_record(record, "thesis-1", today=date(2026, 12, 7))
    assert built["001"].data == "thesis-1"
    assert built["008"].data[24] == "m" and built["008"].data[35:38] == "fre"
    assert built["502"].get_subfields("b", "c", "d", "g") == ["Doctorat", "Université X", "2025", "Chimie"]
    assert built["506"]["a"] == "Embargoed until 2030-01-01"
    assert built["700"].get_subfields("4") == ["ths"]
