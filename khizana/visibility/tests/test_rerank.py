"""The learned re-ranker over the matcher's candidates (issue 15): its JSON, its features of exact cases,
its scores of them, and the matcher's switch. Pure and fast: no database, no scikit-learn."""

import json
import math
from pathlib import Path

import pytest

from khizana.visibility import matching, rerank
from khizana.visibility.matching import Matcher
from khizana.visibility.registry_data import RegistryInstitution
from khizana.visibility.rerank import FEATURES, MODEL_PATH, Reranker, candidates, choose, load_reranker

ROR = "https://ror.org/"
SHARED = Path(__file__).resolve().parents[4] / "shared" / "data" / "affiliations" / "affiliations_dev.jsonl"


def inst(key, name, country, city, *, acronyms=(), parents=(), types=("education",)):
    return RegistryInstitution(
        id=ROR + key, name=name, aliases=(), acronyms=acronyms, labels=(), country_code=country, city=city,
        types=types, parent_ids=tuple(ROR + p for p in parents), status="active", cities=(city,),
        country_codes=(country,),
    )  # fmt: skip


REGISTRY = [
    inst("bx", "University of Bordeaux", "FR", "Bordeaux", acronyms=("UBx",)),
    inst("chu", "Bordeaux University Hospital", "FR", "Bordeaux", parents=("bx",), types=("healthcare",)),
    inst("inp", "Bordeaux INP", "FR", "Talence"),
    inst("lyon", "University of Lyon", "FR", "Lyon"),
    inst("lyon2", "Lumière University Lyon 2", "FR", "Lyon"),
    inst("um5", "Mohammed V University", "MA", "Rabat", acronyms=("UM5",)),
]


@pytest.fixture(scope="module")
def matcher():
    return Matcher(REGISTRY, rerank=False)


def features(matcher, text):
    return [(c.institution_id.removeprefix(ROR), dict(zip(FEATURES, c.features, strict=True)))
            for c in candidates(matcher, text)]  # fmt: skip


def test_the_shipped_json_loads_and_names_the_features():
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    model = load_reranker()
    assert tuple(data["features"]) == FEATURES
    assert len(model.coefficients) == len(model.means) == len(model.scales) == len(FEATURES)
    assert 0.0 < model.threshold < 1.0
    assert all(s > 0 for s in model.scales)


def test_a_json_of_other_features_is_refused():
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    data["features"] = data["features"][:-1]
    with pytest.raises(ValueError, match="features"):
        Reranker.from_json(data)


def test_the_scorer_is_a_logistic_regression_over_standardised_features():
    n = len(FEATURES)
    model = Reranker((1.0,) + (0.0,) * (n - 1), -0.5, (1.0,) * n, (2.0,) * n, 0.5)
    assert model.probability((3.0,) + (0.0,) * (n - 1)) == pytest.approx(1 / (1 + math.exp(-0.5)))
    assert model.probability((-1e9,) + (0.0,) * (n - 1)) == 0.0


def test_features_of_an_exact_name_with_its_city_and_country(matcher):
    [(found, f)] = features(matcher, "University of Bordeaux, Bordeaux, France")
    assert found == "bx"
    assert f["score"] == pytest.approx(1.11)  # 1 + country 0.06 + city 0.05
    assert (f["base"], f["name_share"], f["exact"], f["rank"]) == (1.0, 1.0, 1.0, 0.0)
    assert (f["country_agrees"], f["country_disagrees"], f["city_agrees"]) == (1.0, 0.0, 1.0)
    assert (f["university"], f["education"], f["generic"], f["acronym"]) == (1.0, 1.0, 0.0, 0.0)
    assert (f["rules_main"], f["rules_kept"], f["related"]) == (1.0, 1.0, 0.0)
    assert f["margin"] == pytest.approx(1.11)  # no other candidate
    assert f["candidates"] == pytest.approx(math.log(2))


def test_features_of_a_partial_name_without_its_city(matcher):
    [(found, f)] = features(matcher, "University of Lyon 2, France")
    assert found == "lyon"
    assert f["base"] == pytest.approx(0.851, abs=1e-3)
    assert f["score"] == pytest.approx(0.911, abs=1e-3)
    assert (f["exact"], f["city_agrees"], f["country_agrees"], f["name_share"]) == (0.0, 0.0, 1.0, 1.0)


def test_features_of_a_parent_and_its_child(matcher):
    found = dict(features(matcher, "Bordeaux University Hospital, University of Bordeaux, France"))
    assert set(found) == {"bx", "chu"}
    assert found["bx"]["related"] == found["chu"]["related"] == 1.0
    assert found["bx"]["ancestor_of_other"] == 1.0 and found["chu"]["ancestor_of_other"] == 0.0
    assert found["chu"]["university"] == 0.0 and found["bx"]["university"] == 1.0


def test_the_shipped_scores_of_exact_cases_are_pinned(matcher):
    model = load_reranker()
    [bordeaux] = candidates(matcher, "University of Bordeaux, Bordeaux, France")
    [lyon] = candidates(matcher, "University of Lyon 2, France")
    assert model.probability(bordeaux.features) == pytest.approx(0.9799, abs=5e-4)
    assert model.probability(lyon.features) == pytest.approx(0.8888, abs=5e-4)
    assert model.probability(lyon.features) >= model.threshold


def test_in_a_curated_country_the_rules_decide(matcher):
    found = candidates(matcher, "Mohammed V University, Rabat, Morocco")
    assert [c.curated for c in found] == [True]
    assert choose(found, [0.0], 0.5, matching.DEFAULT_THRESHOLD) == (found[0], 1.0)
    bordeaux = candidates(matcher, "University of Bordeaux, Bordeaux, France")
    assert choose(bordeaux, [0.4], 0.5, matching.DEFAULT_THRESHOLD) is None
    assert choose(bordeaux, [0.6], 0.5, matching.DEFAULT_THRESHOLD) == (bordeaux[0], 0.6)


def test_the_switch():
    assert Matcher(REGISTRY).rerank is None  # the module's USE_RERANKER at the default threshold
    rules, learned = Matcher(REGISTRY, rerank=False), Matcher(REGISTRY, rerank=True)
    for text in ("University of Lyon 2, France", "Mohammed V University, Rabat, Morocco", "Nothing, Nowhere"):
        assert learned.match(text) == rules.match(text)  # where the re-ranker agrees: the rules' answer


def test_the_switch_with_a_model_that_disagrees(monkeypatch):
    n = len(FEATURES)
    units = [0.0] * n
    units[FEATURES.index("university")] = -5.0  # a made-up model preferring anything but a university
    monkeypatch.setattr(
        rerank, "load_reranker", lambda: Reranker(tuple(units), 0.0, (0.5,) * n, (1.0,) * n, 0.5)
    )
    text = "Bordeaux University Hospital, University of Bordeaux, France"
    [by_rules] = Matcher(REGISTRY, rerank=False).match(text)
    by_model = Matcher(REGISTRY, rerank=True).match(text)
    assert by_rules.institution_id == ROR + "bx"  # the ancestor is kept outside curated countries
    assert [m.institution_id for m in by_model] == [ROR + "chu", ROR + "bx"]
    assert by_model[0].reason.endswith("re-ranked (p=0.92)")
    [mohammed] = Matcher(REGISTRY, rerank=True).match("Mohammed V University, Rabat, Morocco")
    assert mohammed.institution_id == ROR + "um5"  # in a curated country the rules decide


def test_a_matcher_without_the_switch_follows_the_module_default(monkeypatch):
    n = len(FEATURES)
    monkeypatch.setattr(
        rerank, "load_reranker", lambda: Reranker((0.0,) * n, -5.0, (0.0,) * n, (1.0,) * n, 0.5)
    )
    m = Matcher(REGISTRY, rerank=False)
    del m.__dict__["rerank"]  # pickled before the switch
    for default, found in ((False, [ROR + "bx"]), (True, [])):  # the made-up model says no to everything
        monkeypatch.setattr(matching, "USE_RERANKER", default)
        assert [x.institution_id for x in m.match("University of Bordeaux, France")] == found
    m.threshold = 0.5  # another threshold than the default: the rules, whose scores it is about
    assert [x.institution_id for x in m.match("University of Bordeaux, France")] == [ROR + "bx"]
    m.rerank = True
    assert m.match("University of Bordeaux, France") == []


def test_on_by_default():
    assert matching.USE_RERANKER is True


@pytest.mark.skipif(not SHARED.exists(), reason="the shared labelled dev data is not here")
def test_the_training_data_is_where_the_trainer_reads_it():
    first = json.loads(SHARED.open(encoding="utf-8").readline())
    assert {"affiliation", "ror_ids", "all_expected_ids_in_registry"} <= first.keys()
    assert rerank.TOP_K >= 1
