"""The XML of responses, built from plain values and checked against the schemas (offline)."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from khizana.oai import responses as xml
from khizana.oai.protocol import OaiError
from khizana.oai.tests.schemas import validate

NOW = datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC)
BASE = "http://catalog.example/oai"
FIELDS = {
    "title": "Al-Muqaddima\x0b",  # a control character left by a damaged record
    "subtitle": "kitāb al-ʿibar",
    "parallel_titles": ["المقدمة"],
    "authors": ["Ibn Khaldūn, ʿAbd al-Raḥmān", "Monteil, Vincent"],
    "identifiers": {"isbn": ["9782742765898"], "oclc": ["12345"]},
    "publisher": "Sindbad",
    "place": "Paris",
    "year": 1967,
    "edition": "3e éd.",
    "languages": ["ara", "fre"],
    "material_type": "book",
    "subjects": ["Histoire -- Philosophie"],
    "classification": ["ddc:907.2"],
    "notes": [],
}


def records_response(*records: etree._Element) -> bytes:
    listing = etree.Element(f"{{{xml.OAI}}}ListRecords")
    listing.extend(records)
    listing.append(xml.resumption_token_element("", cursor=100, complete_list_size=102))
    arguments = {"verb": "ListRecords", "resumptionToken": "abc.def"}
    return xml.response_document(NOW, BASE, arguments, [listing])


def test_oai_dc_from_extracted_fields_is_valid_and_complete():
    header = xml.ItemHeader("oai:khizana.local:BNRM:1", NOW, ["library:BNRM", "type:book"])
    root = validate(records_response(xml.record_element(header, xml.oai_dc_element(FIELDS))))
    dc = {(etree.QName(e).localname, e.text) for e in root.iter(f"{{{xml.DC}}}*")}
    assert ("title", "Al-Muqaddima : kitāb al-ʿibar") in dc and ("title", "المقدمة") in dc
    assert ("creator", "Ibn Khaldūn, ʿAbd al-Raḥmān") in dc and ("contributor", "Monteil, Vincent") in dc
    assert {("date", "1967"), ("publisher", "Paris : Sindbad"), ("type", "Text"), ("type", "book")} <= dc
    assert {("identifier", "urn:isbn:9782742765898"), ("identifier", "oclc:12345")} <= dc
    assert {("language", "ara"), ("subject", "ddc:907.2"), ("description", "3e éd.")} <= dc
    assert root.findtext(f".//{{{xml.OAI}}}datestamp") == "2026-01-02T03:04:05Z"
    assert root.find(f".//{{{xml.OAI}}}resumptionToken").attrib == {
        "completeListSize": "102",
        "cursor": "100",
    }


def test_a_deleted_item_is_a_header_without_metadata():
    header = xml.ItemHeader("oai:khizana.local:BNRM:2", NOW, ["library:BNRM"], deleted=True)
    root = validate(records_response(xml.record_element(header, xml.oai_dc_element(FIELDS))))
    assert root.find(f".//{{{xml.OAI}}}header").get("status") == "deleted"
    assert root.find(f".//{{{xml.OAI}}}metadata") is None


def test_empty_fields_give_an_empty_but_valid_dc():
    header = xml.ItemHeader("oai:khizana.local:BNRM:3", NOW)
    validate(records_response(xml.record_element(header, xml.oai_dc_element({}))))


def test_marc_payloads_in_both_namespaces():
    marc = etree.fromstring(
        f'<record xmlns="{xml.MARC_SLIM}"><leader>00000nam  2200000   450 </leader>'
        '<controlfield tag="001">X1</controlfield>'
        '<datafield tag="200" ind1="1" ind2="|"><subfield code="a">Titre</subfield></datafield></record>'
    )
    unimarc = xml.marcxchange_payload(marc)
    assert (unimarc.get("format"), etree.QName(unimarc).namespace) == ("UNIMARC", xml.MARCXCHANGE)
    header = xml.ItemHeader("oai:khizana.local:BNRM:4", NOW)
    validate(records_response(xml.record_element(header, unimarc)))
    marc.find(f"{{{xml.MARC_SLIM}}}leader").text = "00000nam  2200000   4500"
    marc.find(f"{{{xml.MARC_SLIM}}}datafield").set("ind2", "0")
    validate(records_response(xml.record_element(header, xml.marcxml_payload(marc))))


def test_errors_echo_the_request_only_when_allowed():
    error = OaiError("badArgument", "repeated argument(s): from")
    root = validate(xml.response_document(NOW, BASE, None, xml.error_elements([error])))
    assert root.find(f"{{{xml.OAI}}}request").attrib == {}
    assert root.find(f"{{{xml.OAI}}}error").get("code") == "badArgument"
    missing = OaiError("idDoesNotExist", "nothing \x00 here")
    root = validate(xml.response_document(NOW, BASE, {"verb": "GetRecord"}, xml.error_elements([missing])))
    assert root.find(f"{{{xml.OAI}}}request").get("verb") == "GetRecord"
    assert root.findtext(f"{{{xml.OAI}}}error") == "nothing  here"


def test_identify_and_the_other_listings_are_valid():
    info = xml.RepositoryInfo(
        "Khizana", BASE, ("oai@catalog.example",), NOW, "khizana.local", "oai:khizana.local:B:1"
    )
    validate(xml.response_document(NOW, BASE, {"verb": "Identify"}, [xml.identify_element(info)]))
    formats = xml.metadata_formats_element([xml.MetadataFormat("oai_dc", xml.OAI_DC_SCHEMA, xml.OAI_DC)])
    validate(xml.response_document(NOW, BASE, {"verb": "ListMetadataFormats"}, [formats]))
    sets = xml.sets_element([("library", "Member libraries"), ("library:BNRM", "BNRM — Bibliothèque")])
    validate(xml.response_document(NOW, BASE, {"verb": "ListSets"}, [sets]))
