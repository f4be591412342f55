"""Calls for projects over HTTP, for every role: the network administrator writes the call, assigns the
reviewers, judges, decides, publishes and closes; a library's staff or a research team apply before the
deadline; reviewers declare their conflicts of interest and score on the grid."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from khizana.programmes.calls import services
from khizana.programmes.calls.models import Application, Assignment, Attachment, Call, SpendingLine
from khizana.testing import chart_on_page

from .conftest import GRID, PDF, client_for, make_call

pytestmark = pytest.mark.django_db
capture = None


@pytest.fixture(autouse=True)
def _on_commit(django_capture_on_commit_callbacks):
    global capture
    capture = django_capture_on_commit_callbacks


FORM = {
    "kind": "libraries",
    "team": "",
    "title": "Digitising the Fès manuscripts",
    "summary": "Scanning and describing 300 manuscripts.",
    "theme": "Heritage",
    "partners": "Université Sidi Mohamed Ben Abdellah\n\nIRCAM",
    "requested_amount": "40000",
}


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def apply(client, call, **changes) -> Application | None:
    response = client.post(reverse("calls:apply", args=[call.pk]), FORM | changes, follow=True)
    assert response.status_code in (200, 403)
    return Application.objects.filter(call=call, title=(FORM | changes)["title"]).first()


def upload(client, application, kind="document", path=PDF, name="project.pdf"):
    handle = SimpleUploadedFile(name, path.read_bytes(), content_type="application/pdf")
    return client.post(
        reverse("calls:application", args=[application.pk]),
        {"action": "attach", "kind": kind, "file": handle},
        follow=True,
    )


def act(client, application, action, **data):
    with capture(execute=True):  # the e-mails leave when the transaction commits
        return client.post(
            reverse("calls:application", args=[application.pk]), {"action": action} | data, follow=True
        )


def staff_act(client, application, action, **data):
    url = reverse("calls-staff:application", args=[application.pk])
    with capture(execute=True):
        return client.post(url, {"action": action} | data, follow=True)


def score(client, assignment, marks, recommendation="fund", comment="Solid."):
    criteria = assignment.application.call.criteria.all()
    data = {f"mark_{c.pk}": m for c, m in zip(criteria, marks, strict=True)}
    return client.post(
        reverse("calls:review", args=[assignment.pk]),
        data | {"recommendation": recommendation, "comment": comment},
        follow=True,
    )


def submitted(people, call) -> Application:
    librarian = client_for(people["librarian"])
    application = apply(librarian, call)
    upload(librarian, application)
    act(librarian, application, "submit")
    application.refresh_from_db()
    assert application.status == "submitted"
    return application


# ---- writing a call --------------------------------------------------------------------------------------


def call_form(**changes):
    now = timezone.now()
    return {
        "title_fr": "Appel 2027",
        "title_ar": "دعوة 2027",
        "title_en": "Call 2027",
        "text_fr": "Texte",
        "text_ar": "نص",
        "text_en": "Text",
        "budget": "2000000",
        "opens_at": f"{now:%Y-%m-%dT%H:%M}",
        "closes_at": f"{now + timedelta(days=30):%Y-%m-%dT%H:%M}",
        "eligibility": "both",
        "themes": "Heritage\nOpen science",
        "grid": GRID,
    } | changes


def test_a_network_admin_writes_a_call_in_three_languages_with_its_grid(people):
    admin = client_for(people["admin"])
    response = admin.post(reverse("calls-staff:new"), call_form(), follow=True)
    call = Call.objects.get()
    assert response.redirect_chain[-1][0] == reverse("calls-staff:call", args=[call.pk])
    assert [(c.name, c.weight, c.scale) for c in call.criteria.all()] == [
        ("Relevance to research", 3, 5),
        ("Feasibility", 2, 10),
        ("Partnerships", 1, 5),
    ]
    public = client_for().get(reverse("calls:call", args=[call.pk]), HTTP_ACCEPT_LANGUAGE="ar")
    assert "دعوة 2027" in public.content.decode()
    assert "Relevance to research" in public.content.decode()


def test_a_bad_grid_or_dates_are_refused_with_the_reason_and_nothing_saved(people):
    admin = client_for(people["admin"])
    response = admin.post(reverse("calls-staff:new"), call_form(grid="3 ; 5 ; A\nthree ; 5 ; B"), follow=True)
    assert "Scoring grid: line 2: the weight “three” is not a whole number." in messages_of(response)
    now = timezone.now()
    response = admin.post(
        reverse("calls-staff:new"),
        call_form(closes_at=f"{now - timedelta(days=1):%Y-%m-%dT%H:%M}"),
        follow=True,
    )
    assert "Dates: the call must close after it opens." in messages_of(response)
    assert not Call.objects.exists()


@pytest.mark.parametrize("who", ["librarian", "researcher"])
def test_only_a_network_admin_writes_calls(people, who):
    response = client_for(people[who]).post(reverse("calls-staff:new"), call_form())
    assert response.status_code == 403
    assert not Call.objects.exists()
    anonymous = client_for().post(reverse("calls-staff:new"), call_form())
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]


# ---- applying --------------------------------------------------------------------------------------------


def test_a_library_applies_uploads_and_submits_before_the_deadline_and_gets_an_email(people, call):
    librarian = client_for(people["librarian"])
    application = apply(librarian, call)
    assert application.status == "draft" and application.library == people["rabat"]
    assert application.partner_list == ["Université Sidi Mohamed Ben Abdellah", "IRCAM"]
    response = act(librarian, application, "submit")
    assert "Documents: attach the application document (PDF) before submitting." in messages_of(response)
    upload(librarian, application)
    assert application.attachments.get().size == PDF.stat().st_size
    act(librarian, application, "submit")
    application.refresh_from_db()
    assert application.status == "submitted" and application.submitted_at
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["librarian@example.org"]
    assert "Digitising the Fès manuscripts" in mail.outbox[0].subject
    # once submitted it can no longer be changed
    response = act(librarian, application, "save", **(FORM | {"title": "Changed"}))
    assert "Deadline: this application can no longer be changed." in messages_of(response)
    application.refresh_from_db()
    assert application.title == FORM["title"]


def test_after_the_deadline_by_the_server_clock_no_draft_is_submitted_or_started(people):
    call = make_call(people["admin"], opens=-10, closes=1)
    librarian = client_for(people["librarian"])
    application = apply(librarian, call)
    upload(librarian, application)
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    response = act(librarian, application, "submit")
    assert any(m.startswith("Deadline: the call closed on") for m in messages_of(response))
    application.refresh_from_db()
    assert application.status == "draft" and not mail.outbox
    assert upload(librarian, application, name="late.pdf").status_code == 200
    assert application.attachments.count() == 1  # the late upload was refused
    assert apply(librarian, call, title="Too late") is None


def test_a_call_not_yet_open_takes_no_application(people):
    call = make_call(people["admin"], opens=2, closes=10)
    assert apply(client_for(people["librarian"]), call) is None


def test_a_research_team_applies_with_its_name_and_eligibility_is_enforced(people):
    call = make_call(people["admin"], eligibility="teams")
    researcher = client_for(people["researcher"])
    assert apply(researcher, call, kind="teams") is None  # no team named
    application = apply(researcher, call, kind="teams", team="LIRE laboratory")
    assert application.kind == "teams" and application.library is None
    assert application.applicant_name == "LIRE laboratory"
    # a library may not apply to a call for research teams, an unverified reader may not apply at all
    assert client_for(people["librarian"]).get(reverse("calls:apply", args=[call.pk])).status_code == 403
    assert client_for(people["unverified"]).get(reverse("calls:apply", args=[call.pk])).status_code == 403
    libraries_only = make_call(people["admin"], eligibility="libraries")
    response = client_for(people["researcher"]).post(reverse("calls:apply", args=[libraries_only.pk]), FORM)
    assert response.status_code == 403
    # a forged kind is refused by the form
    response = researcher.post(
        reverse("calls:apply", args=[call.pk]), FORM | {"title": "Forged"}, follow=True
    )
    assert not Application.objects.filter(title="Forged").exists()


def test_bad_amounts_are_refused_with_the_field_named(people, call):
    librarian = client_for(people["librarian"])
    response = librarian.post(
        reverse("calls:apply", args=[call.pk]), FORM | {"requested_amount": "250000"}, follow=True
    )
    assert "Requested amount: it is more than the call's whole budget." in messages_of(response)
    response = librarian.post(
        reverse("calls:apply", args=[call.pk]), FORM | {"requested_amount": "lots"}, follow=True
    )
    assert any(m.startswith("Requested amount:") for m in messages_of(response))
    assert not Application.objects.exists()


def test_only_pdfs_within_the_limit_are_attached(people, call, settings, tmp_path):
    librarian = client_for(people["librarian"])
    application = apply(librarian, call)
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"PK\x03\x04 a zip pretending")
    response = upload(librarian, application, path=fake, name="fake.pdf")
    assert "File: it is not a PDF." in messages_of(response)
    settings.KHIZANA_CALLS_MAX_BYTES = 1024
    response = upload(librarian, application)
    assert "File: it is larger than the limit of 0 MB." in messages_of(response)
    assert not application.attachments.exists()
    assert not list((tmp_path / "calls").glob("*")) if (tmp_path / "calls").exists() else True
    settings.KHIZANA_CALLS_MAX_BYTES = 20 * 1024 * 1024
    upload(librarian, application, name="../../etc/passwd\x07.pdf")
    assert application.attachments.get().name == "passwd.pdf"
    attachment = application.attachments.get()
    # another library's staff cannot remove it, the applicant can while the application is a draft
    forged = client_for(people["other_staff"]).post(
        reverse("calls:application", args=[application.pk]), {"action": "remove", "attachment": attachment.pk}
    )
    assert forged.status_code == 404 and services.file_path(attachment).is_file()
    act(librarian, application, "remove", attachment=str(attachment.pk))
    assert not application.attachments.exists() and not services.file_path(attachment).is_file()


def test_an_applicant_sees_only_their_own_applications(people, call):
    application = submitted(people, call)
    team_call = make_call(people["admin"], eligibility="teams")
    theirs = apply(client_for(people["researcher"]), team_call, kind="teams", team="LIRE", title="Open data")
    file = application.attachments.get()
    # the library's other staff member acts for the library
    colleague = client_for(people["colleague"])
    assert colleague.get(reverse("calls:application", args=[application.pk])).status_code == 200
    assert colleague.get(reverse("calls:file", args=[file.pk])).status_code == 200
    assert FORM["title"] in colleague.get(reverse("calls:mine")).content.decode()
    # another library's staff, another reader, a reviewer not assigned: no such page
    for who in ("other_staff", "researcher", "reviewer"):
        client = client_for(people[who])
        assert client.get(reverse("calls:application", args=[application.pk])).status_code == 404
        assert client.get(reverse("calls:file", args=[file.pk])).status_code == 404
        assert FORM["title"] not in client.get(reverse("calls:mine")).content.decode()
    assert (
        client_for(people["librarian"]).get(reverse("calls:application", args=[theirs.pk])).status_code == 404
    )
    # forged writes on someone else's application
    other = client_for(people["other_staff"])
    response = other.post(
        reverse("calls:application", args=[application.pk]),
        {"action": "spend", "spent_on": "2026-01-01", "label": "x", "amount": "1"},
    )
    assert response.status_code == 404
    assert client_for(people["librarian"]).get(reverse("calls:application", args=[999999])).status_code == 404
    anonymous = client_for().get(reverse("calls:application", args=[application.pk]))
    assert anonymous.status_code == 302


# ---- reviewing -------------------------------------------------------------------------------------------


def test_reviewers_are_assigned_by_theme_and_one_with_a_conflict_can_neither_see_nor_score(people, call):
    application = submitted(people, call)
    admin = client_for(people["admin"])
    response = admin.post(
        reverse("calls-staff:call", args=[call.pk]),
        {"action": "assign", "theme": "Heritage", "usernames": "reviewer\nconflicted\nlibrarian"},
        follow=True,
    )
    assert "2 reviews assigned." in messages_of(response)  # the applicant never reviews their own
    assert set(application.assignments.values_list("reviewer__username", flat=True)) == {
        "reviewer",
        "conflicted",
    }
    conflicted = client_for(people["conflicted"])
    assignment = Assignment.objects.get(reviewer=people["conflicted"])
    page = conflicted.get(reverse("calls:review", args=[assignment.pk])).content.decode()
    assert "Conflicts of interest" in page and "Read the application" not in page
    # before declaring, the application itself is hidden
    assert conflicted.get(reverse("calls:application", args=[application.pk])).status_code == 404
    conflicted.post(
        reverse("calls:review", args=[assignment.pk]), {"conflict": "yes", "note": "I work at RBT."}
    )
    assignment.refresh_from_db()
    assert assignment.conflict and assignment.conflict_note == "I work at RBT."
    file = application.attachments.get()
    assert conflicted.get(reverse("calls:application", args=[application.pk])).status_code == 404
    assert conflicted.get(reverse("calls:file", args=[file.pk])).status_code == 404
    assert (
        "Read the application"
        not in conflicted.get(reverse("calls:review", args=[assignment.pk])).content.decode()
    )
    assert score(conflicted, assignment, [5, 10, 5]).status_code == 403
    assignment.refresh_from_db()
    assert assignment.score is None and not assignment.marks.exists()
    # a conflict cannot be taken back
    conflicted.post(reverse("calls:review", args=[assignment.pk]), {"conflict": "no"})
    assignment.refresh_from_db()
    assert assignment.conflict
    # another reviewer's assignment id is not found
    assert (
        client_for(people["reviewer"]).get(reverse("calls:review", args=[assignment.pk])).status_code == 404
    )


def test_a_reviewer_without_conflict_scores_on_the_grid(people, call):
    application = submitted(people, call)
    staff_act(client_for(people["admin"]), application, "assign", username="reviewer")
    reviewer = client_for(people["reviewer"])
    assignment = Assignment.objects.get()
    reviewer.post(reverse("calls:review", args=[assignment.pk]), {"conflict": "no"})
    assert reviewer.get(reverse("calls:application", args=[application.pk])).status_code == 200
    response = score(reviewer, assignment, [6, 10, 5])
    assert any(m.startswith("Relevance to research (0 to 5, weight 3): ") for m in messages_of(response))
    score(reviewer, assignment, [4, 5, 5], comment="Well argued.")
    assignment.refresh_from_db()
    # (4/5*3 + 5/10*2 + 5/5*1) / 6 = 73.3
    assert assignment.score == Decimal("73.3") and assignment.recommendation == "fund"
    page = client_for(people["admin"]).get(reverse("calls-staff:application", args=[application.pk]))
    assert "Well argued." in page.content.decode() and "73.3" in page.content.decode()
    ranking = client_for(people["admin"]).get(reverse("calls-staff:call", args=[call.pk])).content.decode()
    chart = chart_on_page(ranking, "calls-scores")
    assert chart["data"]["datasets"][0]["data"] == [73.3]
    assert chart["data"]["labels"] == ["Digitising the Fès manuscripts"]
    assert '<table class="chart-data">' in ranking  # the figures beside the chart
    export = client_for(people["admin"]).get(reverse("calls-staff:export", args=[call.pk]))
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[1][1:8] == ["Digitising the Fès manuscripts", "Bibliothèque RBT", "libraries", "Heritage",
                            "40000.00", "1", "73.3"]  # fmt: skip
    assert (
        client_for(people["librarian"]).get(reverse("calls-staff:export", args=[call.pk])).status_code == 403
    )


def test_assigning_names_the_bad_input(people, call):
    application = submitted(people, call)
    admin = client_for(people["admin"])
    assert "Reviewer: no active account “nobody”." in messages_of(
        staff_act(admin, application, "assign", username="nobody")
    )
    assert "Reviewer: librarian applied for this project." in messages_of(
        staff_act(admin, application, "assign", username="librarian")
    )
    assert (
        staff_act(client_for(people["librarian"]), application, "assign", username="reviewer").status_code
        == 403
    )
    assert not Assignment.objects.exists()
    # a forged application id
    response = client_for(people["admin"]).post(
        reverse("calls-staff:application", args=[999999]), {"action": "assign", "username": "reviewer"}
    )
    assert response.status_code == 404


# ---- judging, deciding, publishing, following ------------------------------------------------------------


def reviewed(people, call, recommendation="fund") -> Application:
    application = submitted(people, call)
    staff_act(client_for(people["admin"]), application, "assign", username="reviewer")
    reviewer = client_for(people["reviewer"])
    assignment = Assignment.objects.get(application=application)
    reviewer.post(reverse("calls:review", args=[assignment.pk]), {"conflict": "no"})
    score(reviewer, assignment, [4, 8, 3], recommendation=recommendation)
    return application


def test_revisions_required_send_the_application_back_and_the_applicant_resubmits(people, call):
    application = reviewed(people, call, recommendation="revise")
    admin = client_for(people["admin"])
    response = staff_act(admin, application, "judge", verdict="revise", note="")
    assert any(m.startswith("Judgement: give the reason") for m in messages_of(response))
    mail.outbox.clear()
    staff_act(admin, application, "judge", verdict="revise", note="Give a budget per year.")
    application.refresh_from_db()
    assert application.status == "revisions" and not application.overruled
    assert mail.outbox[0].to == ["librarian@example.org"] and "Give a budget per year." in mail.outbox[0].body
    librarian = client_for(people["librarian"])
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() - timedelta(minutes=1))  # revisions go on
    page = librarian.get(reverse("calls:application", args=[application.pk])).content.decode()
    assert "Give a budget per year." in page
    act(librarian, application, "save", **(FORM | {"summary": "With a budget per year."}))
    act(librarian, application, "submit")
    application.refresh_from_db()
    assert application.status == "submitted" and application.summary == "With a budget per year."
    assignment = application.assignments.get()
    assert assignment.score is None and assignment.recommendation == ""  # reviewed afresh


def test_the_judge_overrules_the_reviewers_only_with_a_reason(people, call):
    application = reviewed(people, call, recommendation="fund")
    admin = client_for(people["admin"])
    response = staff_act(admin, application, "judge", verdict="reject", note="")
    assert any(m.startswith("Judgement: give the reason") for m in messages_of(response))
    staff_act(admin, application, "judge", verdict="reject", note="Already funded elsewhere.")
    application.refresh_from_db()
    assert application.status == "not_recommended" and application.overruled
    assert (
        "The judge overruled the reviewers."
        in admin.get(reverse("calls-staff:application", args=[application.pk])).content.decode()
    )
    # the librarian is staff but not a judge
    assert staff_act(client_for(people["librarian"]), application, "judge", verdict="fund").status_code == 403


def test_the_committee_awards_within_the_budget_results_are_published_and_the_project_followed(people):
    call = make_call(people["admin"], budget="50000")
    application = reviewed(people, call)
    admin = client_for(people["admin"])
    staff_act(admin, application, "judge", verdict="fund", note="")
    application.refresh_from_db()
    assert application.status == "recommended" and not application.overruled
    # a second funded project takes most of the budget first
    team_call_app = Application.objects.create(
        call=call, applicant=people["researcher"], kind="teams", team="LIRE", title="Open data",
        summary="s", requested_amount=Decimal("30000"), status="recommended",
    )  # fmt: skip
    staff_act(admin, team_call_app, "decide", accepted="yes", amount="30000", note="")
    mail.outbox.clear()
    response = staff_act(admin, application, "decide", accepted="yes", amount="45000", note="")
    assert "Awarded amount: it is more than the amount requested." in messages_of(response)
    response = staff_act(admin, application, "decide", accepted="yes", amount="25000", note="")
    assert "Awarded amount: only 20000.00 of the budget is left." in messages_of(response)
    application.refresh_from_db()
    assert application.status == "recommended" and not mail.outbox
    staff_act(admin, application, "decide", accepted="yes", amount="20000", note="Well done.")
    application.refresh_from_db()
    assert application.status == "accepted" and application.awarded_amount == Decimal("20000")
    assert "20000" in mail.outbox[0].body and "Well done." in mail.outbox[0].body
    # results: only after the call closed, shown on the public page
    response = admin.post(reverse("calls-staff:call", args=[call.pk]), {"action": "publish"}, follow=True)
    assert "Results: the call is still open." in messages_of(response)
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    admin.post(reverse("calls-staff:call", args=[call.pk]), {"action": "publish"})
    public = client_for().get(reverse("calls:call", args=[call.pk])).content.decode()
    assert "Digitising the Fès manuscripts" in public and "20000.00" in public and "Open data" in public
    # follow-up: reports and spending by the applicant, closing by the network admin
    librarian = client_for(people["librarian"])
    upload(librarian, application, kind="interim", name="interim.pdf")
    response = staff_act(admin, application, "close")
    assert "Closing: the final report has not been uploaded." in messages_of(response)
    act(librarian, application, "spend", spent_on="2026-11-02", label="Scanner", amount="15000")
    response = act(librarian, application, "spend", spent_on="2026-11-03", label="Staff", amount="6000")
    assert "Spending: the total would be more than the awarded amount." in messages_of(response)
    assert list(SpendingLine.objects.values_list("label", flat=True)) == ["Scanner"]
    upload(librarian, application, kind="final", name="final.pdf")
    staff_act(admin, application, "close")
    application.refresh_from_db()
    assert application.status == "closed" and application.closed_at
    assert list(application.attachments.values_list("kind", flat=True)) == [
        Attachment.Kind.DOCUMENT,
        Attachment.Kind.INTERIM,
        Attachment.Kind.FINAL,
    ]
    response = act(librarian, application, "spend", spent_on="2026-11-04", label="Late", amount="1")
    assert any(m.startswith("Spending: only a funded project") for m in messages_of(response))


def test_results_wait_for_every_decision_and_are_hidden_before(people, call):
    application = reviewed(people, call)
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    response = client_for(people["admin"]).post(
        reverse("calls-staff:call", args=[call.pk]), {"action": "publish"}, follow=True
    )
    assert "Results: 1 application is not decided yet." in messages_of(response)
    assert application.title not in client_for().get(reverse("calls:call", args=[call.pk])).content.decode()
    assert (
        client_for(people["librarian"])
        .post(reverse("calls-staff:call", args=[call.pk]), {"action": "publish"})
        .status_code
        == 403
    )


def test_the_public_pages_list_the_calls(people, call):
    page = client_for().get(reverse("calls:index"))
    assert page.status_code == 200 and "Call for projects 2027" in page.content.decode()
    staff_page = client_for(people["admin"]).get(reverse("calls-staff:calls"))
    assert "Call for projects 2027" in staff_page.content.decode()
    assert client_for(people["librarian"]).get(reverse("calls-staff:calls")).status_code == 403
    assert client_for(people["librarian"]).get(reverse("calls:mine")).status_code == 200
