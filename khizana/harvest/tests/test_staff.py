"""The staff page of a library's harvests: who may see and use it, settings, a harvest started by staff."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from khizana.accounts.models import AuditEntry, Membership
from khizana.catalog.models import SourceRecord
from khizana.harvest.models import HarvestRun, HarvestSource
from khizana.harvest.services import configure
from khizana.testing import make_library

from .server import OaiTestServer, xml
from .test_harvest import _quick_retries, pyoai_repository  # noqa: F401  (the fixture applies here too)


@pytest.fixture(autouse=True)
def _jobs_run_at_once(settings):
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True


def client_for(username, role, library):
    user = get_user_model().objects.create_user(username, f"{username}@example.org", "x" * 20)
    Membership.objects.create(user=user, role=role, library=library)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def libraries(db):
    return make_library("EUR"), make_library("OTHER")


def test_only_the_staff_of_the_library_see_and_use_its_page(libraries):
    eur, other = libraries
    configure(eur, "https://oai.example.org/request")
    page = reverse("harvest:library", args=["EUR"])
    start = reverse("harvest:start", args=["EUR"])
    assert Client().get(page).status_code == 302  # to the sign-in page
    for username, role, library in [("lecteur", "reader", eur), ("autre", "cataloguer", other)]:
        client = client_for(username, role, library)
        assert client.get(page).status_code == 403
        assert client.post(start).status_code == 403
        assert client.post(page, {"base_url": "https://evil.example.org/oai"}).status_code == 403
    assert not HarvestRun.objects.exists()
    assert HarvestSource.objects.get(library=eur).base_url == "https://oai.example.org/request"
    assert client_for("cat", "cataloguer", eur).get(page).status_code == 200
    assert client_for("reseau", "network_admin", None).get(page).status_code == 200


def test_staff_set_the_endpoint_start_a_harvest_and_see_the_run(libraries):
    eur, _ = libraries
    client = client_for("cat", "cataloguer", eur)
    page = reverse("harvest:library", args=["EUR"])
    refused = client.post(page, {"base_url": "not a url", "metadata_prefix": "", "set_spec": ""})
    assert refused.status_code == 400 and '<strong class="error" role="alert">' in refused.content.decode()
    assert not HarvestSource.objects.exists()
    with OaiTestServer(pyoai_repository(lambda q: xml("pyoai_fake1_00005.xml"))) as server:
        saved = client.post(
            page, {"base_url": server.url, "metadata_prefix": "", "set_spec": "", "enabled": "on"}
        )
        assert saved.status_code == 302
        started = client.post(reverse("harvest:start", args=["EUR"]), follow=True)
    run = HarvestRun.objects.get()
    assert started.redirect_chain[-1][0] == reverse("harvest:run", args=["EUR", run.pk])
    assert run.status == HarvestRun.Status.FINISHED and run.trigger == "staff"
    assert run.started_by.username == "cat" and run.records_added == 16
    assert SourceRecord.objects.filter(library=eur).count() == 16
    html = started.content.decode()
    assert "oai-EUR-harvest" in html and reverse("staff:import-run", args=[run.import_runs.get().pk]) in html
    listing = client.get(page).content.decode()
    assert reverse("harvest:run", args=["EUR", run.pk]) in listing and "<td>16</td>" in listing
    assert "2003-04-30T16:08:01Z" in listing  # where the next harvest starts
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {"harvest-settings", "harvest"}


def test_a_failed_harvest_shows_its_error_on_the_page(libraries):
    eur, _ = libraries
    client = client_for("cat", "cataloguer", eur)
    with OaiTestServer(lambda q: xml("phpoaipmh_BadResponseNonExistentVerb.xml")) as server:
        configure(eur, server.url)
        client.post(reverse("harvest:start", args=["EUR"]))
    listing = client.get(reverse("harvest:library", args=["EUR"])).content.decode()
    assert "badVerb: The verb &#x27;NotExist&#x27; is illegal" in listing
    assert HarvestRun.objects.get().status == HarvestRun.Status.FAILED


def test_a_second_start_while_one_waits_is_refused(libraries):
    eur, _ = libraries
    client = client_for("cat", "cataloguer", eur)
    source = configure(eur, "https://oai.example.org/request")
    waiting = HarvestRun.objects.create(source=source, base_url=source.base_url)
    response = client.post(reverse("harvest:start", args=["EUR"]))
    assert response.url == reverse("harvest:run", args=["EUR", waiting.pk])
    assert HarvestRun.objects.count() == 1


def test_run_errors_and_url_errors_are_shown_in_the_staff_members_language(libraries):
    from khizana.harvest.oai import Message

    eur, _ = libraries
    client = client_for("cat", "cataloguer", eur)
    source = configure(eur, "https://oai.example.org/request")
    text = "%(url)s: gave up after %(attempts)s attempt(s), %(waited)s s waited: %(failure)s"
    failure = Message("cannot connect (%(error)s)", {"error": "Connection refused"})
    gave_up = Message(
        text, {"url": "https://oai.example.org/request", "attempts": 4, "waited": "3", "failure": failure}
    )
    run = HarvestRun.objects.create(
        source=source,
        base_url=source.base_url,
        status=HarvestRun.Status.FAILED,
        errors=[gave_up.as_json(), "page.xml: an import error, in English as the catalog keeps them"],
    )
    assert run.error_texts[0] == (
        "https://oai.example.org/request: gave up after 4 attempt(s), 3 s waited: cannot connect "
        "(Connection refused)"
    )
    page = reverse("harvest:run", args=["EUR", run.pk])
    client.cookies["django_language"] = "fr"
    french = client.get(page).content.decode()
    assert (
        "abandon après 4 tentative(s) et 3 s d’attente : connexion impossible (Connection refused)" in french
    )
    assert "page.xml: an import error, in English as the catalog keeps them" in french
    client.cookies["django_language"] = "ar"
    arabic = client.get(reverse("harvest:library", args=["EUR"])).content.decode()
    assert "تعذّر الاتصال (Connection refused)" in arabic

    client.cookies["django_language"] = "fr"
    refused = client.post(
        reverse("harvest:library", args=["EUR"]),
        {"base_url": "ftp://example.org/oai", "metadata_prefix": "", "set_spec": ""},
    )
    assert refused.status_code == 400, refused.content.decode()[-3000:]
    assert "n’est pas une adresse http:// ou https://" in refused.content.decode()
