"""Over HTTP: the ISO 18626 endpoint (CrossLink's sample messages), the reader's pages, the staff queues
and forged requests."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from khizana.ill import protocol as p
from khizana.ill.models import Agency, IllMessage, IllRequest, RotaPolicy
from khizana.testing import chart_on_page, make_user

from .factories import network

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


@pytest.fixture
def world():
    return network()


def client_for(user):
    client = english()
    client.force_login(user)
    return client


def english():
    """A client whose pages are in English (the language cookie), for the tests that read texts."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def post_message(data: bytes):
    response = Client().post(reverse("ill:iso18626"), data=data, content_type="application/xml")
    assert response.status_code == 200
    return p.parse(response.content)


def with_secret(sample: bytes, secret: str) -> bytes:
    """A CrossLink sample with the requesting agency's securityCode (the samples carry none)."""
    end = b"</tag0:requestingAgencyRequestId>"
    code = f"<tag0:requestingAgencyAuthentication><tag0:securityCode>{secret}</tag0:securityCode>"
    return sample.replace(end, end + code.encode() + b"</tag0:requestingAgencyAuthentication>", 1)


def test_endpoint_answers_samples(world):
    sample = (DATA / "crosslink_req.xml").read_bytes()
    request = with_secret(sample, "req-secret")
    answer = post_message(request)
    assert answer.kind == "requestConfirmation" and not answer.ok
    assert answer.error_type == p.UNRECOGNISED_VALUE and "REQ is not an external peer" in answer.error_value
    assert not IllRequest.objects.exists()

    Agency.objects.filter(pk=world["agency_a"].pk).update(isil="BROKER")
    Agency.objects.create(isil="REQ", peer_url="https://peer.example.org/iso18626")
    unsigned = post_message(sample)  # a new request from a peer without a shared secret: refused
    assert not unsigned.ok and "securityCode" in unsigned.error_value
    Agency.objects.filter(isil="REQ").update(shared_secret="req-secret")
    assert not post_message(sample).ok and not IllRequest.objects.exists()
    answer = post_message(request)
    assert answer.ok and answer.requesting_request_id == "js-test-1017"
    row = IllRequest.objects.get(side="supplier")
    assert (row.title, row.isbn, row.status) == ("Lord of the Rings", "1983", "RequestReceived")
    again = post_message(request)
    assert again.error_type == p.UNRECOGNISED_VALUE and "already received" in again.error_value

    invalid = post_message((DATA / "crosslink_supmsg-invalid-status.xml").read_bytes())
    assert invalid.kind == "supplyingAgencyMessageConfirmation" and invalid.error_type == p.UNRECOGNISED_VALUE
    empty = post_message((DATA / "crosslink_msg-invalid.xml").read_bytes())
    assert empty.error_type == p.BADLY_FORMED
    unknown = post_message((DATA / "crosslink_supmsg-ok.xml").read_bytes())
    assert "SUP_B is not an external peer" in unknown.error_value
    Agency.objects.create(isil="SUP_B", peer_url="https://sup.example.org/iso18626")
    unknown = post_message((DATA / "crosslink_supmsg-ok.xml").read_bytes())
    assert unknown.error_type == p.UNRECOGNISED_VALUE and "6ad1ff2e" in unknown.error_value
    assert IllMessage.objects.filter(direction="in").count() == 9
    assert Client().get(reverse("ill:iso18626")).status_code == 405


def test_peer_cannot_jump_states(world):
    Agency.objects.filter(pk=world["agency_a"].pk).update(isil="BROKER")
    Agency.objects.create(isil="REQ", peer_url="https://peer.example.org/iso18626", shared_secret="s")
    post_message(with_secret((DATA / "crosslink_req.xml").read_bytes(), "s"))
    row = IllRequest.objects.get(side="supplier")
    header = p.Header(
        supplying_agency=p.AgencyId("ISIL", "BROKER"),
        requesting_agency=p.AgencyId("ISIL", "REQ"),
        requesting_request_id="js-test-1017",
        timestamp=p.now(),
        supplying_request_id=row.supplier_request_id,
        security_code="s",
    )
    answer = post_message(p.to_xml(p.RequestingAgencyMessage(header=header, action="ShippedReturn")))
    assert (
        not answer.ok
        and "ShippedReturn is not possible while the request is RequestReceived" in answer.error_value
    )
    assert post_message(p.to_xml(p.RequestingAgencyMessage(header=header, action="Cancel"))).ok
    row.refresh_from_db()
    assert row.last_action == "Cancel"
    forged = p.Header(**{**header.__dict__, "requesting_agency": p.AgencyId("ISIL", "MA-RBT-B")})
    answer = post_message(p.to_xml(p.RequestingAgencyMessage(header=forged, action="Cancel")))
    assert not answer.ok


def test_reader_request_form_and_list(world):
    reader = client_for(world["reader"])
    url = reverse("ill:request")
    page = reader.get(url, {"work": world["work"].pk})
    assert page.status_code == 200 and "Muqaddima" in page.content.decode()
    with translation.override("en"):
        prefilled = reader.get(
            url + "?rft.atitle=Les+fondouks&rft.jtitle=Hesp%C3%A9ris&rft.spage=12&rft.epage=30"
        )
    assert 'value="Hespéris"' in prefilled.content.decode() and 'value="12-30"' in prefilled.content.decode()
    with translation.override("en"):
        refused = reader.post(url, {"work": world["work"].pk, "service_type": "Copy", "pages": "abc"})
    assert refused.status_code == 400 and "Pages" in refused.content.decode()
    response = reader.post(url, {"work": world["work"].pk, "service_type": "Loan"})
    assert response.status_code == 302 and response["Location"] == reverse("ill:mine")
    made = IllRequest.objects.get(side="requester")
    assert made.reader == world["reader"] and made.supplier_agency == world["agency_b"]
    assert "Muqaddima" in reader.get(reverse("ill:mine")).content.decode()
    assert reader.post(url, {"work": 999999, "service_type": "Loan"}).status_code == 404
    assert Client().get(url)["Location"].startswith(reverse("accounts:login"))
    outsider = client_for(make_user("nobody"))
    assert outsider.post(url, {"service_type": "Loan", "title": "x"}).status_code == 403


def test_staff_queues_are_scoped_and_forgery_refused(world):
    client_for(world["reader"]).post(
        reverse("ill:request"), {"work": world["work"].pk, "service_type": "Loan"}
    )
    incoming = IllRequest.objects.get(side="supplier")
    outgoing = IllRequest.objects.get(side="requester")
    staff_b, staff_a, staff_fes = (client_for(world[k]) for k in ("staff_b", "staff_a", "staff_fes"))
    assert "Muqaddima" in staff_b.get(reverse("ill:staff-supplying")).content.decode()
    assert "Muqaddima" not in staff_fes.get(reverse("ill:staff-supplying")).content.decode()
    assert "Muqaddima" in staff_a.get(reverse("ill:staff-requesting")).content.decode()
    assert "Muqaddima" not in staff_b.get(reverse("ill:staff-requesting")).content.decode()
    supply = reverse("ill:supply", args=[incoming.pk])
    assert staff_fes.post(supply, {"status": "WillSupply"}).status_code == 403
    assert staff_a.post(supply, {"status": "WillSupply"}).status_code == 403
    assert client_for(world["reader"]).post(supply, {"status": "WillSupply"}).status_code == 403
    assert Client().post(supply, {"status": "WillSupply"}).status_code == 302  # to sign in
    assert (
        staff_b.post(reverse("ill:supply", args=[outgoing.pk]), {"status": "WillSupply"}).status_code == 404
    )
    assert staff_b.post(reverse("ill:supply", args=[999999]), {"status": "WillSupply"}).status_code == 404
    incoming.refresh_from_db()
    assert incoming.status == "RequestReceived"
    assert staff_b.post(supply, {"status": "Loaned"}).status_code == 302
    outgoing.refresh_from_db()
    assert outgoing.status == "Loaned"
    act = reverse("ill:act", args=[outgoing.pk])
    assert staff_b.post(act, {"action": "Received"}).status_code == 403
    assert client_for(world["reader"]).post(act, {"action": "Received"}).status_code == 403
    assert staff_a.post(act, {"action": "Received", "back": "staff"})["Location"] == reverse(
        "ill:staff-requesting"
    )
    outgoing.refresh_from_db()
    assert outgoing.last_action == "Received"
    with translation.override("en"):
        refused = staff_a.post(act, {"action": "Cancel", "back": "staff"}, follow=True)
    assert "not possible now" in refused.content.decode()


def test_work_page_links_to_the_request_form(world):
    with translation.override("en"):
        page = english().get(reverse("web:work", args=[world["work"].pk])).content.decode()
    assert f'href="{reverse("ill:request")}?work={world["work"].pk}"' in page
    assert "interlibrary loan" in page


def test_policy_for_network_admins_only(world):
    url = reverse("ill:policy")
    assert client_for(world["staff_b"]).post(url, {"timeout_days": "3"}).status_code == 403
    assert client_for(world["reader"]).get(url).status_code == 403
    admin = client_for(make_user("net", "network_admin"))
    assert admin.get(url).status_code == 200
    with translation.override("en"):
        refused = admin.post(url, {"timeout_days": "zero"})
    assert refused.status_code == 400 and "Days without an answer" in refused.content.decode()
    assert admin.post(url, {"timeout_days": "3", "same_city_first": "on"}).status_code == 302
    policy = RotaPolicy.objects.get()
    assert (policy.timeout_days, policy.same_city_first, policy.same_country_first) == (3, True, False)


def test_statistics_fill_rate_and_turnaround_scoped(world):
    from datetime import timedelta

    from khizana.ill import services

    filled = services.create_request(world["reader"], service_type="Loan", work=world["work"])
    services.create_request(world["reader"], service_type="Loan", work=world["work"])
    services.supply(
        world["staff_b"],
        IllRequest.objects.get(side="supplier", requester_request_id=filled.requester_request_id).pk,
        "Loaned",
    )
    filled_at = IllRequest.objects.get(pk=filled.pk).filled_at
    IllRequest.objects.filter(side="requester").update(created_at=filled_at - timedelta(days=2))
    page = client_for(world["staff_a"]).get(reverse("ill:stats")).content.decode()
    chart = chart_on_page(page, "ill-requests")
    month = filled_at.strftime("%Y-%m")
    assert chart["data"]["labels"] == [month] and chart["data"]["datasets"][0]["data"] == [2]
    assert chart["aria-label"].endswith(f"{month}: 2")
    (row,) = services.statistics(world["staff_a"])
    assert (row.library, row.requests, row.filled, row.fill_rate) == ("MA-RBT-A", 2, 1, 50.0)
    assert row.turnaround_days == 2.0
    assert services.statistics(world["staff_b"]) == []  # B made no request
    assert client_for(world["reader"]).get(reverse("ill:stats")).status_code == 403


def test_endpoint_refuses_oversized_bodies(world):
    response = Client().post(
        reverse("ill:iso18626"), data=b"<x/>", content_type="application/xml", CONTENT_LENGTH="2000001"
    )
    assert response.status_code == 400
