"""Needs surveys over HTTP, for every role: network administrators and a library's staff build, open and
send their surveys and read the results; verified members answer once (anonymously when the survey says
so); readers, anonymous visitors and another library's staff are refused."""

import csv
import io

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from khizana.accounts.models import Membership
from khizana.programmes.surveys.models import Participation, Question, Response, Survey
from khizana.testing import chart_on_page, make_library, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with translation.override("en"):
        yield


def client_for(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def member(username, library, category, **extra):
    user = make_user(username, "reader", library, **extra)
    Membership.objects.filter(user=user).update(category=category)
    return user


@pytest.fixture
def people():
    rabat, fes = make_library("RBT"), make_library("FES", city="Fès")
    return {
        "rabat": rabat,
        "fes": fes,
        "admin": make_user("admin", "network_admin"),
        "librarian": make_user("librarian", "library_admin", rabat),
        "other_staff": make_user("other_staff", "cataloguer", fes),
        "researcher": member("researcher", rabat, "researcher"),
        "doctoral": member("doctoral", fes, "doctoral_student"),
        "teacher": member("teacher", fes, "teacher"),
        "unverified": make_user("unverified", "reader", fes, verified=False),
    }


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def staff_post(client, survey, **data):
    return client.post(reverse("surveys-staff:survey", args=[survey.pk]), data, follow=True)


def create_survey(client, **changes) -> Survey:
    form = {
        "title_fr": "Enquête sur les besoins",
        "title_ar": "استبيان الاحتياجات",
        "title_en": "Needs survey",
        "intro_fr": "Dites-nous ce dont vous avez besoin.",
        "library": "",
        "listed": "on",
    } | changes
    response = client.post(reverse("surveys-staff:new"), form, follow=True)
    assert response.status_code == 200, messages_of(response)
    return Survey.objects.get(title_fr=form["title_fr"])


def add(client, survey, kind, text, choices="", conditions=(), required=False) -> Question:
    data = {"action": "question", "kind": kind, "text_fr": text, "text_en": text, "choices": choices}
    if required:
        data["required"] = "on"
    if conditions:
        data["conditions"] = list(conditions)
    response = staff_post(client, survey, **data)
    assert "The question is added." in messages_of(response), messages_of(response)
    return survey.questions.order_by("-position").first()


def choice(question, text) -> str:
    return str(question.choices.get(text_fr=text).pk)


@pytest.fixture
def built(people):
    """A network survey: field (single, the research field), tools (multiple), why not (text, only if
    "none" among the tools), satisfaction (scale), opened."""
    admin = client_for(people["admin"])
    survey = create_survey(admin)
    field = add(
        admin,
        survey,
        "single",
        "Domaine",
        "Sciences | علوم | Sciences\nLettres | آداب | Humanities",
        required=True,
    )
    tools = add(admin, survey, "multiple", "Outils", "Scopus\nCairn\nAucun | لا شيء | None")
    none = choice(tools, "Aucun")
    why = add(admin, survey, "text", "Pourquoi aucun ?", conditions=[f"{tools.pk}:{none}"])
    scale = add(admin, survey, "scale", "Satisfaction")
    staff_post(admin, survey, action="field", question=field.pk)
    staff_post(admin, survey, action="open")
    survey.refresh_from_db()
    assert survey.status == "open" and survey.field_question == field
    return {"survey": survey, "field": field, "tools": tools, "why": why, "scale": scale, "admin": admin}


def answer(user, survey, data):
    return client_for(user).post(reverse("surveys:answer", args=[survey.pk]), data, follow=True)


def test_network_admin_builds_a_trilingual_survey_with_a_condition(built):
    survey, tools, why = built["survey"], built["tools"], built["why"]
    assert [q.kind for q in survey.questions.all()] == ["single", "multiple", "text", "scale"]
    assert why.condition_question == tools and why.condition_values == [choice(tools, "Aucun")]
    field = built["field"]
    assert [(c.text_fr, c.text_ar, c.text_en) for c in field.choices.all()] == [
        ("Sciences", "علوم", "Sciences"),
        ("Lettres", "آداب", "Humanities"),
    ]
    with translation.override("ar"):
        page = client_for(built["field"].survey.created_by).get(
            reverse("surveys:answer", args=[survey.pk]), HTTP_ACCEPT_LANGUAGE="ar"
        )
    assert "علوم" in page.content.decode()
    page = client_for(built["survey"].created_by).get(reverse("surveys:answer", args=[survey.pk]))
    html = page.content.decode()
    assert f'data-condition-question="q{tools.pk}"' in html and "Only if you answered" in html
    # questions are fixed once the survey is open
    response = staff_post(built["admin"], survey, action="question", kind="text", text_fr="Tard")
    assert "Questions: they change only while the survey is a draft." in messages_of(response)


def test_a_member_answers_once_and_a_second_answer_is_refused(people, built):
    survey, field, tools, scale = built["survey"], built["field"], built["tools"], built["scale"]
    data = {
        f"q{field.pk}": choice(field, "Sciences"),
        f"q{tools.pk}": [choice(tools, "Scopus")],
        f"q{scale.pk}": "4",
    }
    response = answer(people["researcher"], survey, data)
    assert "Thank you: your answers are recorded." in messages_of(response)
    assert "You have answered this survey." in response.content.decode()
    stored = Response.objects.get()
    assert stored.user == people["researcher"] and stored.category == "researcher"
    assert stored.answers == {
        str(field.pk): choice(field, "Sciences"),
        str(tools.pk): [choice(tools, "Scopus")],
        str(scale.pk): "4",
    }
    again = answer(people["researcher"], survey, data | {f"q{scale.pk}": "1"})
    assert "You have answered this survey already: one answer per member." in messages_of(again)
    assert Response.objects.count() == 1 and Response.objects.get().answers[str(scale.pk)] == "4"


def test_answers_to_a_question_whose_condition_is_unmet_are_not_kept(people, built):
    survey, field, tools, why = built["survey"], built["field"], built["tools"], built["why"]
    base = {f"q{field.pk}": choice(field, "Lettres")}
    answer(people["teacher"], survey, base | {f"q{tools.pk}": choice(tools, "Cairn"), f"q{why.pk}": "hidden"})
    answer(
        people["doctoral"], survey, base | {f"q{tools.pk}": choice(tools, "Aucun"), f"q{why.pk}": "Trop cher"}
    )
    kept = sorted(response.answers.get(str(why.pk), "-") for response in Response.objects.all())
    assert kept == ["-", "Trop cher"]


def test_bad_answers_are_refused_naming_the_question(people, built):
    survey, field, scale = built["survey"], built["field"], built["scale"]
    response = answer(people["teacher"], survey, {f"q{scale.pk}": "9"})
    assert messages_of(response) == [
        "Question 1: an answer is required. Question 4: this answer is not one of the choices."
    ]
    assert not Response.objects.exists() and not Participation.objects.exists()
    page = response.content.decode()
    assert f'value="{choice(field, "Sciences")}"' in page  # the form is shown again


def test_an_anonymous_survey_stores_no_link_to_the_member(people, built):
    admin = built["admin"]
    survey = create_survey(admin, title_fr="Enquête anonyme", anonymous="on")
    question = add(admin, survey, "scale", "Note")
    staff_post(admin, survey, action="open")
    response = answer(people["teacher"], survey, {f"q{question.pk}": "2"})
    assert "Thank you: your answers are recorded." in messages_of(response)
    stored = Response.objects.get(survey=survey)
    assert stored.user is None and stored.category == "teacher" and stored.answers == {str(question.pk): "2"}
    assert not hasattr(stored, "created_at")  # the day only: times do not pair it with its participation
    assert Participation.objects.filter(survey=survey, user=people["teacher"]).exists()
    again = answer(people["teacher"], survey, {f"q{question.pk}": "5"})
    assert "one answer per member" in " ".join(messages_of(again))
    exported = client_for(people["admin"]).get(reverse("surveys-staff:csv", args=[survey.pk])).content
    rows = list(csv.reader(io.StringIO(exported.decode())))
    assert rows[0] == ["response", "answered on", "profile", "Q1. Note"]  # no member column
    assert rows[1][1:] == [stored.submitted_on.isoformat(), "teacher", "2"] and rows[1][0] == str(stored.id)
    # anonymity is fixed once someone answered
    response = client_for(people["admin"]).post(
        reverse("surveys-staff:edit", args=[survey.pk]),
        {"title_fr": "Enquête anonyme", "library": ""},
        follow=True,
    )
    assert "Anonymous: members have answered already, it can no longer change." in messages_of(response)
    assert Survey.objects.get(pk=survey.pk).anonymous


def test_who_may_answer(people, built):
    survey, field = built["survey"], built["field"]
    data = {f"q{field.pk}": choice(field, "Sciences")}
    anonymous = client_for().post(reverse("surveys:answer", args=[survey.pk]), data)
    assert anonymous.status_code == 302 and "/account/login/" in anonymous["Location"]
    assert answer(people["unverified"], survey, data).status_code == 403
    assert not Response.objects.exists()
    forged = client_for(people["teacher"]).post(reverse("surveys:answer", args=[999999]), data)
    assert forged.status_code == 404
    # a library's survey asks its own members only
    librarian = client_for(people["librarian"])
    local = create_survey(librarian, title_fr="Enquête de Rabat", library=people["rabat"].pk)
    question = add(librarian, local, "scale", "Note")
    staff_post(librarian, local, action="open")
    assert answer(people["teacher"], local, {f"q{question.pk}": "3"}).status_code == 403
    assert "Thank you" in " ".join(messages_of(answer(people["researcher"], local, {f"q{question.pk}": "3"})))
    # a closed survey takes no answer
    staff_post(built["admin"], survey, action="close")
    assert "This survey is not open." in messages_of(answer(people["doctoral"], survey, data))
    # the portal lists what each may answer
    listed = client_for(people["teacher"]).get(reverse("surveys:index")).content.decode()
    assert "Enquête de Rabat" not in listed


def test_staff_of_another_library_readers_and_visitors_are_refused(people, built):
    librarian = client_for(people["librarian"])
    local = create_survey(librarian, title_fr="Enquête de Rabat", library=people["rabat"].pk)
    add(librarian, local, "scale", "Note")
    # a library administrator cannot make a network survey nor one for another library
    forged = librarian.post(reverse("surveys-staff:new"), {"title_fr": "Réseau", "library": ""}, follow=True)
    assert not Survey.objects.filter(title_fr="Réseau").exists() and forged.status_code == 200
    forged = librarian.post(reverse("surveys-staff:new"), {"title_fr": "Fès", "library": people["fes"].pk})
    assert not Survey.objects.filter(title_fr="Fès").exists()
    other = client_for(people["other_staff"])
    for name in ("surveys-staff:survey", "surveys-staff:edit", "surveys-staff:results", "surveys-staff:csv"):
        assert other.get(reverse(name, args=[local.pk])).status_code == 403, name
        assert other.get(reverse(name, args=[built["survey"].pk])).status_code == 403, name
    assert other.post(reverse("surveys-staff:survey", args=[local.pk]), {"action": "open"}).status_code == 403
    forged = other.post(
        reverse("surveys-staff:survey", args=[local.pk]),
        {"action": "question", "kind": "text", "text_fr": "X"},
    )
    assert forged.status_code == 403 and local.questions.count() == 1
    assert Survey.objects.get(pk=local.pk).status == "draft"
    reader = client_for(people["researcher"])
    assert reader.get(reverse("surveys-staff:surveys")).status_code == 403
    assert (
        reader.post(reverse("surveys-staff:survey", args=[local.pk]), {"action": "open"}).status_code == 403
    )
    visitor = client_for().get(reverse("surveys-staff:results", args=[local.pk]))
    assert visitor.status_code == 302
    assert other.get(reverse("surveys-staff:survey", args=[424242])).status_code == 404
    # each sees only the surveys they run
    listed = other.get(reverse("surveys-staff:surveys")).content.decode()
    local_url, network_url = (reverse("surveys-staff:survey", args=[s.pk]) for s in (local, built["survey"]))
    assert local_url not in listed and network_url not in listed
    listed = librarian.get(reverse("surveys-staff:surveys")).content.decode()
    assert local_url in listed and network_url not in listed


def test_sending_mails_the_members_who_have_not_answered(people, built):
    survey, field = built["survey"], built["field"]
    answer(people["teacher"], survey, {f"q{field.pk}": choice(field, "Sciences")})
    response = staff_post(built["admin"], survey, action="send", category="")
    # the verified readers who have not answered: not the teacher, not the unverified reader, not staff
    assert "The survey was sent to 2 members." in messages_of(response)
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == ["doctoral@example.org", "researcher@example.org"]
    assert (
        f"/network/surveys/{survey.pk}/" in mail.outbox[0].body
        and "استبيان الاحتياجات" in mail.outbox[0].subject
    )
    mail.outbox.clear()
    staff_post(built["admin"], survey, action="send", category="doctoral_student")
    assert [message.to for message in mail.outbox] == [["doctoral@example.org"]]
    response = staff_post(built["admin"], survey, action="send", category="astronaut")
    assert response.status_code == 200 and len(mail.outbox) == 1


def fill(people, built):
    survey, field, tools, scale = built["survey"], built["field"], built["tools"], built["scale"]
    sciences, lettres = choice(field, "Sciences"), choice(field, "Lettres")
    scopus, cairn = choice(tools, "Scopus"), choice(tools, "Cairn")
    answer(
        people["researcher"],
        survey,
        {f"q{field.pk}": sciences, f"q{tools.pk}": [scopus, cairn], f"q{scale.pk}": "5"},
    )
    answer(
        people["doctoral"], survey, {f"q{field.pk}": sciences, f"q{tools.pk}": scopus, f"q{scale.pk}": "3"}
    )
    answer(people["teacher"], survey, {f"q{field.pk}": lettres, f"q{tools.pk}": cairn, f"q{scale.pk}": "4"})


def test_results_each_question_by_any_other_by_profile_and_by_field(people, built):
    fill(people, built)
    admin, survey, tools, scale = built["admin"], built["survey"], built["tools"], built["scale"]
    url = reverse("surveys-staff:results", args=[survey.pk])
    page = admin.get(url).content.decode()
    assert "3 responses." in page and "Mean: 4.00 out of 5." in page
    chart = chart_on_page(page, f"q{tools.pk}")
    assert chart["data"]["labels"] == ["Scopus", "Cairn", "None"]
    assert chart["data"]["datasets"][0]["data"] == [2, 2, 0]
    assert f'id="q{tools.pk}-table"' in page and 'src="/static/web/khizana-charts.js" defer' in page
    # by profile
    page = admin.get(url, {"by": "category"}).content.decode()
    chart = chart_on_page(page, f"q{tools.pk}")
    assert [d["label"] for d in chart["data"]["datasets"]] == ["researcher", "doctoral student", "teacher"]
    assert [d["data"] for d in chart["data"]["datasets"]] == [[1, 1, 0], [1, 0, 0], [0, 1, 0]]
    # by research field (the field question)
    page = admin.get(url, {"by": "field"}).content.decode()
    chart = chart_on_page(page, f"q{scale.pk}")
    assert chart["data"]["labels"] == ["1", "2", "3", "4", "5"]
    assert [d["label"] for d in chart["data"]["datasets"]] == ["Sciences", "Humanities"]
    assert [d["data"] for d in chart["data"]["datasets"]] == [[0, 0, 1, 0, 1], [0, 0, 0, 1, 0]]
    assert "Research field" in page
    # by any other question: the field by the tools
    page = admin.get(url, {"by": str(tools.pk)}).content.decode()
    chart = chart_on_page(page, f"q{built['field'].pk}")
    assert [d["label"] for d in chart["data"]["datasets"]] == ["Scopus", "Cairn"]
    assert [d["data"] for d in chart["data"]["datasets"]] == [[2, 0], [1, 1]]
    response = admin.get(url, {"by": "nonsense"})
    assert "Break down by: choose one of the ways offered." in messages_of(response)


def test_csv_export(people, built):
    fill(people, built)
    librarian = client_for(people["librarian"])
    assert librarian.get(reverse("surveys-staff:csv", args=[built["survey"].pk])).status_code == 403
    response = built["admin"].get(reverse("surveys-staff:csv", args=[built["survey"].pk]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["response", "answered on", "profile", "member"]
    assert rows[0][4:] == ["Q1. Domaine", "Q2. Outils", "Q3. Pourquoi aucun ?", "Q4. Satisfaction"]
    by_member = {row[3]: row for row in rows[1:]}
    assert by_member["researcher"][2] == "researcher"
    assert by_member["researcher"][4:] == ["Sciences", "Scopus ; Cairn", "", "5"]
    assert by_member["teacher"][4:] == ["Humanities", "Cairn", "", "4"]


def test_removing_a_question_of_a_draft_removes_its_dependants_and_renumbers(people):
    admin = client_for(people["admin"])
    survey = create_survey(admin)
    first = add(admin, survey, "single", "Utilisez-vous Scopus ?", "Oui\nNon")
    add(admin, survey, "text", "Pourquoi ?", conditions=[f"{first.pk}:{choice(first, 'Non')}"])
    last = add(admin, survey, "scale", "Note")
    response = staff_post(admin, survey, action="delete-question", question=first.pk)
    assert "The question is removed." in messages_of(response)
    assert [(q.pk, q.position) for q in survey.questions.all()] == [(last.pk, 1)]
    response = staff_post(admin, survey, action="delete-question", question="999999")
    assert "Question: there is no such question in this survey." in messages_of(response)
    assert staff_post(admin, survey, action="delete-question", question="x").status_code == 404
    other = client_for(people["other_staff"])
    forged = other.post(
        reverse("surveys-staff:survey", args=[survey.pk]), {"action": "delete-question", "question": last.pk}
    )
    assert forged.status_code == 403 and survey.questions.count() == 1


def test_a_mail_server_that_refuses_is_reported_not_a_traceback(people, built, settings):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    response = staff_post(built["admin"], built["survey"], action="send", category="")
    assert response.status_code == 200
    assert any(m.startswith("Send: the mail server refused the messages") for m in messages_of(response))
    assert Survey.objects.get(pk=built["survey"].pk).sent_at is None
