"""The clustering fills the review queue; a staff answer empties it and outranks the rules (issue 14)."""

import pymarc

from khizana.catalog import review
from khizana.catalog.models import MatchDecision, MatchReview, SourceRecord
from khizana.catalog.services import import_bytes
from khizana.testing import make_user


def marc(local_id: str, year: str, edition: str = "") -> bytes:
    record = pymarc.Record(force_utf8=True)
    record.leader = pymarc.Leader("00000nam a2200000 a 4500")
    record.add_field(
        pymarc.Field(tag="001", data=local_id),
        pymarc.Field(tag="008", data=f"970909s{year}    fr            000 0 fre d"),
        pymarc.Field("010", [" ", " "], [pymarc.Subfield("a", "08012345")]),
        pymarc.Field("100", ["1", " "], [pymarc.Subfield("a", "Mouliéras, Auguste")]),
        pymarc.Field("245", ["1", "3"], [pymarc.Subfield("a", "Le Maroc inconnu")]),
        pymarc.Field("260", [" ", " "], [pymarc.Subfield("b", "Challamel"), pymarc.Subfield("c", year)]),
    )
    if edition:
        record.add_field(pymarc.Field("250", [" ", " "], [pymarc.Subfield("a", edition)]))
    return record.as_marc()


def test_a_conflict_is_queued_and_a_staff_answer_joins_the_records(library_a, library_b):
    import_bytes(library_a, marc("a1", "1907"), "a.mrc")
    import_bytes(library_b, marc("b1", "1918", "2e éd. revue et augmentée"), "b.mrc")
    first, second = SourceRecord.objects.get(local_id="a1"), SourceRecord.objects.get(local_id="b1")
    assert first.work_id != second.work_id
    (pair,) = MatchReview.objects.all()
    assert (pair.kind, pair.reasons) == ("conflict", ["shared=lccn|08012345", "years=1907|1918"])

    # re-importing one side rewrites the queue: still one pair, not two
    import_bytes(library_b, marc("b1", "1918", "2e éd. revue et augmentée, corrigée"), "b2.mrc")
    assert MatchReview.objects.count() == 1

    staff = make_user("cataloguer-a", library=library_a, role="cataloguer")
    review.decide(staff, MatchReview.objects.get().id, "same")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.work_id == second.work_id
    assert not MatchReview.objects.exists()
    assert MatchDecision.objects.filter(manual=True, verdict="same").count() == 1


def test_different_editions_answered_stay_apart_and_leave_the_queue(library_a, library_b):
    import_bytes(library_a, marc("a1", "1907"), "a.mrc")
    import_bytes(library_b, marc("b1", "1918"), "b.mrc")
    staff = make_user("cataloguer-b", library=library_b, role="cataloguer")
    review.decide(staff, MatchReview.objects.get().id, "different")
    import_bytes(library_a, marc("a1", "1908"), "a2.mrc")  # a change re-clusters the pair
    assert not MatchReview.objects.exists()
    assert SourceRecord.objects.get(local_id="a1").work_id != SourceRecord.objects.get(local_id="b1").work_id


def test_the_reasons_are_put_into_words_in_the_readers_language(library_a, library_b):
    from django.utils import translation

    import_bytes(library_a, marc("a1", "1907"), "a.mrc")
    import_bytes(library_b, marc("b1", "1918"), "b.mrc")
    pair = MatchReview.objects.get()
    with translation.override("en"):
        assert pair.reason_texts() == [
            "both records carry lccn 08012345",
            "but their years differ: 1907 and 1918",
        ]
    with translation.override("fr"):
        assert pair.reason_texts() != pair.reasons
