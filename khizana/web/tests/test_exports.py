"""Exports of a work and of a result list, and content negotiation on the work URL, through Django's
test client on the small real catalog of test_pages (demo files); every export is read back with a
real parser (pymarc, lxml, json) or checked line by line (RIS, BibTeX)."""

from __future__ import annotations

import io
import json
import re

import pymarc
import pytest
from lxml import etree

from khizana.catalog.models import SourceRecord, Work
from khizana.catalog.serializers.csl import csl_item, csl_name
from khizana.search import exports
from khizana.search.services import search
from khizana.web import negotiation
from khizana.web.tests import test_pages
from khizana.web.tests.test_pages import get, shared_work

catalog = test_pages.catalog  # the fixtures of the page tests: the same small real catalog
pages = test_pages.pages

MARC_NS = "{http://www.loc.gov/MARC21/slim}"
DC_NS = "{http://purl.org/dc/elements/1.1/}"
OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}"


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def marc_records(data: bytes) -> list[pymarc.Record]:
    records = list(pymarc.MARCReader(data, to_unicode=True, permissive=False))
    assert all(r is not None for r in records), "a record pymarc cannot read"
    return records


def ris_records(text: str) -> list[list[tuple[str, str]]]:
    """RIS read by hand: every line is ``TAG  - value``, a record starts with TY and ends with ER."""
    records, current = [], None
    for line in text.split("\r\n"):
        if not line:
            continue
        match = re.fullmatch(r"([A-Z][A-Z0-9])  -(?: (.*))?", line)
        assert match, f"not a RIS line: {line!r}"
        tag, value = match.group(1), match.group(2) or ""
        if tag == "TY":
            assert current is None, "TY inside a record"
            current = []
        assert current is not None, f"{tag} outside a record"
        current.append((tag, value))
        if tag == "ER":
            records.append(current)
            current = None
    assert current is None, "record without ER"
    return records


def bibtex_entries(text: str) -> list[str]:
    """The keys of the entries; braces balance in each (escaped braces not counted)."""
    keys = []
    for entry in re.split(r"\n(?=@)", text.strip()):
        unescaped = re.sub(r"\\[{}]", "", entry)
        depth = 0
        for char in unescaped:
            depth += {"{": 1, "}": -1}.get(char, 0)
            assert depth >= 0, "closing brace before its opening one"
        assert depth == 0, f"unbalanced braces in {entry[:60]!r}"
        keys.append(re.match(r"@\w+\{([^,]+),", entry).group(1))
    return keys


# ------------------------------------------------------------------ one work, every format


def test_every_export_of_a_work_reads_back(pages):
    work = shared_work()
    base = f"/work/{work.id}/"
    ris = ris_records(get(pages, base + "cite.ris").content.decode())
    assert len(ris) == 1 and ris[0][0][0] == "TY" and any(tag == "TI" for tag, _ in ris[0])
    assert bibtex_entries(get(pages, base + "cite.bib").content.decode())

    csl_response = get(pages, base + "cite.csl.json")
    assert csl_response["Content-Type"].startswith("application/vnd.citationstyles.csl+json")
    (item,) = json.loads(csl_response.content)
    assert item["id"] == f"khizana-{work.id}" and item["type"] == "book"
    assert item["title"].startswith(work.title.rstrip(" :/;."))
    assert item["URL"].endswith(base) and item["author"][0]["family"]
    if work.year:
        assert item["issued"] == {"date-parts": [[work.year]]}

    ld = get(pages, base + "schema.jsonld")
    assert ld["Content-Type"].startswith("application/ld+json")
    data = json.loads(ld.content)
    assert data["@context"] == "https://schema.org" and data["@id"].endswith(base)
    assert len({o["availableAtOrFrom"]["name"] for o in data["offers"]}) == 2

    dc = etree.fromstring(get(pages, base + "dc.xml").content)
    assert dc.tag == f"{OAI_DC}dc" and dc.find(f"{DC_NS}title") is not None

    members = work.records.order_by("library__code", "local_id")
    collection = etree.fromstring(get(pages, base + "marc.xml").content)  # MARC 21 and UNIMARC
    assert (
        len(collection.findall(f"{MARC_NS}record"))
        == members.filter(format__in=("marc21", "unimarc")).count()
    )
    sent = [bytes(r.raw) for r in members.filter(format="marc21")]  # .mrc is MARC 21 only
    assert len(sent) >= 2

    mrc = get(pages, base + "marc.mrc")
    assert mrc["Content-Type"] == "application/marc"
    records = marc_records(mrc.content)
    assert len(records) == len(sent) and mrc.content == b"".join(sent)  # clean ISO 2709: the bytes as sent
    assert all(r.title for r in records)


def test_mrc_of_a_marcxml_record_is_written_by_pymarc(pages):
    record = SourceRecord.objects.get(source_file__endswith="yaz_marc9.xml")
    response = get(pages, f"/work/{record.work_id}/marc.mrc")
    (marc,) = marc_records(response.content)
    assert marc.leader[9] == "a"
    xml = pymarc.parse_xml_to_array(io.BytesIO(get(pages, f"/work/{record.work_id}/marc.xml").content))
    assert [f.tag for f in marc.fields] == [f.tag for f in xml[0].fields]
    assert marc["245"].value() == xml[0]["245"].value()


def test_mrc_of_a_work_without_marc21_is_a_404(pages):
    csv_only = Work.objects.get(records__local_id="PLAIN-2")
    assert get(pages, f"/work/{csv_only.id}/marc.mrc").status_code == 404
    assert get(pages, "/work/99999999/cite.csl.json").status_code == 404


# ------------------------------------------------------------------ content negotiation


@pytest.mark.parametrize(
    ("accept", "suffix"),
    [
        ("application/marcxml+xml", "marc.xml"),
        ("application/marc", "marc.mrc"),
        ("application/ld+json", "schema.jsonld"),
        ("application/x-research-info-systems", "cite.ris"),
        ("application/x-bibtex", "cite.bib"),
        ("application/vnd.citationstyles.csl+json", "cite.csl.json"),
        ("text/html;q=0.5, application/ld+json;q=0.9", "schema.jsonld"),
    ],
)
def test_the_work_url_answers_the_accept_header(pages, accept, suffix):
    work = shared_work()
    response = get(pages, f"/work/{work.id}/", HTTP_ACCEPT=accept)
    assert response.status_code == 303
    assert response["Location"] == f"/work/{work.id}/{suffix}"
    assert "Accept" in response["Vary"]
    assert get(pages, response["Location"]).status_code == 200


@pytest.mark.parametrize(
    "accept",
    [
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",  # a browser
        "*/*",
        "",
        "application/rdf+xml",  # not offered: the page
        "application/marc;q=0.3, text/html",
    ],
)
def test_browsers_and_unknown_types_get_the_page(pages, accept):
    work = shared_work()
    extra = {"HTTP_ACCEPT": accept} if accept else {}
    response = get(pages, f"/work/{work.id}/", **extra)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "Accept" in response["Vary"]


def test_accept_parsing():
    offered = list(negotiation.WORK_TYPES)
    assert negotiation.best_match("application/*;q=0.5, application/marc", offered) == "application/marc"
    assert negotiation.best_match("application/*", offered) == "application/xhtml+xml"
    assert negotiation.best_match("text/html;q=0, */*;q=0.1", offered) == "application/xhtml+xml"
    assert negotiation.best_match("text/html;q=0", ["text/html"]) is None
    assert negotiation.best_match("text/html;q=abc, nonsense, /x", offered) == "text/html"
    assert negotiation.work_export("application/x-bibtex;q=1.0") == "bib"
    assert negotiation.work_export("application/marc;q=0.2, */*;q=0.1") == "mrc"
    assert negotiation.work_export("application/marc;q=0") is None


# ------------------------------------------------------------------ result lists


def _total(q: str) -> int:
    return search(q, page_size=1).total


def test_a_result_list_export_has_every_hit_in_each_format(pages):
    q = "pride"
    total = _total(q)
    assert 0 < total < exports.EXPORT_LIMIT
    counts: dict[str, int] = {}
    for name in exports.LIST_FORMATS:
        response = get(pages, f"/search/export.{name}?q={q}")
        assert response.status_code == 200, name
        assert response["X-Result-Count"] == str(total) and response["X-Export-Count"] == str(total)
        assert response["X-Export-Limit"] == str(exports.EXPORT_LIMIT)
        assert "attachment" in response["Content-Disposition"]
        body = content(response)
        if name == "ris":
            counts[name] = len(ris_records(body.decode()))
        elif name == "bib":
            keys = bibtex_entries(body.decode())
            assert len(keys) == len(set(keys)), "BibTeX keys must be unique"
            counts[name] = len(keys)
        elif name == "csl.json":
            counts[name] = len({item["id"] for item in json.loads(body)})
        elif name == "jsonld":
            counts[name] = len({node["@id"] for node in json.loads(body)["@graph"]})
        elif name == "dc.xml":
            counts[name] = len(etree.fromstring(body).findall(f"{OAI_DC}dc"))
        elif name == "marc.xml":
            counts[name] = len(etree.fromstring(body).findall(f"{MARC_NS}record"))
        elif name == "mrc":
            counts[name] = len(marc_records(body))
    members = SourceRecord.objects.filter(work_id__in=exports.ranked_work_ids(q)[1], deleted=False)
    marc_count = members.filter(format__in=("marc21", "unimarc")).count()
    marc21_count = members.filter(format="marc21").count()
    assert counts == {
        "ris": total,
        "bib": total,
        "csl.json": total,
        "jsonld": total,
        "dc.xml": total,
        "marc.xml": marc_count,
        "mrc": marc21_count,
    }


def test_the_list_keeps_the_order_filters_and_sort_of_the_results_page(pages):
    response = get(pages, "/search/export.csl.json?sort=title&library=BPLPO")
    items = json.loads(content(response))
    hits = search("", {"library": ["BPLPO"]}, sort="title", page_size=200).hits
    assert [item["id"] for item in items] == [f"khizana-{hit.work_id}" for hit in hits]


def test_the_export_stops_at_the_limit(pages, monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_LIMIT", 3)
    monkeypatch.setattr(exports, "MAX_PAGE_SIZE", 2)  # the ids are gathered over several search pages
    total = _total("")
    response = get(pages, "/search/export.ris")
    assert response["X-Result-Count"] == str(total) and response["X-Export-Count"] == "3"
    assert len(ris_records(content(response).decode())) == 3
    assert exports.ranked_work_ids("", start=1, count=3)[1] == exports.ranked_work_ids("", count=4)[1][1:]


def test_an_unknown_list_format_is_a_clear_404(pages):
    response = get(pages, "/search/export.pdf?q=pride")
    assert response.status_code == 404
    assert "pdf" in response.content.decode() and "csl.json" in response.content.decode()


# ------------------------------------------------------------------ pure functions


def test_csl_names_and_fields():
    assert csl_name("Austen, Jane, 1775-1817.") == {"family": "Austen", "given": "Jane"}
    assert csl_name("ابن خلدون، عبد الرحمن") == {"family": "ابن خلدون", "given": "عبد الرحمن"}
    assert csl_name("UNESCO") == {"literal": "UNESCO"}
    item = csl_item(
        {
            "id": 4,
            "title": "Le Maroc",
            "subtitle": "histoire",
            "year": 1990,
            "identifiers": {"isbn": ["9782070000000"], "issn": ["1234-5678"]},
            "language_tags": ["fr"],
            "material_type": "serial",
            "place": "Rabat",
            "edition": "2e éd.",
        }
    )
    assert item == {
        "id": "khizana-4",
        "type": "periodical",
        "title": "Le Maroc: histoire",
        "issued": {"date-parts": [[1990]]},
        "publisher-place": "Rabat",
        "edition": "2e éd.",
        "ISBN": "9782070000000",
        "ISSN": "1234-5678",
        "language": "fr",
    }
    assert csl_item({"id": 5})["type"] == "document"
