"""Labelling over HTTP: campaigns, descriptions, reviews, the decision, and what each role may do,
forged requests included; then the public pages (map, conspectus, collection, work and library pages)
and the Dublin Core Collections records."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from khizana.programmes.labelling import services
from khizana.programmes.labelling.models import Campaign, Collection, CollectionWork, Review

from .conftest import client_for, description

STAFF = "/staff/network/labelling/"


def describe(user, campaign, data):
    return client_for(user).post(reverse("labelling-staff:describe", args=[campaign.pk]), data)


@pytest.fixture
def submitted(people, campaign, works, laboratory):
    response = describe(
        people["librarian"], campaign, description(people["rabat"], [works["Histoire du Maghreb"]])
    )
    collection = Collection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("labelling-staff:collection", args=[collection.pk])
    response = client_for(people["colleague"]).post(reverse("labelling-staff:submit", args=[collection.pk]))
    assert response.status_code == 302
    collection.refresh_from_db()
    return collection


def test_only_network_administrators_run_campaigns(people):
    data = {
        "name": "Campagne 2027-2",
        "text_fr": "Texte.",
        "opens_on": "2027-09-01",
        "closes_on": "2027-10-31",
    }
    new = reverse("labelling-staff:new-campaign")
    assert client_for().post(new, data).status_code == 302  # to the sign-in page
    assert client_for(people["reader"]).post(new, data).status_code == 403
    assert client_for(people["librarian"]).post(new, data).status_code == 403
    assert not Campaign.objects.exists()
    backwards = data | {"closes_on": "2027-08-01"}
    response = client_for(people["admin"]).post(new, backwards)
    assert response.status_code == 200 and not Campaign.objects.exists()
    assert client_for(people["admin"]).post(new, data).status_code == 302
    campaign = Campaign.objects.get()
    assert campaign.name == "Campagne 2027-2" and campaign.closes_on.isoformat() == "2027-10-31"
    page = client_for(people["librarian"]).get(STAFF).content.decode()
    assert "Campagne 2027-2" in page and reverse("labelling-staff:campaign", args=[campaign.pk]) not in page


def test_library_staff_describe_and_submit_a_collection(people, campaign, works, laboratory):
    listed = works["Histoire du Maghreb"]
    page = client_for(people["librarian"]).get(reverse("labelling-staff:describe", args=[campaign.pk]))
    assert page.status_code == 200 and "900 History and geography" in page.content.decode()
    response = describe(people["librarian"], campaign, description(people["rabat"], [listed]))
    assert response.status_code == 302
    collection = Collection.objects.get()
    assert collection.library == people["rabat"] and collection.status == "draft"
    assert collection.subjects == ["200", "900"] and collection.languages == ["ara", "ber"]
    assert collection.size == 1200 and list(collection.laboratories.all()) == [laboratory]
    assert services.work_ids(collection) == [listed.pk]  # the search is run once labelled
    edit = reverse("labelling-staff:edit", args=[collection.pk])
    changed = description(people["rabat"], [listed], name_fr="Manuscrits du Maroc (fonds ancien)")
    assert client_for(people["colleague"]).post(edit, changed).status_code == 302
    collection.refresh_from_db()
    assert collection.name_fr == "Manuscrits du Maroc (fonds ancien)"
    assert (
        client_for(people["colleague"])
        .post(reverse("labelling-staff:submit", args=[collection.pk]))
        .status_code
        == 302
    )
    collection.refresh_from_db()
    assert collection.status == "submitted" and collection.submitted_at is not None
    response = client_for(people["colleague"]).post(edit, changed | {"name_fr": "Autre"}, follow=True)
    assert "can no longer be changed" in response.content.decode()
    collection.refresh_from_db()
    assert collection.name_fr == "Manuscrits du Maroc (fonds ancien)"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"languages": "ara xyz"}, "Languages: not ISO 639-2 codes: xyz."),
        ({"subjects": ["950"]}, "Select a valid choice. 950 is not one of the available choices."),
        ({"works": "999999"}, "Works: no work numbered 999999."),
        ({"works": "le-livre"}, "Not work numbers: le-livre."),
        ({"laboratories": "0abcdef12"}, "not in the institution registry: 0abcdef12."),
        ({"name_fr": ""}, "This field is required."),
    ],
)
def test_bad_descriptions_are_refused_by_name(people, campaign, works, laboratory, change, message):
    response = describe(people["librarian"], campaign, description(people["rabat"]) | change)
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Collection.objects.exists() and not CollectionWork.objects.exists()


def test_a_closed_campaign_takes_no_application(people, campaign, works, laboratory):
    campaign.closes_on = timezone.localdate() - timedelta(days=1)
    campaign.save()
    response = describe(people["librarian"], campaign, description(people["rabat"]))
    assert "is not open" in response.content.decode()
    assert not Collection.objects.exists()


def test_forged_requests_from_others_change_nothing(people, campaign, works, laboratory, submitted):
    # Another library's staff naming Rabat in the form: Rabat is not among the libraries offered.
    response = describe(people["other_staff"], campaign, description(people["rabat"], name_fr="Forgé"))
    assert response.status_code == 200 and Collection.objects.count() == 1
    # A reader or an anonymous visitor: no staff page at all.
    assert describe(people["reader"], campaign, description(people["fes"])).status_code == 403
    assert describe(None, campaign, description(people["fes"])).status_code == 302
    assert Collection.objects.count() == 1
    # Rabat's collection is not theirs to see, edit, submit, decide or give reviewers to.
    other = client_for(people["other_staff"])
    for name in ("collection", "edit"):
        assert other.get(reverse(f"labelling-staff:{name}", args=[submitted.pk])).status_code == 404
    for name in ("edit", "submit", "assign", "decide"):
        url = reverse(f"labelling-staff:{name}", args=[submitted.pk])
        assert (
            other.post(url, {"username": "other_staff", "labelled": "yes", "year": "2027"}).status_code == 404
        )
    librarian = client_for(people["librarian"])
    assert (
        librarian.post(
            reverse("labelling-staff:assign", args=[submitted.pk]), {"username": "expert"}
        ).status_code
        == 403
    )
    assert (
        librarian.post(
            reverse("labelling-staff:decide", args=[submitted.pk]), {"labelled": "yes", "year": "2027"}
        ).status_code
        == 403
    )
    # A forged id.
    assert librarian.get(reverse("labelling-staff:collection", args=[submitted.pk + 100])).status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == "submitted" and not Review.objects.exists()
    # The application is not public until labelled.
    assert client_for().get(reverse("labelling:collection", args=[submitted.pk])).status_code == 404
    assert (
        client_for(people["other_staff"])
        .get(reverse("labelling:collection-dcc", args=[submitted.pk]))
        .status_code
        == 404
    )
    assert (
        client_for(people["colleague"]).get(reverse("labelling:collection", args=[submitted.pk])).status_code
        == 200
    )


def test_reviewers_score_their_collections_only(people, submitted):
    admin = client_for(people["admin"])
    assign = reverse("labelling-staff:assign", args=[submitted.pk])
    response = admin.post(assign, {"username": "conflicted"}, follow=True)
    assert "Conflict of interest: conflicted belongs to RBT" in response.content.decode()
    response = admin.post(assign, {"username": "nobody"}, follow=True)
    assert "Reviewer: no user named “nobody”." in response.content.decode()
    assert not Review.objects.exists()
    assert admin.post(assign, {"username": "expert"}).status_code == 302
    review = Review.objects.get()
    url = reverse("labelling:review", args=[review.pk])
    assert client_for(people["reader"]).post(url, {"score": "5"}).status_code == 404
    assert client_for().post(url, {"score": "5"}).status_code == 302
    expert = client_for(people["expert"])
    assert "Manuscripts of Morocco" in expert.get(reverse("labelling:reviews")).content.decode()
    response = expert.post(url, {"score": "9"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert expert.post(url, {"score": "4", "comment": "Fonds rare et bien décrit."}).status_code == 302
    review.refresh_from_db()
    assert review.score == 4 and review.comment == "Fonds rare et bien décrit."
    page = admin.get(reverse("labelling-staff:collection", args=[submitted.pk])).content.decode()
    assert "Fonds rare et bien décrit." in page
    assert "4.0 (1)" in admin.get(STAFF).content.decode()
    # The library's own staff do not see who reviewed it nor the scores.
    assert (
        "Fonds rare"
        not in client_for(people["librarian"])
        .get(reverse("labelling-staff:collection", args=[submitted.pk]))
        .content.decode()
    )


def test_the_committee_labels_and_the_library_is_told(
    people, submitted, works, django_capture_on_commit_callbacks
):
    Review.objects.create(collection=submitted, reviewer=people["expert"])
    admin = client_for(people["admin"])
    decide = reverse("labelling-staff:decide", args=[submitted.pk])
    response = admin.post(decide, {"labelled": "yes", "year": ""}, follow=True)
    assert "Year of the label" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == "submitted" and not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(decide, {"labelled": "yes", "year": "2027", "note": "Bravo."}).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == "labelled" and submitted.label_year == 2027
    assert sorted(m.to[0] for m in mail.outbox) == ["contact@rbt.example.org", "librarian@example.org"]
    assert "labelled a collection of excellence (2027)" in mail.outbox[0].subject
    assert "Bravo." in mail.outbox[0].body
    # The saved search ("manuscrits") found the two manuscripts, the list gave the third work.
    assert set(services.work_ids(submitted)) == {w.pk for w in works.values()}
    # Scores no longer change once decided.
    review = Review.objects.get()
    response = client_for(people["expert"]).post(
        reverse("labelling:review", args=[review.pk]), {"score": "2"}
    )
    assert "The committee has decided" in response.content.decode()
    review.refresh_from_db()
    assert review.score is None


@pytest.fixture
def labelled(people, submitted):
    return services.decide(people["admin"], submitted, True, 2027, "")


def test_public_pages_show_labelled_collections(people, labelled, works):
    index = client_for().get(reverse("labelling:index")).content.decode()
    assert "Manuscripts of Morocco" in index and '<circle class="dot"' in index
    assert "1 labelled collection." in index
    assert 'href="#library-RBT"' in index and 'id="library-RBT"' in index
    conspectus = client_for().get(reverse("labelling:conspectus")).content.decode()
    history = conspectus.split('id="class-900"')[1].split("</section>")[0]
    assert "Manuscripts of Morocco" in history
    assert (
        "No labelled collection in this class."
        in conspectus.split('id="class-500"')[1].split("</section>")[0]
    )
    page = client_for().get(reverse("labelling:collection", args=[labelled.pk])).content.decode()
    assert "Laboratoire d&#x27;histoire du Maroc" in page and "Manuscrits andalous de Tétouan" in page
    assert "3 works in the catalog." in page and "Arabic" in page
    work = (
        client_for().get(reverse("web:work", args=[works["Manuscrits soufis du Souss"].pk])).content.decode()
    )
    assert 'id="labelled-collections"' in work and "labelled in 2027" in work
    assert reverse("labelling:collection", args=[labelled.pk]) in work
    library = client_for().get(reverse("web:library", args=["RBT"])).content.decode()
    assert "Manuscripts of Morocco" in library
    assert (
        'id="labelled-collections"'
        not in client_for().get(reverse("web:library", args=["FES"])).content.decode()
    )


def test_a_collection_not_labelled_stays_private(people, submitted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.decide(people["admin"], submitted, False, None, "Pas cette fois.")
    assert "not labelled this time" in mail.outbox[0].subject
    assert client_for().get(reverse("labelling:collection", args=[submitted.pk])).status_code == 404
    assert "Manuscri" not in client_for().get(reverse("labelling:index")).content.decode()
    # Its saved search is not run: no work page lists it (only the work it listed stays linked).
    assert list(CollectionWork.objects.values_list("source", flat=True)) == ["list"]
    assert services.for_work(services.work_ids(submitted)[0]) == []


def test_dublin_core_collections_records(people, labelled):
    response = client_for().get(reverse("labelling:collection-dcc", args=[labelled.pk]))
    assert response["Content-Type"] == "application/rdf+xml"
    root = etree.fromstring(response.content)
    ns = {
        "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "dcterms": "http://purl.org/dc/terms/",
        "cld": "http://purl.org/cld/terms/",
    }
    (node,) = root.findall("rdf:Description", ns)
    assert (
        node.get(f"{{{ns['rdf']}}}about") == f"http://testserver/network/labelling/collections/{labelled.pk}/"
    )
    assert (
        node.find("dcterms:type", ns).get(f"{{{ns['rdf']}}}resource")
        == "http://purl.org/dc/dcmitype/Collection"
    )
    titles = {
        t.get("{http://www.w3.org/XML/1998/namespace}lang"): t.text for t in node.findall("dcterms:title", ns)
    }
    assert titles == {"fr": "Manuscrits du Maroc", "ar": "مخطوطات المغرب", "en": "Manuscripts of Morocco"}
    assert [v.text for v in node.findall("dcterms:subject/dcterms:DDC/rdf:value", ns)] == ["200", "900"]
    assert [v.text for v in node.findall("dcterms:language/dcterms:ISO639-2/rdf:value", ns)] == ["ara", "ber"]
    assert node.find("cld:dateItemsCreated", ns).text == "XVIe-XIXe siècles"
    assert node.find("dcterms:extent", ns).text == "1200 items"
    assert (
        node.find("cld:isLocatedAt/rdf:Description", ns)
        .get(f"{{{ns['rdf']}}}about")
        .endswith("/libraries/RBT/")
    )
    assert (
        node.find("cld:isAccessedVia", ns).get(f"{{{ns['rdf']}}}resource")
        == "http://testserver/search?q=manuscrits"
    )
    assert node.find("dcterms:audience", ns).text == "Laboratoire d'histoire du Maroc"
    listing = etree.fromstring(client_for().get(reverse("labelling:collections-dcc")).content)
    assert len(listing.findall("rdf:Description", ns)) == 1


def test_a_digitisation_service_is_a_dcmi_service(people, campaign, laboratory):
    values = services.CollectionValues(
        name_fr="Atelier de numérisation", description_fr="Numérisation à la demande.", kind="service",
        subjects=["000"],
    )  # fmt: skip
    service = services.save_collection(people["librarian"], campaign, people["rabat"], values)
    services.submit_collection(people["librarian"], service)
    services.decide(people["admin"], service, True, 2027)
    root = etree.fromstring(client_for().get(reverse("labelling:collection-dcc", args=[service.pk])).content)
    kind = root.find("{*}Description/{http://purl.org/dc/terms/}type")
    assert kind.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}resource").endswith("/dcmitype/Service")


def test_the_export_command_writes_the_records(people, labelled, tmp_path):
    from django.core.management import call_command

    target = tmp_path / "collections.rdf"
    call_command("labelling", "export", str(target), "--base-url", "https://khizana.example.org")
    root = etree.parse(str(target)).getroot()
    (node,) = root
    assert node.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about").startswith(
        "https://khizana.example.org/"
    )


def test_the_demo_loads_once_for_the_libraries_there(db):
    from django.core.management import call_command

    from khizana.testing import make_library

    make_library("BNRM", latitude=33.9995, longitude=-6.8506)
    make_library("BULAC", country="FR", city="Paris", latitude=48.8282, longitude=2.381)
    call_command("labelling", "demo")
    call_command("labelling", "demo")
    assert sorted(c.library.code for c in services.labelled()) == ["BNRM", "BULAC"]
    assert Collection.objects.get(library__code="BULAC").kind == "service"
    index = client_for().get(reverse("labelling:index")).content.decode()
    assert index.count('<circle class="dot"') == 2
