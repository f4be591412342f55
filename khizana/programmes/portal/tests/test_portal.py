"""The portal over HTTP: network administrators write news and pages in three languages, draft until
published; readers see them in their language (with fallback), on the home page and in RSS and Atom feeds
(parsed here as XML); the portal lists the calls, events, surveys and free lists. Everyone else is refused."""

from datetime import timedelta

import pytest
from defusedxml import ElementTree
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from khizana.eresources.models import FreeList
from khizana.programmes.calls.models import Call
from khizana.programmes.events.models import Event
from khizana.programmes.portal.models import Entry
from khizana.programmes.surveys.models import Survey
from khizana.testing import make_library, make_user

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def _setup(settings):
    with translation.override("en"):
        yield


def client_for(user=None, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def people():
    rabat = make_library("RBT")
    return {
        "rabat": rabat,
        "admin": make_user("admin", "network_admin"),
        "librarian": make_user("librarian", "library_admin", rabat),
        "reader": make_user("reader", "reader", rabat),
    }


NEWS = {
    "kind": "news",
    "slug": "",
    "title_fr": "Nouvelle campagne de labellisation",
    "title_ar": "حملة جديدة للتوسيم",
    "title_en": "",
    "summary_fr": "Les bibliothèques peuvent candidater.",
    "summary_ar": "",
    "summary_en": "",
    "body_fr": "Premier paragraphe <script>alert(1)</script>.\n\nSecond paragraphe & suite.",
    "body_ar": "",
    "body_en": "",
    "status": "published",
    "published_at": "",
}


def write(client, **changes):
    return client.post(reverse("portal-staff:new"), NEWS | changes, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_an_admin_publishes_a_news_item_shown_in_each_language_with_fallback(people):
    response = write(client_for(people["admin"]))
    assert "Saved." in messages_of(response)
    entry = Entry.objects.get()
    assert entry.published_at is not None and entry.created_by == people["admin"]
    url = reverse("portal:news", args=[entry.pk])
    arabic = client_for(language="ar").get(url).content.decode()
    assert "حملة جديدة للتوسيم" in arabic and "Les bibliothèques peuvent candidater." in arabic
    english = client_for().get(url).content.decode()  # no English title: the French one, marked so
    assert '<bdi lang="fr">Nouvelle campagne de labellisation</bdi>' in english
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in english and "<script>alert" not in english
    assert english.count("<p>Premier paragraphe") == 1 and "<p>Second paragraphe &amp; suite.</p>" in english
    home = client_for(language="fr").get("/").content.decode()
    assert "Nouvelle campagne de labellisation" in home and reverse("portal:rss") in home


def test_drafts_and_future_items_stay_hidden(people):
    admin = client_for(people["admin"])
    write(admin, title_fr="Brouillon", status="draft")
    later = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    write(admin, title_fr="Plus tard", published_at=later)
    draft, future = Entry.objects.get(title_fr="Brouillon"), Entry.objects.get(title_fr="Plus tard")
    for entry in (draft, future):
        assert client_for(people["reader"]).get(reverse("portal:news", args=[entry.pk])).status_code == 404
        assert admin.get(reverse("portal:news", args=[entry.pk])).status_code == 200  # preview
    for page in ("/", reverse("portal:index"), reverse("portal:rss"), reverse("portal:atom")):
        text = client_for().get(page).content.decode()
        assert "Brouillon" not in text and "Plus tard" not in text, page


def test_pages_have_an_address(people):
    admin = client_for(people["admin"])
    response = write(admin, kind="page", slug="", title_fr="À propos")
    assert "Address: a page needs one." in messages_of(response) and not Entry.objects.exists()
    write(admin, kind="page", slug="a-propos", title_fr="À propos", title_en="About")
    assert "About" in client_for().get(reverse("portal:page", args=["a-propos"])).content.decode()
    response = write(admin, kind="page", slug="a-propos", title_fr="Autre")
    assert Entry.objects.filter(slug="a-propos").count() == 1 and response.status_code == 200
    response = write(admin, title_fr="", title_ar="")
    assert "Title: write it in one language at least." in messages_of(response)


def test_rss_and_atom_feeds_parse_and_follow_the_language(people):
    admin = client_for(people["admin"])
    write(admin)
    write(
        admin,
        title_fr="Webinaire Scopus",
        title_ar="",
        title_en="Scopus webinar",
        summary_fr="",
        body_fr="A < B & C",
    )
    rss = client_for(language="en").get(reverse("portal:rss"))
    assert rss["Content-Type"].startswith("application/rss+xml")
    channel = ElementTree.fromstring(rss.content).find("channel")
    assert channel.findtext("language") == "en"
    titles = [item.findtext("title") for item in channel.findall("item")]
    assert titles == ["Scopus webinar", "Nouvelle campagne de labellisation"]
    descriptions = [item.findtext("description") for item in channel.findall("item")]
    assert descriptions[0] == "A &lt; B &amp; C"  # plain text, escaped for readers that show HTML
    assert all(
        item.findtext("link").startswith("http://testserver/network/portal/news/")
        for item in channel.findall("item")
    )
    atom = client_for(language="ar").get(reverse("portal:atom"))
    assert atom["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(atom.content)
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "ar"
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == ["Webinaire Scopus", "حملة جديدة للتوسيم"]
    assert all(entry.findtext(f"{ATOM}updated") for entry in entries)


def test_only_network_admins_write(people):
    admin = client_for(people["admin"])
    write(admin)
    entry = Entry.objects.get()
    for user in (people["librarian"], people["reader"]):
        client = client_for(user)
        assert client.get(reverse("portal-staff:entries")).status_code == 403
        assert write(client, title_fr="Forgé").status_code == 403
        forged = client.post(reverse("portal-staff:edit", args=[entry.pk]), NEWS | {"title_fr": "Forgé"})
        assert forged.status_code == 403
        assert (
            client.post(reverse("portal-staff:edit", args=[entry.pk]), {"action": "delete"}).status_code
            == 403
        )
    visitor = client_for().post(reverse("portal-staff:new"), NEWS)
    assert visitor.status_code == 302 and "/account/login/" in visitor["Location"]
    assert list(Entry.objects.values_list("title_fr", flat=True)) == ["Nouvelle campagne de labellisation"]
    assert admin.post(reverse("portal-staff:edit", args=[999999]), NEWS).status_code == 404
    response = admin.post(
        reverse("portal-staff:edit", args=[entry.pk]), NEWS | {"title_fr": "Changé"}, follow=True
    )
    assert "Saved." in messages_of(response) and Entry.objects.get().title_fr == "Changé"
    admin.post(reverse("portal-staff:edit", args=[entry.pk]), {"action": "delete"})
    assert not Entry.objects.exists()


def test_the_portal_lists_calls_events_surveys_and_free_lists(people):
    now = timezone.now()
    Call.objects.create(
        title_fr="Appel 2027", text_fr="Texte", budget=1000, eligibility="both",
        opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=10),
    )  # fmt: skip
    Call.objects.create(
        title_fr="Appel clos", text_fr="Texte", budget=1000, eligibility="both",
        opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=10),
    )  # fmt: skip
    Event.objects.create(
        kind="webinar", title="Webinaire Cairn", provider="Cairn", topic="Ressources",
        starts_at=now + timedelta(days=5), ends_at=now + timedelta(days=5, hours=2), capacity=100,
    )  # fmt: skip
    Survey.objects.create(title_fr="Enquête besoins", status="open")
    Survey.objects.create(title_fr="Enquête brouillon", status="draft")
    Survey.objects.create(title_fr="Enquête de Rabat", status="open", library=people["rabat"])
    FreeList.objects.create(code="oa", title_fr="Accès ouvert", title_en="Open access")
    page = client_for().get(reverse("portal:index")).content.decode()
    for shown in ("Appel 2027", "Webinaire Cairn", "Enquête besoins", "Open access"):
        assert shown in page, shown
    for hidden in ("Appel clos", "Enquête brouillon", "Enquête de Rabat"):
        assert hidden not in page, hidden
    assert "Enquête de Rabat" in client_for(people["reader"]).get(reverse("portal:index")).content.decode()
