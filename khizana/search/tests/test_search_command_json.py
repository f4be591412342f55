"""`khizana search --json --page-size N` (issue 14), run as an operator runs it on the demo network: the
hits (work id, title, authors, year, libraries, score), the total and the facets as one JSON object; a
page size outside 1..MAX_PAGE_SIZE, an unknown facet or a page past the deepest one is wrong usage (2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from khizana.search.services import FACETS, MAX_OFFSET, MAX_PAGE_SIZE
from khizana.testing import REPO
from tests.support import demo_installation

ENTRY_POINT = Path(sys.executable).with_name("khizana")  # .venv/bin/khizana


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    installation = demo_installation(tmp_path_factory.mktemp("demo") / "data")
    yield installation
    installation.close()


def search(demo, *args: str) -> subprocess.CompletedProcess:
    command = [str(ENTRY_POINT)] if ENTRY_POINT.exists() else [sys.executable, "-m", "khizana"]
    return subprocess.run(
        [*command, "search", *args], env=demo.env, cwd=REPO, capture_output=True, text=True, timeout=300
    )


def search_json(demo, *args: str) -> dict:
    result = search(demo, *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_json_gives_the_hits_the_total_and_the_facets(demo):
    found = search_json(demo, "--page-size", "7")
    assert found["page_size"] == 7
    assert found["page"] == 1
    assert found["total"] > 7
    assert len(found["hits"]) == 7
    codes = {code for (code,) in demo.query("SELECT code FROM libraries_library")}
    works = {work_id for (work_id,) in demo.query("SELECT id FROM catalog_work")}
    for hit in found["hits"]:
        assert set(hit) == {"work_id", "title", "authors", "year", "libraries", "score"}
        assert hit["work_id"] in works
        assert isinstance(hit["title"], str) and hit["title"]
        assert all(isinstance(author, str) for author in hit["authors"])
        assert hit["year"] is None or isinstance(hit["year"], int)
        assert hit["libraries"] and set(hit["libraries"]) <= codes
        assert isinstance(hit["score"], int | float)
    assert set(found["facets"]) == set(FACETS)
    libraries = {entry["value"]: entry["count"] for entry in found["facets"]["library"]}
    assert set(libraries) <= codes
    assert max(libraries.values()) <= found["total"]


def test_json_pages_through_the_same_ranking_as_the_text_output(demo):
    first_two_pages = search_json(demo, "histoire", "--page-size", "4", "--sort", "title")
    assert first_two_pages["query"] == "histoire"
    assert len(first_two_pages["hits"]) == 4
    second = search_json(demo, "histoire", "--page-size", "2", "--page", "2", "--sort", "title")
    assert [h["work_id"] for h in second["hits"]] == [h["work_id"] for h in first_two_pages["hits"][2:4]]
    text = search(demo, "histoire", "--page-size", "4", "--sort", "title")
    assert text.returncode == 0
    listed = [int(line.split()[0]) for line in text.stdout.splitlines()[1:] if line.split()[0].isdigit()]
    assert listed == [h["work_id"] for h in first_two_pages["hits"]]


def test_a_filter_on_a_facet_narrows_the_json_results(demo):
    everything = search_json(demo)
    library, count = next(
        (entry["value"], entry["count"]) for entry in everything["facets"]["library"] if entry["count"] > 1
    )
    narrowed = search_json(demo, "--facet", f"library={library}", "--page-size", str(MAX_PAGE_SIZE))
    assert narrowed["total"] == count
    assert all(library in hit["libraries"] for hit in narrowed["hits"])


@pytest.mark.parametrize("size", ["0", "-1", str(MAX_PAGE_SIZE + 1), "ten"])
def test_a_page_size_out_of_range_is_wrong_usage(demo, size):
    result = search(demo, "--json", "--page-size", size)
    assert result.returncode == 2
    assert "argument --page-size:" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--facet", "colour=red"], "no facet 'colour'"),
        (["--facet", "library"], "expected NAME=VALUE"),
        (["--page", str(MAX_OFFSET // 10 + 1), "--page-size", "10"], f"past the first {MAX_OFFSET} works"),
    ],
)
def test_other_wrong_usage_exits_with_2(demo, args, message):
    result = search(demo, "--json", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
