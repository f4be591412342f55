"""/sru through Django's test client on the small real catalog of the page tests (demo files): SRU 2.0
responses validated against the schema in tests/data (SRU 1.2 ones too, once moved into the 2.0
namespaces: same elements), records read back with pymarc and lxml, every diagnostic triggered."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlencode

import pymarc
import pytest
from lxml import etree

from khizana.search import exports
from khizana.search.services import search
from khizana.sru import cql, responses
from khizana.web.tests import test_pages

catalog = test_pages.catalog  # the fixtures of the page tests: the same small real catalog
pages = test_pages.pages

DATA = Path(__file__).parent / "data"
SRU = responses.SRU2
NS = {
    "zs": responses.SRU2,
    "srw": responses.SRU1,
    "diag": responses.DIAG2,
    "diag1": responses.DIAG1,
    "zr": responses.ZEEREX,
    "marc": "http://www.loc.gov/MARC21/slim",
    "srw_dc": "info:srw/schema/1/dc-schema",
    "dc": "http://purl.org/dc/elements/1.1/",
}


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(DATA / "sru-response-2.0.xsd")))


def _as_sru2(root: etree._Element) -> etree._Element:
    """An SRU 1.2 response with its elements moved into the 2.0 namespaces (same structure)."""
    text = etree.tostring(root).replace(responses.DIAG1.encode(), responses.DIAG2.encode())
    return etree.fromstring(text.replace(responses.SRU1.encode(), responses.SRU2.encode()))


def sru(client, schema, **params) -> etree._Element:
    response = client.get("/sru?" + urlencode(params))
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    version = "1.2" if etree.QName(root).namespace == responses.SRU1 else "2.0"
    assert response["Content-Type"] == responses.CONTENT_TYPES[version]
    schema.assertValid(_as_sru2(root) if version == "1.2" else root)
    return root


def diagnostics(root: etree._Element) -> list[tuple[int, str]]:
    found = root.xpath("//diag:diagnostic | //diag1:diagnostic", namespaces=NS)
    return [(int(d.findtext("{*}uri").rsplit("/", 1)[1]), d.findtext("{*}details") or "") for d in found]


def number(root: etree._Element) -> int:
    return int(root.findtext("{*}numberOfRecords"))


# ------------------------------------------------------------------ explain


@pytest.mark.parametrize("params", [{}, {"operation": "explain"}, {"operation": "explain", "version": "2.0"}])
def test_explain(pages, schema, params):
    root = sru(pages, schema, **params)
    assert root.tag == f"{{{SRU}}}explainResponse" and root.find("{*}version") is None
    explain = root.find("zs:record/zs:recordData/zr:explain", NS)
    assert root.findtext("zs:record/zs:recordSchema", namespaces=NS) == responses.ZEEREX
    assert explain.findtext("zr:serverInfo/zr:host", namespaces=NS) == "testserver"
    assert explain.findtext("zr:serverInfo/zr:database", namespaces=NS) == "sru"
    names = {(n.get("set"), n.text) for n in explain.iterfind("zr:indexInfo/zr:index/zr:map/zr:name", NS)}
    assert {
        (None, "title"),
        ("dc", "creator"),
        ("dc", "subject"),
        ("bath", "isbn"),
        ("cql", "serverChoice"),
    } <= names
    assert {s.get("name") for s in explain.iterfind("zr:schemaInfo/zr:schema", NS)} == {"marcxml", "dc"}


def test_explain_in_sru_1_2(pages, schema):
    root = sru(pages, schema, operation="explain", version="1.2")
    assert (
        root.tag == f"{{{responses.SRU1}}}explainResponse"
        and root.findtext("srw:version", namespaces=NS) == "1.2"
    )
    assert root.find("srw:record/srw:recordData/zr:explain", NS) is not None


# ------------------------------------------------------------------ searchRetrieve


def test_search_retrieve_marcxml(pages, schema):
    root = sru(pages, schema, query='dc.title = "pride and prejudice"', maximumRecords="3")
    expected = search(cql.to_search_query('dc.title = "pride and prejudice"'), page_size=1).total
    assert number(root) == expected > 3
    records = root.findall("zs:records/zs:record", NS)
    assert [r.findtext("zs:recordPosition", namespaces=NS) for r in records] == ["1", "2", "3"]
    assert root.findtext("zs:nextRecordPosition", namespaces=NS) == "4"
    for record in records:
        assert record.findtext("zs:recordSchema", namespaces=NS) == "info:srw/schema/1/marcxml-v1.1"
        marc = record.find("zs:recordData/marc:record", NS)
        (parsed,) = pymarc.parse_xml_to_array(io.BytesIO(etree.tostring(marc)))
        assert "pride" in parsed.title.lower()
    echoed = root.find("zs:echoedSearchRetrieveRequest", NS)
    assert echoed.findtext("zs:query", namespaces=NS) == 'dc.title = "pride and prejudice"'
    assert not diagnostics(root)


def test_search_retrieve_pages_through_the_results(pages, schema):
    query = "author=austen"
    total, ids = exports.ranked_work_ids(cql.to_search_query(query), count=1000)
    seen = []
    start = 1
    while start:
        root = sru(pages, schema, query=query, startRecord=str(start), maximumRecords="4", recordSchema="dc")
        assert number(root) == total
        for record in root.findall("zs:records/zs:record", NS):
            url = record.xpath("zs:recordData/srw_dc:dc/dc:identifier", namespaces=NS)[-1].text
            seen.append(int(url.rstrip("/").rsplit("/", 1)[1]))
        next_position = root.findtext("zs:nextRecordPosition", namespaces=NS)
        start = int(next_position) if next_position else 0
    assert seen == ids and len(seen) == total


def test_search_retrieve_dc(pages, schema):
    root = sru(pages, schema, query="title=pride", recordSchema="info:srw/schema/1/dc-v1.1")
    record = root.find("zs:records/zs:record", NS)
    assert record.findtext("zs:recordSchema", namespaces=NS) == "info:srw/schema/1/dc-v1.1"
    dc = record.find("zs:recordData/srw_dc:dc", NS)
    assert "pride" in dc.findtext("dc:title", namespaces=NS).lower()
    assert dc.findtext("dc:creator", namespaces=NS)


def test_records_as_escaped_strings(pages, schema):
    root = sru(pages, schema, query="title=pride", maximumRecords="1", recordXMLEscaping="string")
    record = root.find("zs:records/zs:record", NS)
    assert record.findtext("zs:recordXMLEscaping", namespaces=NS) == "string"
    data = record.find("zs:recordData", NS)
    assert len(data) == 0 and etree.fromstring(data.text).tag == "{http://www.loc.gov/MARC21/slim}record"


def test_a_sru_1_2_request_as_catalog_clients_send_it(pages, schema):
    root = sru(
        pages,
        schema,
        version="1.2",
        operation="searchRetrieve",
        query="bath.isbn=9780141028101 or dc.title=sensibility",
        recordSchema="marcxml",
        recordPacking="xml",
        maximumRecords="10",
        startRecord="1",
    )
    assert root.tag == f"{{{responses.SRU1}}}searchRetrieveResponse"
    assert root.findtext("srw:version", namespaces=NS) == "1.2" and number(root) >= 2
    record = root.find("srw:records/srw:record", NS)
    assert record.findtext("srw:recordPacking", namespaces=NS) == "xml"
    assert record.find("srw:recordData/marc:record", NS) is not None


def test_maximum_records_zero_counts_only(pages, schema):
    root = sru(pages, schema, query="cql.allRecords=1", maximumRecords="0")
    assert number(root) == search("", page_size=1).total and root.find("zs:records", NS) is None


def test_sru_2_without_operation_is_a_search(pages, schema):
    root = sru(pages, schema, query="austen")
    assert root.tag == f"{{{SRU}}}searchRetrieveResponse" and number(root) > 0


# ------------------------------------------------------------------ diagnostics


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"operation": "scan", "scanClause": "title=a"}, (4, "scan")),
        ({"operation": "searchRetrieve", "version": "3.0", "query": "a"}, (5, "2.0")),
        ({"query": "a", "maximumRecords": "many"}, (6, "maximumRecords")),
        ({"query": "a", "startRecord": "0"}, (6, "startRecord")),
        ({"query": "a", "queryType": "searchTerms"}, (6, "queryType")),
        ({"query": "a", "recordXMLEscaping": "json"}, (6, "recordXMLEscaping")),
        ({"operation": "searchRetrieve", "query": ""}, (7, "query")),
        ({"operation": "searchRetrieve", "version": "1.2", "query": " "}, (7, "query")),
        ({"query": "a b"}, (10, "2")),
        ({"query": "(austen"}, (13, "0")),
        ({"query": 'title="austen'}, (14, "6")),
        ({"query": "marc.245=austen"}, (15, "marc")),
        ({"query": "publisher=penguin"}, (16, "publisher")),
        ({"query": "title <> austen"}, (19, "<>")),
        ({"query": "title =/respectCase Pride"}, (20, "respectCase")),
        ({"query": "title > pride"}, (22, "title >")),
        ({"query": "year = soon"}, (24, "= soon")),
        ({"query": 'title = ""'}, (27, "")),
        ({"query": "title = prid*"}, (28, "prid*")),
        ({"query": "pride prox prejudice"}, (37, "prox")),
        ({"query": "pride and/rel.combine=sum prejudice"}, (46, "rel.combine=sum")),
        ({"query": "pride or year=1990"}, (48, "year")),
        ({"query": "austen", "startRecord": "9999"}, (61, "9999")),
        ({"query": "austen", "recordSchema": "mods"}, (66, "mods")),
        ({"query": "austen", "recordPacking": "unpacked"}, (71, "unpacked")),
        (
            {"query": "austen", "version": "1.2", "operation": "searchRetrieve", "recordPacking": "packed"},
            (71, "packed"),
        ),
    ],
)
def test_fatal_diagnostics(pages, schema, params, expected):
    root = sru(pages, schema, **params)
    assert root.tag.endswith("searchRetrieveResponse")
    assert diagnostics(root) == [expected]
    assert root.find("{*}records") is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"query": "austen", "sortKeys": "title"}, (80, "")),
        ({"query": "austen", "stylesheet": "/x.xsl"}, (110, "")),
        ({"query": "austen", "frobnicate": "1"}, (8, "frobnicate")),
        ({"query": "austen", "x-khizana-anything": "1"}, None),
    ],
)
def test_non_fatal_diagnostics_leave_the_records(pages, schema, params, expected):
    root = sru(pages, schema, **params)
    assert root.findall("zs:records/zs:record", NS)
    assert diagnostics(root) == ([expected] if expected else [])


def test_a_work_without_marc21_gets_a_surrogate_diagnostic(pages, schema):
    root = sru(pages, schema, query='title = "Histoire du Maghreb"')
    assert number(root) == 1
    record = root.find("zs:records/zs:record", NS)
    assert record.findtext("zs:recordSchema", namespaces=NS) == responses.DIAGNOSTIC_SCHEMA
    assert diagnostics(root) == [(67, "")]
    dc = sru(pages, schema, query='title = "Histoire du Maghreb"', recordSchema="dc")
    assert (
        dc.findtext("zs:records/zs:record/zs:recordData/srw_dc:dc/dc:creator", namespaces=NS)
        == "Laroui, Abdallah"
    )


def test_diagnostics_in_sru_1_2_use_its_namespace(pages, schema):
    root = sru(pages, schema, version="1.2", operation="searchRetrieve", query="title <> x")
    assert root.find("srw:diagnostics/diag1:diagnostic", NS) is not None
    assert diagnostics(root) == [(19, "<>")]


@pytest.mark.parametrize("query", ["\x01title=x", "title=\x0b", "a" * 5000, '"' * 3, "\\", "é and"])
def test_odd_input_is_always_an_sru_response(pages, schema, query):
    root = sru(pages, schema, query=query)
    assert root.tag == f"{{{SRU}}}searchRetrieveResponse"
