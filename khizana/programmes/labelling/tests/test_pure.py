"""The pure modules: the conspectus table, the Dublin Core Collections writer, the map's projection."""

from __future__ import annotations

from lxml import etree

from khizana.programmes.labelling import conspectus, dcc, svgmap

RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
DCTERMS = "{http://purl.org/dc/terms/}"


def test_the_conspectus_has_the_ten_dewey_classes_in_three_languages():
    assert [entry.code for entry in conspectus.CLASSES] == [f"{n}00" for n in range(10)]
    history = conspectus.BY_CODE["900"]
    assert (history.label("fr"), history.label("ar"), history.label("en-gb")) == (
        "Histoire et géographie",
        "التاريخ والجغرافيا",
        "History and geography",
    )
    assert history.label("de") == "Histoire et géographie"
    assert conspectus.unknown_codes(["900", "950", "x"]) == ["950", "x"]


def _record(**extra) -> dict:
    return {"uri": "https://k.example.org/c/1/", "identifier": "https://k.example.org/c/1/"} | extra


def test_a_tool_is_dcmi_software_and_empty_values_are_left_out():
    root = etree.fromstring(dcc.records_xml([_record(kind="tool", titles=[("fr", "Outil"), ("en", "")])]))
    (node,) = root
    assert node.tag == f"{RDF}Description" and node.get(f"{RDF}about") == "https://k.example.org/c/1/"
    assert node.find(f"{DCTERMS}type").get(f"{RDF}resource") == "http://purl.org/dc/dcmitype/Software"
    assert [t.text for t in node.findall(f"{DCTERMS}title")] == ["Outil"]
    assert node.find(f"{DCTERMS}extent") is None and node.find(f"{DCTERMS}dateAccepted") is None
    assert root.nsmap["cld"] == "http://purl.org/cld/terms/"


def test_markup_in_descriptions_is_text():
    xml = dcc.records_xml([_record(descriptions=[("fr", "<b>Fonds</b> & archives")])])
    (node,) = etree.fromstring(xml)
    assert node.find(f"{DCTERMS}abstract").text == "<b>Fonds</b> & archives"
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")


def test_the_map_keeps_every_place_inside_and_scales_dots_by_count():
    places = [
        svgmap.Place("rabat", 34.02, -6.83, 4),
        svgmap.Place("oran", 35.7, -0.63, 1),
        svgmap.Place("tunis", 36.8, 10.18, 1),
    ]
    drawn = svgmap.draw(places, 600, 420)
    assert drawn.points[0].key == "rabat"  # the biggest dot first
    for point in drawn.points:
        assert 0 < point.x < 600 and 0 < point.y < 420
    by_key = {p.key: p for p in drawn.points}
    assert by_key["rabat"].x < by_key["oran"].x < by_key["tunis"].x  # west to east
    assert by_key["tunis"].y < by_key["rabat"].y  # Tunis lies further north
    assert by_key["rabat"].radius > by_key["oran"].radius == 5
    assert all(lon % 5 == 0 for _, lon in drawn.meridians) and drawn.meridians
    assert svgmap.draw([]) is None


def test_one_place_still_makes_a_map():
    drawn = svgmap.draw([svgmap.Place("fes", 34.03, -5.0, 2)], 600, 420)
    (point,) = drawn.points
    # Centred east-west; the box is whole degrees around it, so north-south it is near the middle.
    assert point.x == 300 and 140 < point.y < 280
