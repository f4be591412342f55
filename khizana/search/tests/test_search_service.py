"""The search service on a small real catalog: queries, facets, sorting, and index upkeep."""

from collections import Counter

import pytest

from khizana.catalog import clustering
from khizana.catalog.models import SourceRecord, Work
from khizana.catalog.services import import_bytes, import_file
from khizana.search import services
from khizana.search.models import IndexQueue
from khizana.testing import DEMO, make_library

AUSTEN = DEMO / "records" / "UM5" / "marc4j_pride-and-prejudice-subset.mrc"
AUSTEN_OTHER = DEMO / "records" / "BPLPO" / "marc4j_pride-and-prejudice-subset.mrc"
FRENCH = DEMO / "records" / "BNRM" / "evergreen_lul_fre_500-subset.mrc"
ARABIC = DEMO / "records" / "BNRM" / "openlibrary_880_arabic_french_many_linkages.mrc"


@pytest.fixture
def catalog(db):
    um5, oran, bnrm = (
        make_library("UM5"),
        make_library("BPLPO", kind="public", country="DZ"),
        make_library("BNRM"),
    )
    import_file(um5, AUSTEN)
    import_file(oran, AUSTEN_OTHER)
    import_file(bnrm, FRENCH)
    import_file(bnrm, ARABIC)
    services.rebuild_index()
    return {"UM5": um5, "BPLPO": oran, "BNRM": bnrm}


def test_words_find_works_and_every_hit_matches(catalog):
    results = services.search("pride prejudice")
    assert results.total > 20
    assert all("pride" in hit.title.lower() for hit in results.hits)
    assert any(part.match for part in results.hits[0].title_highlighted)


def test_facet_counts_cover_the_whole_result_set(catalog):
    results = services.search("pride prejudice", page_size=5)
    matching = Work.objects.filter(id__in=_all_ids("pride prejudice"))
    expected = Counter(
        code for libraries in matching.values_list("libraries", flat=True) for code in libraries
    )
    assert dict(results.facets["library"]) == dict(expected)
    assert (
        sum(count for _, count in results.facets["decade"])
        == results.total - matching.filter(year=None).count()
    )


def test_values_of_one_facet_combine_with_or_and_facets_with_and(catalog):
    both = services.search("pride prejudice", {"library": ["UM5", "BPLPO"]})
    um5 = services.search("pride prejudice", {"library": ["UM5"]})
    oran = services.search("pride prejudice", {"library": ["BPLPO"]})
    assert max(um5.total, oran.total) <= both.total <= um5.total + oran.total
    assert dict(um5.facets["library"]) == dict(both.facets["library"])  # own facet not narrowed
    narrowed = services.search("pride prejudice", {"library": ["UM5"], "decade": ["1990"]})
    assert narrowed.total == dict(um5.facets["decade"])["1990"]


def test_sorting_by_year_and_title(catalog):
    newest = services.search("pride", sort="year").hits
    assert [h.year for h in newest] == sorted((h.year for h in newest), reverse=True)
    oldest = services.search("pride", sort="year_asc").hits
    assert oldest[0].year <= newest[-1].year


def test_paging_walks_the_results_once(catalog):
    first = services.search("pride prejudice", page=1, page_size=10)
    second = services.search("pride prejudice", page=2, page_size=10)
    assert not {h.work_id for h in first.hits} & {h.work_id for h in second.hits}
    assert first.pages == -(-first.total // 10)


@pytest.mark.parametrize(
    "query", ['"pride', "title:", "year:abc", "-", "OR OR", "((pride", 'author:"', "ﷺ::"]
)
def test_malformed_queries_degrade_and_say_how_they_were_read(catalog, query):
    results = services.search(query)
    assert results.read_as
    assert isinstance(results.total, int)


def test_exclusion_and_field_prefixes(catalog):
    everything = services.search("pride prejudice").total
    without = services.search("pride prejudice -fiction")
    assert without.total < everything
    by_author = services.search("author:austen pride")
    assert by_author.total > 0 and all("Austen" in " ".join(h.authors) for h in by_author.hits)


def test_arabic_query_finds_the_record_by_its_880_fields(catalog):
    record = SourceRecord.objects.get(library=catalog["BNRM"], source_file=ARABIC.name)
    arabic_title = record.fields["parallel_titles"][0]
    results = services.search(arabic_title.split()[0] + " " + arabic_title.split()[-1])
    assert record.work_id in [h.work_id for h in results.hits[:3]]


def test_a_typo_is_forgiven_and_corrected(catalog):
    results = services.search("pride prejudise")
    assert results.total > 0 and results.fuzzy
    assert results.did_you_mean == "pride prejudice"


def test_imports_update_the_index_after_commit(catalog, django_capture_on_commit_callbacks):
    library = catalog["BNRM"]
    before = services.search("marc9").total
    with django_capture_on_commit_callbacks(execute=True):
        import_file(library, DEMO / "records" / "BNRM" / "yaz_marc9.marc")
    assert not IndexQueue.objects.exists()
    work = SourceRecord.objects.get(library=library, source_file="yaz_marc9.marc").work
    title_word = work.title.split()[0]
    assert work.id in [h.work_id for h in services.search(f'title:"{title_word}"', page_size=50).hits]

    record = work.records.first()
    deletion = bytearray(bytes(record.raw))
    deletion[5:6] = b"d"
    with django_capture_on_commit_callbacks(execute=True):
        import_bytes(library, bytes(deletion), "deletions.mrc")
    assert work.id not in [h.work_id for h in services.search(f'title:"{title_word}"', page_size=50).hits]
    assert services.search("marc9").total == before


def test_queued_changes_survive_a_failed_sync(catalog):
    """A crash between the database commit and the index commit leaves the works queued."""
    work = Work.objects.filter(title__icontains="pride").first()
    Work.objects.filter(pk=work.pk).update(title="Orgueil et préjugés")
    services.queue_works(Work, [work.pk])  # what clustering does; the on-commit sync never runs here
    assert IndexQueue.objects.filter(work_id=work.pk).exists()
    assert work.pk not in [h.work_id for h in services.search("orgueil prejuges").hits]
    assert services.sync_index() == 1
    assert not IndexQueue.objects.exists()
    assert work.pk in [h.work_id for h in services.search("orgueil prejuges").hits]


def test_rebuild_switches_generation_and_keeps_one(catalog, settings):
    first = services.index_status().generation
    services.rebuild_index()
    status = services.index_status()
    assert status.generation != first and status.documents == Work.objects.count()
    generations = list((settings.DATA_DIR / "search").glob("gen-*"))
    assert [g.name for g in generations] == [status.generation]


def test_reclustering_requeues_changed_works(catalog):
    IndexQueue.objects.all().delete()
    record = SourceRecord.objects.filter(work__library_count=2).first()
    record.cluster_dirty = True
    record.save(update_fields=["cluster_dirty"])
    clustering.recluster_dirty()
    assert IndexQueue.objects.filter(work_id=record.work_id).exists()


def _all_ids(query):
    results = services.search(query, page_size=1000)
    return [h.work_id for h in results.hits]


def test_parallel_rebuild_gives_the_same_index(catalog, monkeypatch):
    serial = services.search("pride prejudice", page_size=1000)
    monkeypatch.setattr(services, "PARALLEL_REBUILD_FROM", 1)
    monkeypatch.setattr(services, "REBUILD_WORKERS", 2)
    assert services.rebuild_index() == Work.objects.count()
    parallel = services.search("pride prejudice", page_size=1000)
    # Equal scores may come back in another order: documents land in other segments.
    assert sorted((round(h.score, 4), h.work_id) for h in parallel.hits) == sorted(
        (round(h.score, 4), h.work_id) for h in serial.hits
    )
    assert parallel.total == serial.total and parallel.facets == serial.facets


def test_page_size_and_depth_are_bounded(catalog):
    results = services.search("pride", page=10**9, page_size=10**9)
    assert results.page_size == services.MAX_PAGE_SIZE
    assert results.page * results.page_size <= services.MAX_OFFSET


def test_facet_counts_are_exact_beyond_the_counting_slots(catalog):
    """Works with more values than a facet's slots (engine.FACET_SLOTS) are counted through overflow."""
    works = list(Work.objects.order_by("id"))
    for i, work in enumerate(works):
        work.libraries = [f"L{(i + k) % 9}" for k in range(i % 8)]  # 0 to 7 libraries
        work.languages = ["fre", "eng", "ara", "ber"][: i % 5]
        work.availability = ["on_shelf", "digital"][: i % 3]
        work.subjects = [f"Subject {(i * k) % 11}" for k in range(1, i % 6 + 1)]
    Work.objects.bulk_update(works, ["libraries", "languages", "availability", "subjects"])
    services.rebuild_index()
    for filters in [{}, {"library": ["L3"]}, {"library": ["L3", "L8"], "language": ["ara"]}]:
        results = services.search("", filters)
        for facet, column in [("library", "libraries"), ("language", "languages"), ("subject", "subjects")]:
            narrowed = {k: v for k, v in filters.items() if k != facet}
            expected = Counter(
                value
                for work in works
                if _matches(work, narrowed)
                for value in dict.fromkeys(getattr(work, column))
            )
            shown = dict(results.facets[facet])
            assert shown == {k: v for k, v in expected.items() if k in shown}, (facet, filters)
            assert len(shown) == min(len(expected), services.FACETS[facet][1])


def _matches(work: Work, filters: dict[str, list[str]]) -> bool:
    columns = {"library": work.libraries, "language": work.languages}
    return all(set(values) & set(columns[facet]) for facet, values in filters.items())


def test_an_index_of_an_older_schema_is_rebuilt_by_the_next_sync(catalog, settings):
    location = services._handle.location()
    (location.current() / "SCHEMA").write_text("1\n")  # as written by an earlier Khizana
    services._handle.forget()
    assert location.current() is None
    assert services.search("pride").total == 0  # says the index is not built, never fails
    assert services.sync_index() == Work.objects.count()
    assert services.search("pride prejudice").total > 20


def test_facets_can_be_left_out_when_only_hits_are_wanted(catalog):
    full = services.search("pride prejudice", page_size=5)
    bare = services.search("pride prejudice", page_size=5, facets=False)
    assert bare.facets == {} and full.facets["library"]
    assert [h.work_id for h in bare.hits] == [h.work_id for h in full.hits] and bare.total == full.total


def test_facet_counts_of_a_repeated_query_are_cached_until_the_index_changes(
    catalog, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services._facet_cache, "min_seconds", 0)  # the test catalog's queries are cheap
    counted = []
    aggregate = services._aggregate_facets
    monkeypatch.setattr(services, "_aggregate_facets", lambda *a: counted.append(1) or aggregate(*a))
    first = services.search("pride prejudice")
    again = services.search("pride prejudice", page=2)
    assert len(counted) == 1 and again.facets == first.facets and again.total == first.total
    services.search("pride prejudice", {"library": ["UM5"]})
    assert len(counted) == 3  # another query: the filtered pass and the library facet's own pass

    with django_capture_on_commit_callbacks(execute=True):  # the index changes: counted afresh
        import_file(catalog["BNRM"], AUSTEN)
    after = services.search("pride prejudice")
    assert len(counted) == 4
    assert dict(after.facets["library"])["BNRM"] > dict(first.facets["library"]).get("BNRM", 0)


def test_ranked_pages_of_a_repeated_costly_query_are_cached_until_the_index_changes(
    catalog, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services._ranking_cache, "min_seconds", 0)  # the test catalog's queries are cheap
    ranked = []
    rank = services._rank
    monkeypatch.setattr(services, "_rank", lambda *a: ranked.append(1) or rank(*a))
    first = services.search("pride prejudice")
    again = services.search("pride prejudice")
    assert len(ranked) == 1 and [h.work_id for h in again.hits] == [h.work_id for h in first.hits]
    services.search("pride prejudice", page=2)
    services.search("pride prejudice", sort="year")
    assert len(ranked) == 3  # another page, another order: ranked afresh

    with django_capture_on_commit_callbacks(execute=True):  # the index changes: ranked afresh
        import_file(catalog["BNRM"], AUSTEN)
    services.search("pride prejudice")
    assert len(ranked) == 4


@pytest.mark.parametrize("query", ["pride prejudice", ""])  # "": every work, equally scored
def test_pages_follow_one_order_no_work_twice_none_skipped(catalog, query):
    whole = [h.work_id for h in services.search(query, page_size=200, facets=False).hits]
    assert len(whole) > 30
    paged = []
    for page in range(1, 200 // 8 + 1):
        paged += [h.work_id for h in services.search(query, page=page, page_size=8, facets=False).hits]
    assert len(set(paged)) == len(paged)
    assert paged == whole
