"""Known-item relevance: each query of data/relevance_queries.jsonl must rank its record's work in the top 3.

The records are real files of ../shared/data (only those the queries name) and the hand-written
Arabic records of data/arabic_records.csv, imported through the import service, clustered and
indexed as in production. The queries on the CSV alone also run without the shared data.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from django.test import override_settings

from khizana.catalog.models import ImportRun, SourceRecord, Work
from khizana.catalog.services import import_file
from khizana.libraries.models import Library
from khizana.search.services import rebuild_index, search
from khizana.testing import make_library, shared_data_dir

DATA = Path(__file__).parent / "data"
CSV = "arabic_records.csv"
TOP = 3
SHARED = shared_data_dir()
QUERIES = [
    json.loads(line)
    for line in (DATA / "relevance_queries.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]

pytestmark = pytest.mark.django_db


def _path(file: str) -> Path:
    return DATA / file if file == CSV else SHARED / file


def _library_code(file: str) -> str:
    """One library per folder of the shared data (marc21, marcxml, unimarc), one for the CSV."""
    return "RELCSV" if file == CSV else "REL" + file.split("/")[0].upper()[:8]


class _Network:
    """The libraries, works and index of one relevance run; ``expected`` maps (file, local id) -> work id."""

    def __init__(self, files: list[str]):
        started = time.perf_counter()
        self.libraries: dict[str, Library] = {}
        with override_settings(KHIZANA_SYNC_INDEX_ON_COMMIT=False):  # one rebuild at the end instead
            for file in files:
                code = _library_code(file)
                if code not in self.libraries:
                    self.libraries[code] = make_library(code)
                import_file(self.libraries[code], _path(file), cluster=True)
        rebuild_index()
        self.seconds = time.perf_counter() - started
        self.expected: dict[tuple[str, str], int] = {}
        for query in QUERIES:
            key = (query["expect"]["file"], query["expect"]["local_id"])
            if key[0] not in files or key in self.expected:
                continue
            record = SourceRecord.objects.get(library=self.libraries[_library_code(key[0])], local_id=key[1])
            assert record.source_file.endswith(Path(key[0]).name), (key, record.source_file)
            assert record.work_id is not None, key
            self.expected[key] = record.work_id

    def close(self) -> None:
        libraries = list(self.libraries.values())
        Work.objects.filter(records__library__in=libraries).delete()
        SourceRecord.objects.filter(library__in=libraries).delete()
        ImportRun.objects.filter(library__in=libraries).delete()
        for library in libraries:
            library.delete()
        rebuild_index()


def _run_queries(network: _Network, queries: list[dict], label: str) -> None:
    misses = []
    print(f"\n{label}: {len(queries)} queries, corpus loaded and indexed in {network.seconds:.1f} s")
    for query in queries:
        work_id = network.expected[(query["expect"]["file"], query["expect"]["local_id"])]
        results = search(query["query"], filters=query.get("filters"), page_size=20)
        ids = [hit.work_id for hit in results.hits]
        rank = ids.index(work_id) + 1 if work_id in ids else None
        shown = f"#{rank}" if rank else "--"
        print(f"  {shown:>3} of {results.total:<4} {query['query']}   ({query['why']})")
        if rank is None or rank > TOP:
            top = results.hits[:TOP]
            returned = "; ".join(f"{hit.title[:50]} [{hit.work_id}]" for hit in top) or "nothing"
            misses.append(
                f"{query['query']!r} -> {query['expect']['local_id']} (work {work_id}) at "
                f"{'rank ' + str(rank) if rank else 'no rank'} of {results.total}; top {TOP}: {returned}"
                + (f"; notes: {results.notes}" if results.notes else "")
            )
    passed = len(queries) - len(misses)
    print(f"relevance: {passed}/{len(queries)} = {100 * passed / len(queries):.0f}%")
    assert not misses, f"{len(misses)} known-item queries miss the top {TOP}:\n" + "\n".join(misses)


# Runs first (pytest keeps the order of the file): the CSV alone, loaded and removed again before the
# network fixture below is set up.
def test_arabic_records_are_found_without_the_shared_data(django_db_setup, django_db_blocker):
    queries = [q for q in QUERIES if q["expect"]["file"] == CSV]
    assert len(queries) >= 20
    with django_db_blocker.unblock():
        network = _Network([CSV])
        try:
            _run_queries(network, queries, "Arabic records alone")
        finally:
            network.close()


@pytest.fixture(scope="module")
def network(django_db_setup, django_db_blocker):
    files = list(dict.fromkeys(q["expect"]["file"] for q in QUERIES))
    with django_db_blocker.unblock():
        loaded = _Network(files)
        yield loaded
        loaded.close()


@pytest.mark.shared_data
@pytest.mark.skipif(SHARED is None, reason="../shared/data is not here")
def test_known_items_rank_in_the_top_3(network):
    assert len(QUERIES) >= 45
    _run_queries(network, QUERIES, "Known-item queries")
