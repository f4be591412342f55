"""Server-side request forgery: staff cannot make the server fetch loopback, private or reserved
addresses through a harvest URL, not when they save it, not when it is harvested, not by a redirect."""

import html
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from khizana.accounts.models import AuditEntry
from khizana.catalog.models import ImportRun, SourceRecord
from khizana.core.outgoing.tests.fake_dns import FakeDNS
from khizana.harvest.models import HarvestRun, HarvestSource
from khizana.libraries.models import Library
from khizana.testing import make_library, make_user

from .server import OaiTestServer, xml
from .test_harvest import _quick_retries, pyoai_repository  # noqa: F401  (the fixture applies here too)

RULE = (
    "outgoing requests to loopback, private, link-local or reserved addresses are refused unless "
    "KHIZANA_OUTGOING_ALLOWED_HOSTS allows it"
)
NAME = "catalogue.example.org"  # a public-looking name, resolved by the fake DNS


@pytest.fixture(autouse=True)
def _strict(settings):
    """No host allowed (the test settings allow 127.0.0.1 for the other harvest tests); jobs run at once."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    settings.KHIZANA_OUTGOING_ALLOWED_HOSTS = []


@pytest.fixture
def dns(monkeypatch):
    return FakeDNS(monkeypatch)


@pytest.fixture
def library(db):
    return make_library("EUR")


@pytest.fixture
def cataloguer(library):
    client = Client()
    client.force_login(make_user("cat", "cataloguer", library))
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def repository():
    """A working OAI-PMH repository on loopback: the target no request may reach."""
    with OaiTestServer(pyoai_repository(lambda q: xml("pyoai_fake1_00005.xml"))) as server:
        yield server


def save(client: Client, url: str):
    page = reverse("harvest:library", args=["EUR"])
    return client.post(page, {"base_url": url, "metadata_prefix": "", "set_spec": "", "enabled": "on"})


def start(client: Client) -> HarvestRun:
    client.post(reverse("harvest:start", args=["EUR"]))
    return HarvestRun.objects.get()


def text_of(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://127.0.0.1:{port}/oai", "the address 127.0.0.1 is a loopback address"),
        ("http://[::1]:{port}/oai", "the address ::1 is a loopback address"),
        ("http://0.0.0.0:{port}/oai", "the address 0.0.0.0 is an unspecified address"),
        ("http://2130706433:{port}/oai", "the address 127.0.0.1 is a loopback address"),
        ("http://0x7f.1:{port}/oai", "the address 127.0.0.1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]:{port}/", "the address ::ffff:7f00:1 (127.0.0.1) is a loopback address"),
        ("http://10.0.0.1/oai", "the address 10.0.0.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "the address 169.254.169.254 is a link-local address"),
        ("https://100.64.0.1/oai", "the address 100.64.0.1 is a shared address (100.64.0.0/10)"),
    ],
)
def test_a_url_at_a_loopback_private_or_reserved_address_is_refused_when_saved(
    cataloguer, repository, url, problem
):
    url = url.format(port=urlsplit(repository.url).port)
    response = save(cataloguer, url)
    assert response.status_code == 400
    assert f"{url}: {problem}; {RULE}" in text_of(response)
    assert not HarvestSource.objects.exists() and not AuditEntry.objects.exists()
    assert repository.requests == []


def test_localhost_and_a_name_that_resolves_to_loopback_are_refused_when_saved(cataloguer, repository, dns):
    port = urlsplit(repository.url).port
    dns.add("localhost", ["127.0.0.1", "::1"])
    dns.add(NAME, ["8.8.8.8", "127.0.0.1"])  # any address not public is enough
    for host in ("localhost", NAME):
        url = f"http://{host}:{port}/oai"
        response = save(cataloguer, url)
        assert response.status_code == 400
        expected = f"{url}: the host {host} resolves to 127.0.0.1, a loopback address; {RULE}"
        assert expected in text_of(response)
    assert not HarvestSource.objects.exists() and repository.requests == []


def test_the_refusal_is_shown_in_the_staff_members_language(cataloguer, repository):
    cataloguer.cookies["django_language"] = "fr"
    response = save(cataloguer, "http://127.0.0.1/oai")
    assert response.status_code == 400 and "KHIZANA_OUTGOING_ALLOWED_HOSTS" in text_of(response)


def test_an_allowed_host_is_saved_and_harvested(cataloguer, repository, dns, settings):
    settings.KHIZANA_OUTGOING_ALLOWED_HOSTS = [NAME]
    dns.add(NAME, ["127.0.0.1"])
    url = repository.url.replace("127.0.0.1", NAME)
    assert save(cataloguer, url).status_code == 302
    run = start(cataloguer)
    assert run.status == HarvestRun.Status.FINISHED and run.records_added == 16
    assert repository.verbs()[0] == "Identify"


def test_a_source_whose_name_now_resolves_to_loopback_fails_its_harvest_clearly(
    cataloguer, library, repository, dns
):
    """Saved while its name was public (or before this guard): the harvest checks again."""
    url = repository.url.replace("127.0.0.1", NAME)
    dns.add(NAME, ["8.8.8.8"])
    assert save(cataloguer, url).status_code == 302
    dns.add(NAME, ["127.0.0.1"])
    run = start(cataloguer)
    assert run.status == HarvestRun.Status.FAILED
    assert run.error_texts == [
        f"{url}?verb=Identify: the host {NAME} resolves to 127.0.0.1, a loopback address; {RULE}"
    ]
    assert repository.requests == [] and not ImportRun.objects.exists()
    assert HarvestSource.objects.get().last_datestamp == ""
    listing = text_of(cataloguer.get(reverse("harvest:library", args=["EUR"])))
    assert f"the host {NAME} resolves to 127.0.0.1, a loopback address" in listing
    assert "Traceback" not in listing


@pytest.mark.parametrize("target_host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "2130706433"])
def test_a_public_host_that_redirects_to_loopback_fails_the_harvest_without_reaching_it(
    cataloguer, repository, dns, settings, target_host
):
    dns.add(NAME, ["127.0.0.1"])  # the first hop: allowed by name, as an administrator would
    dns.add("localhost", ["127.0.0.1"])
    settings.KHIZANA_OUTGOING_ALLOWED_HOSTS = [NAME]
    target = repository.url.replace("127.0.0.1", target_host)
    with OaiTestServer(lambda q: (302, {"Location": f"{target}?verb=Identify"}, b"")) as first:
        url = first.url.replace("127.0.0.1", NAME)
        assert save(cataloguer, url).status_code == 302
        run = start(cataloguer)
    assert run.status == HarvestRun.Status.FAILED
    [error] = run.error_texts
    assert error.startswith(f"{url}?verb=Identify: redirected to a refused address: {target}?verb=Identify: ")
    assert error.endswith(f"a loopback address; {RULE}")
    assert first.verbs() == ["Identify"]  # refused, not retried
    assert repository.requests == []
    assert not ImportRun.objects.exists() and not SourceRecord.objects.exists()


def test_the_command_refuses_a_loopback_url_and_a_source_that_leads_there(library, repository, dns):
    with pytest.raises(CommandError, match=r"the address 127\.0\.0\.1 is a loopback address"):
        call_command("harvest", "EUR", "--url", repository.url)
    assert not HarvestSource.objects.exists()
    dns.add(NAME, ["127.0.0.1"])
    HarvestSource.objects.create(library=library, base_url=repository.url.replace("127.0.0.1", NAME))
    with pytest.raises(CommandError, match="harvest failed for EUR"):
        call_command("harvest", "EUR")
    assert "resolves to 127.0.0.1, a loopback address" in HarvestRun.objects.get().error_texts[0]
    assert repository.requests == []


def test_a_library_endpoint_at_a_private_address_is_refused_in_the_administration(db):
    admin = Client()
    admin.force_login(make_user("root", is_staff=True, is_superuser=True))
    admin.cookies["django_language"] = "en"
    fields = {"code": "NEW", "name_fr": "Nouvelle", "kind": "public", "country": "MA"}
    add = reverse("admin:libraries_library_add")
    refused = admin.post(add, {**fields, "oai_endpoint": "http://169.254.169.254/latest/meta-data/"})
    assert refused.status_code == 200
    assert "the address 169.254.169.254 is a link-local address" in text_of(refused)
    assert not Library.objects.filter(code="NEW").exists()
    assert admin.post(add, {**fields, "oai_endpoint": "https://8.8.8.8/oai"}).status_code == 302
    assert Library.objects.get(code="NEW").oai_endpoint == "https://8.8.8.8/oai"
