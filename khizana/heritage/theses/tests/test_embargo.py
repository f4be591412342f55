"""The embargo honoured by the digital library, over HTTP: nobody but the school's staff (and the network
administrators) reads or downloads the PDF until the day; the thesis page says until when."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

from khizana.digital.access import Decision
from khizana.digital.extensions import access_restriction
from khizana.testing import make_user

from .support import deposit, make_school, pdf_bytes

pytestmark = pytest.mark.django_db
UNTIL = date(2031, 3, 15)


@pytest.fixture
def embargoed():
    school_a, staff_a, reader_a = make_school("ECOLE-A")
    _, staff_b, reader_b = make_school("ECOLE-B")
    thesis = deposit(staff_a, school_a, embargo_until=UNTIL)
    users = {"staff_a": staff_a, "reader_a": reader_a, "staff_b": staff_b, "reader_b": reader_b}
    return thesis, users


def urls(thesis) -> list[str]:
    return [reverse(name, args=[thesis.item_id]) for name in ("digital-content", "digital-read")]


def test_nobody_but_the_school_staff_reads_an_embargoed_thesis(client, embargoed):
    thesis, users = embargoed
    for who in (None, "reader_a", "staff_b", "reader_b"):
        client.logout()
        if who:
            client.force_login(users[who])
        for url in urls(thesis):
            response = client.get(url)
            assert response.status_code == 403, (who, url)
            assert b"%PDF" not in response.content
        assert (
            client.get(reverse("digital-content", args=[thesis.item_id]), HTTP_RANGE="bytes=0-99").status_code
            == 403
        )
    client.force_login(users["staff_a"])
    response = client.get(reverse("digital-content", args=[thesis.item_id]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    client.force_login(make_user("admin", "network_admin"))
    assert client.get(reverse("digital-content", args=[thesis.item_id])).status_code == 200


def test_the_thesis_page_says_until_when(client, embargoed):
    thesis, _ = embargoed
    response = client.get(reverse("theses:thesis", args=[thesis.pk]), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    with translation.override("en"):
        day = formats.date_format(UNTIL, "DATE_FORMAT")
    assert response.status_code == 200
    assert f"Under embargo until {day}" in page
    assert thesis.title in page and "Doctorat en histoire" in page and "El Idrissi, Ahmed" in page
    assert access_restriction(thesis.item) == f"Under embargo until {day}."


def test_the_pdf_opens_to_everyone_once_the_embargo_is_lifted(client, embargoed):
    thesis, users = embargoed
    client.force_login(users["staff_a"])
    assert (
        client.post(f"/staff/heritage/theses/{thesis.pk}/embargo/", {"embargo_until": ""}).status_code == 302
    )
    client.logout()
    assert client.get(reverse("digital-content", args=[thesis.item_id])).status_code == 200
    page = client.get(reverse("theses:thesis", args=[thesis.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Under embargo" not in page


def test_an_embargo_ending_today_is_over(client, embargoed):
    thesis, _ = embargoed
    thesis.embargo_until = date.today()
    thesis.save()
    assert access_restriction(thesis.item) is None
    assert client.get(reverse("digital-content", args=[thesis.item_id])).status_code == 200


def test_the_decision_names_the_restriction(rf, embargoed):
    from django.contrib.auth.models import AnonymousUser

    from khizana.digital.access import can_read

    thesis, users = embargoed
    request = rf.get("/")
    request.user = AnonymousUser()
    assert can_read(request, thesis.item) == Decision(False, "restricted")
    request.user = users["staff_a"]
    assert can_read(request, thesis.item) == Decision(True, "staff")


def test_the_thesis_page_offers_the_embargo_edit_to_the_school_staff_only(client, embargoed):
    thesis, users = embargoed
    url = reverse("theses:thesis", args=[thesis.pk])
    edit = f"/staff/heritage/theses/{thesis.pk}/embargo/"
    assert edit not in client.get(url).content.decode()
    client.force_login(users["staff_b"])
    assert edit not in client.get(url).content.decode()
    client.force_login(users["staff_a"])
    assert edit in client.get(url).content.decode()
    assert client.get(reverse("theses:thesis", args=[999999])).status_code == 404


def test_the_words_of_an_embargoed_thesis_are_not_indexed_until_the_embargo_ends(embargoed):
    from khizana.digital.fulltext.services import work_index_terms
    from khizana.digital.models import DigitalItem, PageText
    from khizana.heritage.theses.services import reindex_ended_embargoes
    from khizana.search.models import IndexQueue

    thesis, _ = embargoed
    item = DigitalItem.objects.get(pk=thesis.item_id)
    # The test PDF is blank: give it the text its extraction would have found.
    PageText.objects.create(item=item, page=1, text="hydrogéologie des nappes côtières", source="text_layer")
    DigitalItem.objects.filter(pk=item.pk).update(text_status=DigitalItem.TextStatus.EXTRACTED)
    work_id = thesis.record.work_id
    assert work_index_terms([work_id]) == {}
    assert reindex_ended_embargoes(today=date(2031, 3, 14)) == 0
    yesterday = timezone.localdate() - timedelta(days=1)
    thesis.embargo_until = yesterday
    thesis.save(update_fields=["embargo_until"])
    IndexQueue.objects.all().delete()
    assert reindex_ended_embargoes() == 1
    assert IndexQueue.objects.filter(work_id=work_id).exists()
    assert work_index_terms([work_id])[work_id]
    assert reindex_ended_embargoes(today=yesterday + timedelta(days=8)) == 0
