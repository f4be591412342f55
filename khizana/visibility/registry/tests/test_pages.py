"""The registry's staff pages over HTTP (Django's test client): each role, forged posts, downloads."""

import csv
import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from khizana.accounts.models import AuditEntry
from khizana.testing import make_library, make_user
from khizana.visibility.models import Institution, InstitutionName
from khizana.visibility.registry import services

from .test_services import UM5, load_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    load_demo()
    return services.find_institution(UM5)


@pytest.fixture
def users(db):
    library = make_library("LIBA")
    return {
        "reader": make_user("lecteur", "reader", library),
        "cataloguer": make_user("catalogueur", "cataloguer", library),
        "library_admin": make_user("admin_a", "library_admin", library),
        "network_admin": make_user("reseau", "network_admin", None),
    }


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def state() -> tuple[int, int, int]:
    return Institution.objects.count(), InstitutionName.objects.count(), AuditEntry.objects.count()


def read_pages(university: Institution) -> list[str]:
    return [
        reverse("visibility:registry"),
        reverse("visibility:registry") + "?q=rabat&country=MA",
        reverse("visibility:registry-institution", args=[university.pk]),
        reverse("visibility:registry-export", args=["csv"]),
        reverse("visibility:registry-export", args=["jsonl"]),
    ]


def new_faculty(parent: Institution) -> dict:
    return {
        "name": "Faculté des Lettres et des Sciences Humaines de Rabat",
        "kind": "faculty",
        "parent": parent.ror_id,
        "name_ar": "كلية الآداب والعلوم الإنسانية بالرباط",
        "name_en": "Faculty of Letters and Human Sciences of Rabat",
        "acronyms": "FLSHR",
        "variants": "Fac Lettres & Sci Humaines Rabat\nFLSH Rabat",
    }


def test_anonymous_visitors_are_sent_to_sign_in(registry):
    for url in read_pages(registry):
        response = client_for().get(url)
        assert response.status_code == 302 and "/account/" in response["Location"], url


def test_readers_get_403_on_every_page_and_post(registry, users):
    client = client_for(users["reader"])
    for url in read_pages(registry):
        assert client.get(url).status_code == 403, url
    before = state()
    assert client.post(reverse("visibility:registry-add"), new_faculty(registry)).status_code == 403
    url = reverse("visibility:registry-add-name", args=[registry.pk])
    assert client.post(url, {"value": "UM5", "kind": "acronym"}).status_code == 403
    assert state() == before


def test_cataloguers_read_but_a_forged_post_changes_nothing(registry, users):
    client = client_for(users["cataloguer"])
    for url in read_pages(registry):
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("visibility:registry-institution", args=[registry.pk])).content.decode()
    assert reverse("visibility:registry-add-name", args=[registry.pk]) not in page  # no form offered
    before = state()
    assert client.get(reverse("visibility:registry-add")).status_code == 403
    assert client.post(reverse("visibility:registry-add"), new_faculty(registry)).status_code == 403
    url = reverse("visibility:registry-add-name", args=[registry.pk])
    assert client.post(url, {"value": "UM5", "kind": "acronym"}).status_code == 403
    assert state() == before


def test_a_library_administrator_adds_a_faculty_and_it_is_audited(registry, users):
    client = client_for(users["library_admin"])
    form = client.get(reverse("visibility:registry-add") + f"?parent={registry.pk}")
    assert form.status_code == 200 and UM5 in form.content.decode()
    response = client.post(reverse("visibility:registry-add"), new_faculty(registry))
    faculty = Institution.objects.get(source="local", name__startswith="Faculté des Lettres")
    assert response.status_code == 302
    assert response["Location"] == reverse("visibility:registry-institution", args=[faculty.pk])
    assert faculty.parent == registry and faculty.created_by == users["library_admin"]
    assert set(faculty.names.filter(kind="variant").values_list("value", flat=True)) == {
        "Fac Lettres & Sci Humaines Rabat",
        "FLSH Rabat",
    }
    entry = AuditEntry.objects.get(action="registry-add-institution")
    assert entry.user == users["library_admin"] and entry.target == faculty.local_key
    assert entry.library_id == users["library_admin"].membership.library_id
    page = client.get(response["Location"]).content.decode()
    assert "كلية الآداب والعلوم الإنسانية بالرباط" in page and "Mohammed V University" in page


def test_a_network_administrator_adds_a_variant_name(registry, users):
    client = client_for(users["network_admin"])
    url = reverse("visibility:registry-add-name", args=[registry.pk])
    response = client.post(url, {"value": "Univ Mohammed 5", "kind": "variant", "language": ""})
    assert response.status_code == 302
    assert registry.names.filter(value="Univ Mohammed 5", kind="variant", source="local").exists()
    assert AuditEntry.objects.filter(action="registry-add-name", target=UM5, library=None).exists()


def test_refused_input_is_shown_in_the_form_not_a_500(registry, users):
    client = client_for(users["network_admin"])
    client.cookies["django_language"] = "en"
    before = state()
    bad_parent = {**new_faculty(registry), "parent": "https://ror.org/0notthere"}
    response = client.post(reverse("visibility:registry-add"), bad_parent)
    assert response.status_code == 400 and "is not in the registry" in response.content.decode()
    response = client.post(reverse("visibility:registry-add"), {**new_faculty(registry), "name": ""})
    assert response.status_code == 400
    url = reverse("visibility:registry-add-name", args=[registry.pk])
    response = client.post(url, {"value": "=cmd|' /C calc'!A0", "kind": "variant"})
    assert response.status_code == 400 and "formula" in response.content.decode()
    response = client.post(url, {"value": "x", "kind": "nickname"})
    assert response.status_code == 400
    assert state() == before
    assert client.get(reverse("visibility:registry-institution", args=[999999])).status_code == 404
    assert (
        client.post(reverse("visibility:registry-add-name", args=[999999]), {"value": "x"}).status_code == 404
    )


def test_the_list_searches_and_pages(registry, users, monkeypatch):
    client = client_for(users["cataloguer"])
    page = client.get(reverse("visibility:registry"), {"q": "كلية العلوم"}).content.decode()
    assert "Faculté des Sciences de Rabat" in page and "Faculté des Sciences Dhar El Mahraz" in page
    page = client.get(reverse("visibility:registry"), {"country": "TN"}).content.decode()
    assert "University of Sfax" in page and "Mohammed V University" not in page
    monkeypatch.setattr("khizana.visibility.registry.views.PAGE_SIZE", 20)
    first = client.get(reverse("visibility:registry"))
    assert 'rel="next"' in first.content.decode()
    last = client.get(reverse("visibility:registry"), {"page": "99"}).content.decode()
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert client.get(reverse("visibility:registry"), {"page": "x"}).status_code == 200


def test_the_institution_page_shows_names_chain_and_children(registry, users):
    client = client_for(users["cataloguer"])
    lab = services.find_institution("local:ma-labmia-si-rabat")
    page = client.get(reverse("visibility:registry-institution", args=[lab.pk])).content.decode()
    assert "Faculté des Sciences de Rabat" in page and "Mohammed V University" in page
    assert "LabMIA-SI" in page and "Lab Math Informat &amp; Applicat" in page
    page = client.get(reverse("visibility:registry-institution", args=[registry.pk])).content.decode()
    assert "École Nationale Supérieure d&#x27;Informatique" in page and 'lang="ar"' in page


@pytest.mark.parametrize(
    ("language", "label", "withdrawn"),
    [("en", "active", "withdrawn"), ("fr", "active", "retirée"), ("ar", "نشطة", "مسحوبة")],
)
def test_the_institution_status_is_a_translated_label(registry, users, language, label, withdrawn):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(users["cataloguer"])
    page = client.get(reverse("visibility:registry-institution", args=[registry.pk])).content.decode()
    assert f"<dd>{label}</dd>" in page
    registry.status = "withdrawn"
    registry.save()
    page = client.get(reverse("visibility:registry-institution", args=[registry.pk])).content.decode()
    assert f"<dd>{withdrawn}</dd>" in page


def test_the_downloads_are_the_whole_registry(registry, users):
    client = client_for(users["cataloguer"])
    response = client.get(reverse("visibility:registry-export", args=["jsonl"]))
    assert response["Content-Type"].startswith("application/x-ndjson")
    assert "attachment" in response["Content-Disposition"]
    records = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert len(records) == Institution.objects.count() == 50
    response = client.get(reverse("visibility:registry-export", args=["csv"]))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row["id"] for row in rows} == {record["id"] for record in records}
    assert client.get("/research/registry/export.xml").status_code == 404


def test_a_local_institution_is_moved_but_never_into_a_cycle(registry, users):
    faculty = services.find_institution("local:ma-faculte-des-sciences-rabat")
    lab = services.find_institution("local:ma-labmia-si-rabat")
    url = reverse("visibility:registry-set-parent", args=[faculty.pk])
    forged = client_for(users["cataloguer"]).post(url, {"parent": "https://ror.org/001q4kn48"})
    assert forged.status_code == 403
    client = client_for(users["library_admin"])
    client.cookies["django_language"] = "en"
    before = state()
    response = client.post(url, {"parent": lab.local_key})
    assert response.status_code == 400 and "cannot be its parent" in response.content.decode()
    response = client.post(reverse("visibility:registry-set-parent", args=[registry.pk]), {"parent": ""})
    assert response.status_code == 400 and "comes from ROR" in response.content.decode()
    assert state() == before
    response = client.post(url, {"parent": "001q4kn48"})
    assert response.status_code == 302
    faculty.refresh_from_db()
    assert faculty.parent.ror_id == "https://ror.org/001q4kn48"
    assert services.roll_up(lab) == faculty.parent
    entry = AuditEntry.objects.get(action="registry-set-parent")
    assert entry.details == {"old": UM5, "new": "https://ror.org/001q4kn48"}
