"""Similar works: the scoring, the stored lists, their refresh when works change, the work page."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from khizana.ai.models_similar import RefreshQueue, SimilarWork
from khizana.ai.similar import SimilarityIndex, WorkFeatures, broader_classes
from khizana.ai.similar_services import compute_similar, describe_reasons, refresh_queued
from khizana.catalog.models import SourceRecord, Work
from khizana.catalog.services import delete_records, import_file
from khizana.testing import DEMO, make_library

FRENCH = DEMO / "records" / "BNRM" / "evergreen_lul_fre_500-subset.mrc"
AUSTEN = DEMO / "records" / "UM5" / "marc4j_pride-and-prejudice-subset.mrc"
ARABIC = DEMO / "records" / "BNRM" / "aco_romanised_880-subset.mrc"


def _works():
    return [
        WorkFeatures(1, ["Maroc -- Histoire"], ["Laroui, Abdallah"], ["ddc:964.02"], "Histoire du Maghreb"),
        WorkFeatures(2, ["Maroc -- Histoire"], ["Autre, Auteur"], ["ddc:964.05"], "Le Maroc colonial"),
        WorkFeatures(3, ["Cuisine"], ["Laroui, Abdallah"], ["ddc:641.5"], "Recettes"),
        WorkFeatures(4, ["Poésie"], ["Poète, Un"], ["ddc:841"], "Histoire du Maghreb en vers"),
        WorkFeatures(5, ["Chimie"], ["Chimiste, Une"], ["ddc:540"], "Traité"),
    ]


def test_shared_headings_and_classes_weigh_more_than_shared_words():
    index = SimilarityIndex(_works(), max_share=1.0, min_postings=10)
    found = index.similar_to(1, limit=4)
    assert [s.id for s in found][:1] == [2]  # same heading, same class up to ddc:964
    assert 5 not in {s.id for s in found}  # nothing shared: never a candidate
    assert found[0].reasons["headings"] == ["Maroc -- Histoire"]
    assert found[0].reasons["classes"] == ["ddc:964.0"]  # the narrowest shared class only
    by_author = next(s for s in found if s.id == 3)
    assert by_author.reasons == {"authors": ["Laroui, Abdallah"]}
    by_words = next(s for s in found if s.id == 4)
    assert set(by_words.reasons["words"]) == {"histoire", "maghreb"}
    assert found == sorted(found, key=lambda s: -s.score) and all(0 < s.score <= 1 for s in found)
    assert index.similar_to(1, limit=4, exclude=[2])[0].id != 2
    assert index.similar_to(99) == []


def test_features_carried_by_too_many_works_are_ignored():
    works = [WorkFeatures(i, ["Commun"], [], [], f"titre{i}") for i in range(30)]
    assert SimilarityIndex(works, max_share=0.5, min_postings=10).similar_to(0) == []
    assert SimilarityIndex(works, max_share=1.0, min_postings=10).similar_to(0, limit=3)


def test_broader_classes():
    assert broader_classes("ddc:330.94") == [
        ("ddc:330.94", 1.0),
        ("ddc:330.9", 0.5),
        ("ddc:330", 0.25),
        ("ddc:33", 0.125),
    ]
    assert broader_classes("udc:94(64)") == [("udc:94(64)", 1.0), ("udc:94", 0.5)]
    assert broader_classes("lcc:hb171.5") == [("lcc:HB171.5", 1.0), ("lcc:HB", 0.5)]
    assert broader_classes("ddc:") == []


def test_reasons_are_said_in_the_page_language():
    from django.utils import translation

    reasons = {"headings": ["Maroc"], "authors": ["Laroui, Abdallah"], "classes": ["ddc:964"], "words": ["x"]}
    with translation.override("en"):
        assert describe_reasons(reasons) == [
            "shared subjects: Maroc",
            "same author: Laroui, Abdallah",
            "same class: Dewey 964",
            "shared words: x",
        ]


@pytest.fixture
def catalog(db, settings):
    settings.KHIZANA_AI_SIMILAR_COUNT = 5
    bnrm, um5 = make_library("BNRM"), make_library("UM5")
    import_file(bnrm, FRENCH)
    import_file(bnrm, ARABIC)
    import_file(um5, AUSTEN)
    RefreshQueue.objects.all().delete()
    return {"BNRM": bnrm, "UM5": um5}


def _shares_subject_or_class(work: Work, other: Work) -> bool:
    classes = {c.split(".")[0][:7] for c in work.classification}
    return bool(set(work.subjects) & set(other.subjects)) or bool(
        classes & {c.split(".")[0][:7] for c in other.classification}
    )


def test_lists_are_stored_per_work_with_why_and_mostly_share_a_subject_or_class(catalog):
    run = compute_similar()
    assert run.works == Work.objects.count() and run.with_similar > 0.8 * run.works
    rows = SimilarWork.objects.select_related("work", "similar")
    assert rows.count() == run.pairs and all(r.work_id != r.similar_id for r in rows)
    assert all(r.reasons for r in rows)
    ranks = list(rows.filter(work_id=rows.first().work_id).values_list("rank", flat=True))
    assert ranks == list(range(1, len(ranks) + 1)) and len(ranks) <= 5
    with_subjects = [r for r in rows if r.work.subjects and r.rank == 1]
    sharing = sum(_shares_subject_or_class(r.work, r.similar) for r in with_subjects)
    assert sharing >= 0.6 * len(with_subjects)
    arabic = next(w for w in Work.objects.all() if "الادب العربي" in w.subjects)
    first = SimilarWork.objects.filter(work=arabic).select_related("similar").first()
    assert first is not None and "headings" in first.reasons  # Arabic headings match too
    assert any(h.startswith("الادب العربي") for h in first.similar.subjects)
    again = compute_similar()
    assert again.pairs == run.pairs  # the lists are replaced, never piled up


def test_changed_works_are_queued_and_refreshed_and_deleted_ones_leave_the_lists(catalog):
    compute_similar()
    pair = SimilarWork.objects.filter(rank=1).select_related("similar").first()
    gone = pair.similar
    records = list(SourceRecord.objects.filter(work=gone))
    library = records[0].library
    delete_records(library, [r.local_id for r in records])
    queued = set(RefreshQueue.objects.values_list("work_id", flat=True))
    assert gone.id in queued
    run = refresh_queued()
    assert run.works == len(queued) and run.similar_lists >= 1
    assert not RefreshQueue.objects.exists()
    assert not SimilarWork.objects.filter(similar_id=gone.id).exists()
    assert not SimilarWork.objects.filter(similar=None).exists()  # the lists that lost it were refilled
    assert SimilarWork.objects.filter(work_id=pair.work_id).exists()
    assert refresh_queued().works == 0


def test_a_commit_refreshes_at_once_when_asked(catalog, settings, django_capture_on_commit_callbacks):
    settings.KHIZANA_AI_REFRESH_ON_COMMIT = True
    library = make_library("IMIST")
    with django_capture_on_commit_callbacks(execute=True):
        import_file(library, ARABIC)
    assert not RefreshQueue.objects.exists()  # the job ran (huey is immediate in the tests)
    changed = set(SourceRecord.objects.filter(library=library).values_list("work_id", flat=True))
    assert SimilarWork.objects.filter(work_id__in=changed).values("work_id").distinct().count() >= 0.8 * len(
        changed
    )


def test_the_work_page_shows_similar_works_with_why_in_its_language(catalog, client):
    compute_similar()
    pair = SimilarWork.objects.filter(reasons__has_key="headings").select_related("similar").first()
    client.cookies["django_language"] = "fr"
    page = client.get(f"/work/{pair.work_id}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'aria-labelledby="similar-works"' in html and f'href="/work/{pair.similar_id}/"' in html
    client.cookies["django_language"] = "en"
    html = client.get(f"/work/{pair.work_id}/").content.decode()
    assert "Readers may also look at" in html and "shared subjects:" in html
    lonely = Work.objects.exclude(id__in=SimilarWork.objects.values("work_id")).first()
    if lonely is not None:
        assert "similar-works" not in client.get(f"/work/{lonely.id}/").content.decode()


def test_the_command_computes_and_shows(catalog):
    out = StringIO()
    call_command("similar", "compute", stdout=out)
    assert "pairs stored" in out.getvalue()
    work_id = SimilarWork.objects.values_list("work_id", flat=True).first()
    out = StringIO()
    call_command("similar", "show", str(work_id), stdout=out)
    assert len(out.getvalue().splitlines()) >= 2
    with pytest.raises(CommandError, match="No work with the id 0"):
        call_command("similar", "show", "0")
