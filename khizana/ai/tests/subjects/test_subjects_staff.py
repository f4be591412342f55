"""The cataloguer's page of subject suggestions over HTTP: suggest, see the why, accept, reject; and the
forged requests (another library's staff, a reader, anonymous, a forged id, a forged decision)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from khizana.ai.models import SubjectSuggestion
from khizana.ai.tests.subjects.helpers import bare_record
from khizana.testing import make_library, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(annif_settings):
    bna, other = make_library("BNA"), make_library("OTHER")
    record = bare_record(bna, "r1", "Histoire de la Révolution française à Paris")
    return {
        "record": record,
        "cataloguer": make_user("cat", "cataloguer", bna),
        "stranger": make_user("stranger", "cataloguer", other),
        "reader": make_user("reader", "reader", bna),
    }


def _login(client, user):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the assertions read the English pages
    client.force_login(user)
    return client


def _suggest(client, record):
    return client.post(reverse("ai-staff:subjects-suggest", args=[record.pk]))


def test_cataloguer_suggests_sees_why_and_decides(client, world):
    record = world["record"]
    _login(client, world["cataloguer"])
    listing = client.get(reverse("ai-staff:subjects"))
    assert listing.status_code == 200 and "Histoire de la Révolution" in listing.text
    assert _suggest(client, record).status_code == 302
    page = client.get(reverse("ai-staff:subjects-record", args=[record.pk]))
    assert page.status_code == 200
    suggestions = list(SubjectSuggestion.objects.filter(record=record).order_by("-score"))
    assert 1 <= len(suggestions) <= 5
    revolution = next(s for s in suggestions if "Révolution" in s.heading)
    assert revolution.heading in page.text and "révolution" in page.text
    accepted = client.post(reverse("ai-staff:subjects-decide", args=[revolution.pk]), {"decision": "accept"})
    assert accepted.status_code == 302
    revolution.refresh_from_db()
    assert revolution.status == "accepted" and revolution.decided_by == world["cataloguer"]
    other = next(s for s in suggestions if s.pk != revolution.pk)
    client.post(reverse("ai-staff:subjects-decide", args=[other.pk]), {"decision": "reject"})
    other.refresh_from_db()
    assert other.status == "rejected"
    record.refresh_from_db()
    assert record.fields["subjects"] == []  # the source record is never altered
    listing = client.get(reverse("ai-staff:subjects"))
    assert "With accepted suggestions" in listing.text


def test_forged_requests_change_nothing(client, world):
    record = world["record"]
    _login(client, world["cataloguer"])
    _suggest(client, record)
    suggestion = SubjectSuggestion.objects.filter(record=record).first()
    decide = reverse("ai-staff:subjects-decide", args=[suggestion.pk])
    client.logout()

    anonymous = client.post(decide, {"decision": "accept"})
    assert anonymous.status_code == 302 and "login" in anonymous.url
    for intruder in ("stranger", "reader"):
        _login(client, world[intruder])
        assert client.post(decide, {"decision": "accept"}).status_code == 403
        assert client.get(reverse("ai-staff:subjects-record", args=[record.pk])).status_code == 403
        assert _suggest(client, record).status_code == 403
        client.logout()
    _login(client, world["cataloguer"])
    assert (
        client.post(reverse("ai-staff:subjects-decide", args=[999999]), {"decision": "accept"}).status_code
        == 404
    )
    assert client.get(reverse("ai-staff:subjects-record", args=[999999])).status_code == 404
    forged = client.post(decide, {"decision": "delete"}, follow=True)
    assert "must be accept or reject" in forged.text
    assert client.get(decide).status_code == 405
    suggestion.refresh_from_db()
    assert suggestion.status == "suggested" and suggestion.decided_by is None


def test_another_librarys_listing_is_not_shown(client, world):
    _login(client, world["stranger"])
    assert client.get(reverse("ai-staff:subjects"), {"library": "BNA"}).status_code == 403
    page = client.get(reverse("ai-staff:subjects"))
    assert page.status_code == 200 and "OTHER" in page.text and "Histoire de la Révolution" not in page.text


@pytest.fixture
def immediate_jobs():
    from huey.contrib.djhuey import HUEY

    was, HUEY.immediate = HUEY.immediate, True
    yield
    HUEY.immediate = was


def test_batch_for_a_library_and_its_coverage(client, world, immediate_jobs):
    from io import StringIO

    from django.core.management import call_command

    bare_record(world["record"].library, "r2", "Les Juifs de Paris : associations")
    batch = reverse("ai-staff:subjects-batch")
    _login(client, world["stranger"])
    assert client.post(batch, {"library": "BNA"}).status_code == 403
    assert not SubjectSuggestion.objects.exists()
    client.force_login(world["cataloguer"])
    assert client.post(batch, {"library": "BNA"}).status_code == 302
    assert SubjectSuggestion.objects.values("record").distinct().count() == 2
    page = client.get(reverse("ai-staff:subjects"))
    assert "With suggestions" in page.text
    out = StringIO()
    call_command("ai", "coverage", "--library", "BNA", stdout=out)
    assert out.getvalue().startswith("2 records, 2 without subjects: 2 with suggestions (100%)")
    out = StringIO()
    call_command("ai", "suggest", "--library", "BNA", stdout=out)
    assert "2 records: 2 got suggestions" in out.getvalue()


def test_command_errors_name_the_input(world):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="No library with the code 'NOPE'"):
        call_command("ai", "coverage", "--library", "NOPE")
    with pytest.raises(CommandError, match="No record with the id 424242"):
        call_command("ai", "suggest", "--record", "424242")
    with pytest.raises(CommandError, match=r"nowhere\.tsv: no such corpus file"):
        call_command("ai", "evaluate", "fre", "nowhere.tsv")
