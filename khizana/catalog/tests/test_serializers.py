"""The serializers of a work dict and of MARC records, as pure functions, on tricky data."""

from __future__ import annotations

import json

import pymarc
from lxml import etree

from khizana.catalog.serializers.bibtex import bibtex
from khizana.catalog.serializers.dublin_core import DC, OAI_DC, dublin_core_xml
from khizana.catalog.serializers.jsonld import json_ld
from khizana.catalog.serializers.marcxml import record_element
from khizana.catalog.serializers.plain_citation import plain_citation
from khizana.catalog.serializers.ris import ris

MARC_NS = "{http://www.loc.gov/MARC21/slim}"

ARABIC = {
    "id": 7,
    "title": "المقدمة",
    "subtitle": "كتاب العبر",
    "authors": ["ابن خلدون، عبد الرحمن بن محمد"],
    "publisher": "دار الكتاب اللبناني",
    "place": "بيروت",
    "year": 1982,
    "languages": ["ara"],
    "language_tags": ["ar"],
    "material_type": "book",
    "identifiers": {"isbn": ["9789953000000"]},
    "subjects": ["تاريخ", "علم الاجتماع"],
}
FRENCH = {
    "id": 8,
    "title": "L'Étranger {édition critique} & 100% notes_de_bas #1",
    "authors": ["Camus, Albert", "Lévi-Strauss, Claude", "Dupont, Jean", "Durand, Marie"],
    "publisher": "Gallimard",
    "place": "Paris",
    "year": None,
    "material_type": "thesis",
    "edition": "2e éd.",
}
EMPTY = {"id": 9, "title": "", "material_type": "other"}


def test_ris_lines_and_arabic():
    text = ris(ARABIC)
    lines = text.split("\r\n")
    assert lines[0] == "TY  - BOOK" and lines[-2] == "ER  -" and lines[-1] == ""
    assert "TI  - المقدمة: كتاب العبر" in lines
    assert "AU  - ابن خلدون، عبد الرحمن بن محمد" in lines
    assert "PY  - 1982" in lines and "SN  - 9789953000000" in lines


def test_ris_without_year_and_with_line_breaks():
    text = ris({**FRENCH, "title": "Deux\nlignes\r\nici"})
    assert "PY  -" not in text and "TY  - THES" in text
    assert "TI  - Deux lignes ici" in text
    assert ris(EMPTY) == "TY  - GEN\r\nER  -\r\n"


def test_bibtex_escapes_braces_and_specials():
    entry = bibtex(FRENCH)
    assert entry.startswith("@phdthesis{camus")
    assert r"\{édition critique\}" in entry and r"\&" in entry and r"100\%" in entry and r"\_" in entry
    assert r"\#1" in entry
    depth = 0
    for i, char in enumerate(entry):  # braces balance, escaped ones left out
        if char in "{}" and entry[i - 1] != "\\":
            depth += 1 if char == "{" else -1
            assert depth >= 0
    assert depth == 0
    assert "year" not in entry
    assert "author = {Camus, Albert and Lévi-Strauss, Claude and Dupont, Jean and Durand, Marie}" in entry


def test_bibtex_key_for_arabic_is_still_a_key():
    entry = bibtex(ARABIC)
    key = entry.split("{", 1)[1].split(",", 1)[0]
    assert key.isascii() and key and " " not in key and key.startswith("khizana7")
    assert "title = {{المقدمة: كتاب العبر}}" in entry


def test_plain_citation_in_each_language():
    assert plain_citation(ARABIC, "ar") == (
        "ابن خلدون، عبد الرحمن بن محمد. المقدمة: كتاب العبر. "
        "بيروت: دار الكتاب اللبناني، 1982. ISBN 9789953000000."
    )
    french = plain_citation(FRENCH, "fr")
    assert french.startswith("Camus, Albert ; Lévi-Strauss, Claude ; Dupont, Jean et al. ")
    assert "Paris : Gallimard, s.d." in french and "2e éd." in french
    assert "n.d." in plain_citation(FRENCH, "en")
    assert "د.ت." in plain_citation({"title": "x"}, "ar")
    assert plain_citation(EMPTY, "en") == "n.d."


def test_dublin_core_is_oai_dc():
    root = etree.fromstring(dublin_core_xml({**ARABIC, "title": "bad \x01 char"}))
    assert root.tag == f"{{{OAI_DC}}}dc"
    dc = f"{{{DC}}}"
    assert root.findtext(f"{dc}title").startswith("bad  char") or "\x01" not in root.findtext(f"{dc}title")
    assert root.findtext(f"{dc}creator") == ARABIC["authors"][0]
    assert root.findtext(f"{dc}date") == "1982" and root.findtext(f"{dc}type") == "Text"
    assert root.findtext(f"{dc}identifier") == "URN:ISBN:9789953000000"
    empty = etree.fromstring(dublin_core_xml(EMPTY))
    assert empty.find(f"{dc}date") is None


def test_json_ld_types_and_offers():
    data = json_ld(
        {**ARABIC, "holdings": [{"library_name": "BNRM", "library_url": "/l/", "status": "available"}]},
        "https://example.org/work/7/",
    )
    assert data["@type"] == "Book" and data["inLanguage"] == ["ar"] and data["isbn"] == ["9789953000000"]
    assert data["offers"][0]["availability"] == "https://schema.org/InStock"
    assert data["offers"][0]["availableAtOrFrom"] == {"@type": "Library", "name": "BNRM", "@id": "/l/"}
    assert json.loads(json.dumps(data)) == data
    serial = json_ld(
        {"title": "Revue", "material_type": "serial", "identifiers": {"issn": ["1234-5679"]}}, "u"
    )
    assert serial["@type"] == "Periodical" and serial["issn"] == ["1234-5679"]
    other = json_ld(FRENCH | {"material_type": "map"}, "u")
    assert other["@type"] == "CreativeWork" and "datePublished" not in other


def test_marcxml_of_iso2709_and_of_xml_in_another_namespace():
    record = pymarc.Record(force_utf8=True)
    record.add_field(pymarc.Field(tag="001", data="ar-1"))
    record.add_field(
        pymarc.Field(
            tag="245",
            indicators=pymarc.Indicators("1", "0"),
            subfields=[pymarc.Subfield("a", "المقدمة & <تاريخ>")],
        )
    )
    element = record_element(record.as_marc(), "iso2709")
    assert element.tag == f"{MARC_NS}record"
    assert element.findtext(f"{MARC_NS}datafield/{MARC_NS}subfield") == "المقدمة & <تاريخ>"
    assert element.findtext(f"{MARC_NS}leader")[9] == "a"
    xml = (
        b'<mx:record xmlns:mx="info:lc/xmlns/marcxchange-v2"><mx:leader>00000nam a2200000 a 4500</mx:leader>'
        b'<mx:controlfield tag="001">x1</mx:controlfield></mx:record>'
    )
    converted = record_element(xml, "xml")
    assert converted.tag == f"{MARC_NS}record"
    assert converted.findtext(f"{MARC_NS}controlfield") == "x1"
