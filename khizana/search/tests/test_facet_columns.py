"""The fields facets are counted from (slot and group fields) and the facet-count cache's admission."""

from __future__ import annotations

from khizana.search import engine
from khizana.search.documents import add_facets
from khizana.search.services import _CostlyResultCache


def test_group_value_round_trip_keeps_every_value_of_every_member_facet():
    values = {
        "decade": ["1990"],
        "language": ["fre", "ara"],
        "type": ["book"],
        "script": [],
        "availability": [],
    }
    for group in engine.FACET_GROUPS:
        pairs = sorted(engine.split_group_value(group, engine.group_value(values, group)))
        expected = sorted((name, v) for name in engine.FACET_GROUPS[group] for v in values[name])
        assert pairs == expected


def test_separators_inside_a_value_cannot_forge_another_facet_value():
    document: dict = {}
    add_facets(document, {"language": ["fre\x1fbook"], "decade": ["1990\x1e2000"], "type": ["book"]})
    assert document["language"] == ["frebook"]
    pairs = sorted(engine.split_group_value("facet_period", document["facet_period"][0]))
    assert pairs == [("decade", "19902000"), ("language", "frebook")]


def test_slot_facets_overflow_and_group_facets_fill_their_fields():
    document: dict = {}
    add_facets(
        document, {"library": ["A", "B", "C", "D", "E"], "type": ["book"], "availability": ["digital"]}
    )
    assert [document[f][0] for f in engine.slot_fields("library")] == ["A", "B", "C", "D"]
    assert document[engine.more_field("library")] == ["E"]
    assert document[engine.OVERFLOW] == ["1"]
    assert "type_0" not in document  # grouped facets have no slot fields
    kind = dict(engine.split_group_value("facet_kind", document["facet_kind"][0]))
    assert kind == {"type": "book", "availability": "digital"}


def test_cache_keeps_only_costly_results_and_evicts_the_least_recent():
    cache = _CostlyResultCache(size=2, min_seconds=0.005)
    cache.put(("cheap",), (99, {}), cost=0.004)
    assert cache.get(("cheap",)) is None
    cache.put(("a",), (100, {"type": []}), cost=0.005)
    cache.put(("b",), (5000, {}), cost=0.2)
    assert cache.get(("a",)) == (100, {"type": []})  # now the most recent
    cache.put(("c",), (200, {}), cost=0.01)
    assert cache.get(("b",)) is None
    assert cache.get(("a",)) is not None and cache.get(("c",)) is not None
