"""Candidates drawn from a shared conservation plan: the titles a library is committed to keep, through its
own record of each, and over HTTP with forged requests."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from khizana.accounts.models import Role
from khizana.heritage.conservation.models import Commitment, Plan, PlanTitle
from khizana.heritage.digitisation import services
from khizana.heritage.digitisation.models import Candidate
from khizana.heritage.digitisation.tests.support import import_records, marc21
from khizana.testing import make_library, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    library = make_library("BNRM", country="MA")
    other = make_library("BNA", country="DZ")
    records = import_records(
        library,
        marc21("S1", "Revue africaine", year=1856),
        marc21("S2", "Hespéris", year=1921),
    )
    import_records(other, marc21("X1", "Revue africaine", year=1856))
    made = Plan.objects.create(name="Histoire du Maghreb", programme="PCMaghreb", coordinator=library)
    first = PlanTitle.objects.create(
        plan=made, title="Revue africaine", record=records[0], work=records[0].work
    )
    second = PlanTitle.objects.create(plan=made, title="Hespéris", work=records[1].work)
    orphan = PlanTitle.objects.create(plan=made, title="Sans notice")
    for title, role in ((first, "pole"), (second, "associated"), (orphan, "contributor")):
        Commitment.objects.create(title=title, library=library, role=role)
    return made


def test_titles_committed_become_candidates(plan):
    library = plan.coordinator
    staff = make_user("cat-bnrm", Role.CATALOGUER, library)
    drawn = services.draw_from_plan(staff, plan.pk, library)
    assert sorted(candidate.record.local_id for candidate in drawn.added) == ["S1", "S2"]
    assert drawn.skipped == ["Sans notice: no record of this library"]
    first = Candidate.objects.get(record__local_id="S1")
    assert first.source == Candidate.Source.CONSERVATION and "PCMaghreb" in first.note
    # an anonymous serial from 1856: public domain from its publication (Morocco: 70 years)
    assert first.copyright == Candidate.Copyright.PUBLIC_DOMAIN
    again = services.draw_from_plan(staff, plan.pk, library)
    assert not again.added and len(again.skipped) == 3
    other = make_user("cat-bna", Role.CATALOGUER, make_library("BNB"))
    with pytest.raises(PermissionDenied):
        services.draw_from_plan(other, plan.pk, library)


def test_draw_over_http(client, plan):
    library = plan.coordinator
    client.force_login(make_user("cat-bna", Role.CATALOGUER, make_library("BNB")))
    response = client.post(
        "/staff/heritage/digitisation/candidates/from-plan", {"plan": plan.pk, "library": "BNRM"}
    )
    assert response.status_code == 302 and not Candidate.objects.exists()
    client.force_login(make_user("cat-bnrm", Role.CATALOGUER, library))
    page = client.get("/staff/heritage/digitisation/candidates/").content.decode()
    assert "PCMaghreb" in page
    response = client.post(
        "/staff/heritage/digitisation/candidates/from-plan", {"plan": plan.pk, "library": "BNRM"}, follow=True
    )
    assert "2 candidates from the plan" in response.content.decode() and Candidate.objects.count() == 2
    assert (
        client.post(
            "/staff/heritage/digitisation/candidates/from-plan", {"plan": "x", "library": "BNRM"}
        ).status_code
        == 404
    )
