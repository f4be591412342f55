"""The review queue of candidate duplicates: the service (scope, order, answers) and the staff pages over
HTTP, with forged requests (another library's staff, a reader, no CSRF token, a bad verdict, an unknown
pair). The pairs are made here: the clustering that fills the queue is tested with it."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import translation

from khizana.accounts.models import AuditEntry
from khizana.catalog import review
from khizana.catalog.models import MatchDecision, MatchReview, SourceRecord


def client_for(user, *, strict: bool = False) -> Client:
    client = Client(enforce_csrf_checks=strict)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def pairs(catalog):
    """Three pairs: A with A (conflict), A with B (near), B with B (near); the records of A and B."""
    a1, a2 = SourceRecord.objects.filter(library=catalog["a"], source_file="xbib_IRMARC8.mrc").order_by("id")[
        :2
    ]
    b1, b2 = SourceRecord.objects.filter(library=catalog["b"], source_file="medialab_cotesBR.mrc").order_by(
        "id"
    )[:2]
    assert a1.work_id != a2.work_id and b1.work_id != b2.work_id
    return {
        "aa": MatchReview.objects.create(
            record_a=a1,
            record_b=a2,
            kind="conflict",
            score=0.62,
            reasons=["ISBN shared", "years 1999 and 2004"],
        ),
        "ab": MatchReview.objects.create(
            record_a=a1, record_b=b1, kind="near", score=0.81, reasons=["same title", "publisher differs"]
        ),
        "bb": MatchReview.objects.create(
            record_a=b1, record_b=b2, kind="near", score=0.77, reasons=["same title"]
        ),
        "records": {"a1": a1, "a2": a2, "b1": b1, "b2": b2},
    }


def _snapshot():
    return (
        sorted(MatchReview.objects.values_list("id", flat=True)),
        MatchDecision.objects.filter(manual=True).count(),
        list(SourceRecord.objects.order_by("id").values_list("id", "work_id")),
        AuditEntry.objects.count(),
    )


def _token(client, review_id: int) -> str:
    page = client.get(reverse("staff:review-pair", args=[review_id])).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


# --- the service ------------------------------------------------------------------------------------


def test_the_queue_holds_the_pairs_of_the_users_libraries_conflicts_first(users, pairs):
    ids = {name: pairs[name].pk for name in ("aa", "ab", "bb")}
    assert list(review.queue_for(users["cataloguer_a"]).values_list("id", flat=True)) == [
        ids["aa"],
        ids["ab"],
    ]
    assert list(review.queue_for(users["cataloguer_b"]).values_list("id", flat=True)) == [
        ids["ab"],
        ids["bb"],
    ]
    assert list(review.queue_for(users["network_admin"]).values_list("id", flat=True)) == [
        ids["aa"],  # conflicts first
        ids["ab"],  # then the nearest: 0.81
        ids["bb"],  # 0.77
    ]
    assert list(review.queue_for(users["network_admin"], "near").values_list("id", flat=True)) == [
        ids["ab"],
        ids["bb"],
    ]
    assert not review.queue_for(users["reader"]).exists()
    assert not review.queue_for(None).exists()
    with pytest.raises(review.ReviewError):
        review.queue_for(users["network_admin"], "maybe")


def test_a_pair_with_a_deleted_record_leaves_the_queue(users, pairs):
    SourceRecord.objects.filter(pk=pairs["records"]["a2"].pk).update(deleted=True)
    assert list(review.queue_for(users["cataloguer_a"])) == [pairs["ab"]]
    with translation.override("en"), pytest.raises(review.ReviewError, match="deleted"):
        review.decide(users["cataloguer_a"], pairs["aa"].pk, "same")
    assert MatchReview.objects.filter(pk=pairs["aa"].pk).exists()


def test_decide_refuses_a_bad_verdict_an_unknown_pair_and_another_librarys_pair(users, pairs):
    before = _snapshot()
    with pytest.raises(review.ReviewError, match="same"):
        review.decide(users["cataloguer_a"], pairs["aa"].pk, "maybe")
    for unknown in (999999, "x", None):
        with pytest.raises(review.UnknownReviewError):
            review.decide(users["cataloguer_a"], unknown, "same")
    with pytest.raises(PermissionDenied):
        review.decide(users["cataloguer_b"], pairs["aa"].pk, "same")
    with pytest.raises(PermissionDenied):
        review.decide(users["reader"], pairs["aa"].pk, "different")
    assert _snapshot() == before


def test_same_puts_the_two_records_in_one_work_and_is_audited(users, pairs):
    a1, a2 = pairs["records"]["a1"], pairs["records"]["a2"]
    decision = review.decide(users["cataloguer_a"], pairs["aa"].pk, "same", note="  same print run  ")
    assert decision.manual and decision.verdict == "same" and decision.created_by == users["cataloguer_a"]
    assert decision.note == "same print run" and {decision.record_a_id, decision.record_b_id} == {
        a1.pk,
        a2.pk,
    }
    assert not MatchReview.objects.filter(pk=pairs["aa"].pk).exists()
    a1.refresh_from_db()
    a2.refresh_from_db()
    assert a1.work_id == a2.work_id and not a1.cluster_dirty and not a2.cluster_dirty
    entry = AuditEntry.objects.latest("id")
    assert entry.action == "review-decision" and entry.user == users["cataloguer_a"]
    assert entry.library_id == a1.library_id and entry.details["verdict"] == "same"
    assert entry.details["records"] == [a1.pk, a2.pk] and entry.details["kind"] == "conflict"


def test_a_pair_across_libraries_is_audited_under_the_users_own_library(users, pairs, catalog):
    review.decide(users["cataloguer_b"], pairs["ab"].pk, "different")
    entry = AuditEntry.objects.latest("id")
    assert entry.library == catalog["b"] and entry.user == users["cataloguer_b"]
    decision = MatchDecision.objects.get(manual=True)
    assert decision.verdict == "different"


def test_different_takes_two_records_of_one_work_apart(users, catalog):
    # The record both libraries sent (yaz_marc9.marc) is one work.
    a = SourceRecord.objects.get(library=catalog["a"], source_file="yaz_marc9.marc")
    b = SourceRecord.objects.get(library=catalog["b"], source_file="yaz_marc9.marc")
    assert a.work_id == b.work_id
    pair = MatchReview.objects.create(
        record_a=a, record_b=b, kind="conflict", score=0.9, reasons=["LCCN shared"]
    )
    review.decide(users["network_admin"], pair.pk, "different")
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.work_id != b.work_id
    assert not MatchReview.objects.exists()


def test_compare_shows_the_fields_side_by_side(pairs):
    rows = {row["name"]: row for row in review.compare(pairs["ab"])}
    assert rows["title"]["a"] == [pairs["records"]["a1"].title]
    assert set(rows) <= set(review.COMPARED_FIELDS)
    assert all(row["differs"] == (row["a"] != row["b"]) for row in rows.values())


# --- the pages --------------------------------------------------------------------------------------


def test_the_list_shows_the_users_pairs_with_their_kind_filter(users, pairs):
    client = client_for(users["cataloguer_a"])
    html = client.get(reverse("staff:review-list")).content.decode()
    for name in ("aa", "ab"):
        assert reverse("staff:review-pair", args=[pairs[name].pk]) in html
    assert reverse("staff:review-pair", args=[pairs["bb"].pk]) not in html
    assert html.index(reverse("staff:review-pair", args=[pairs["aa"].pk])) < html.index(
        reverse("staff:review-pair", args=[pairs["ab"].pk])
    )
    near = client.get(reverse("staff:review-list"), {"kind": "near"}).content.decode()
    assert reverse("staff:review-pair", args=[pairs["ab"].pk]) in near
    assert reverse("staff:review-pair", args=[pairs["aa"].pk]) not in near
    assert '<option value="near" selected>' in near
    # an unknown kind is no filter (and no error)
    assert client.get(reverse("staff:review-list"), {"kind": "<x>"}).status_code == 200
    # the network administrator filters by library
    admin = client_for(users["network_admin"])
    only_b = admin.get(reverse("staff:review-list"), {"library": "LIBB"}).content.decode()
    assert reverse("staff:review-pair", args=[pairs["bb"].pk]) in only_b
    assert reverse("staff:review-pair", args=[pairs["aa"].pk]) not in only_b


def test_the_list_is_paginated(users, catalog):
    records = list(SourceRecord.objects.filter(library=catalog["a"]).order_by("id"))
    pairs = [(x, y) for i, x in enumerate(records) for y in records[i + 1 :]][:30]
    for number, (x, y) in enumerate(pairs):
        MatchReview.objects.create(record_a=x, record_b=y, kind="near", score=0.5 + number / 100)
    client = client_for(users["cataloguer_a"])
    first = client.get(reverse("staff:review-list"), {"kind": "near"})
    assert first.status_code == 200 and len(first.context["page"].object_list) == 25
    html = first.content.decode()
    assert "page=2" in html and "kind=near" in html
    second = client.get(reverse("staff:review-list"), {"kind": "near", "page": "2"})
    assert len(second.context["page"].object_list) == 5
    assert client.get(reverse("staff:review-list"), {"page": "x"}).status_code == 200


def test_the_pair_page_shows_both_records_and_the_two_answers(users, pairs):
    pair = pairs["ab"]
    html = (
        client_for(users["cataloguer_a"]).get(reverse("staff:review-pair", args=[pair.pk])).content.decode()
    )
    a1, b1 = pairs["records"]["a1"], pairs["records"]["b1"]
    for record in (a1, b1):
        assert f"{record.library.code}:{record.local_id}" in html
        assert record.library.name in html
    assert "same title" in html and "publisher differs" in html
    assert "0,81" in html or "0.81" in html
    assert f'action="{reverse("staff:review-decide", args=[pair.pk])}"' in html
    assert 'name="verdict" value="same"' in html and 'name="verdict" value="different"' in html
    assert "csrfmiddlewaretoken" in html
    # A's record opens in the staff space, B's only as it was sent (its staff page is B's)
    assert f'href="{reverse("staff:record", args=[a1.pk])}"' in html
    assert f'href="{reverse("staff:record", args=[b1.pk])}"' not in html
    assert reverse("source-record-raw", args=[b1.pk]) in html


def test_the_answer_through_the_form(users, pairs):
    client = client_for(users["cataloguer_a"], strict=True)
    token = _token(client, pairs["aa"].pk)
    response = client.post(
        reverse("staff:review-decide", args=[pairs["aa"].pk]),
        {"csrfmiddlewaretoken": token, "verdict": "same", "note": "vu", "kind": "conflict"},
    )
    assert (
        response.status_code == 302
        and response["Location"] == reverse("staff:review-list") + "?kind=conflict"
    )
    assert not MatchReview.objects.filter(pk=pairs["aa"].pk).exists()
    decision = MatchDecision.objects.get(manual=True)
    assert (
        decision.verdict == "same" and decision.note == "vu" and decision.created_by == users["cataloguer_a"]
    )
    page = client.get(response["Location"])
    said = [str(message) for message in page.context["messages"]]  # what was recorded, in words
    a1, a2 = pairs["records"]["a1"], pairs["records"]["a2"]
    assert len(said) == 1 and str(a1) in said[0] and str(a2) in said[0]
    assert said[0] in page.content.decode()


# --- forged requests --------------------------------------------------------------------------------


def test_another_librarys_staff_is_refused_the_pair_and_its_answer(users, pairs):
    before = _snapshot()
    client = client_for(users["cataloguer_b"], strict=True)
    assert client.get(reverse("staff:review-pair", args=[pairs["aa"].pk])).status_code == 403
    token = _token(client, pairs["bb"].pk)  # a valid token of B's own session
    response = client.post(
        reverse("staff:review-decide", args=[pairs["aa"].pk]),
        {"csrfmiddlewaretoken": token, "verdict": "same"},
    )
    assert response.status_code == 403 and b"Traceback" not in response.content
    assert _snapshot() == before


def test_a_reader_and_an_anonymous_visitor_are_refused(users, pairs):
    before = _snapshot()
    url = reverse("staff:review-decide", args=[pairs["aa"].pk])
    reader = client_for(users["reader"])
    assert reader.get(reverse("staff:review-list")).status_code == 403
    assert reader.get(reverse("staff:review-pair", args=[pairs["aa"].pk])).status_code == 403
    assert reader.post(url, {"verdict": "same"}).status_code == 403
    anonymous = client_for(None).post(url, {"verdict": "same"})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("accounts:login"))
    assert client_for(None).get(reverse("staff:review-list")).status_code == 302
    assert _snapshot() == before


def test_an_answer_without_the_csrf_token_is_refused(users, pairs):
    before = _snapshot()
    client = client_for(users["cataloguer_a"], strict=True)
    _token(client, pairs["aa"].pk)  # the cookie is set; the form field is missing
    response = client.post(reverse("staff:review-decide", args=[pairs["aa"].pk]), {"verdict": "same"})
    assert response.status_code == 403
    assert _snapshot() == before


def test_a_bad_verdict_an_unknown_pair_and_a_get_are_refused(users, pairs):
    before = _snapshot()
    client = client_for(users["cataloguer_a"], strict=True)
    token = _token(client, pairs["aa"].pk)
    url = reverse("staff:review-decide", args=[pairs["aa"].pk])
    for verdict in ("maybe", "", "SAME"):
        response = client.post(url, {"csrfmiddlewaretoken": token, "verdict": verdict})
        assert response.status_code == 400
        assert 'role="alert"' in response.content.decode()
    response = client.post(url, {"csrfmiddlewaretoken": token})  # no verdict at all
    assert response.status_code == 400
    unknown = reverse("staff:review-decide", args=[999999])
    assert client.post(unknown, {"csrfmiddlewaretoken": token, "verdict": "same"}).status_code == 404
    assert client.get(reverse("staff:review-pair", args=[999999])).status_code == 404
    assert client.get(url).status_code == 405
    assert _snapshot() == before
