"""Conditions over HTTP between two local libraries: the supplier asks a fee, library use only or no
reproduction; the requester's staff (or its reader, for a fee) accepts or rejects; nothing is supplied
while a condition waits; a rejection cancels at this lender and the rota goes on."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from khizana.ill import protocol as p
from khizana.ill import services
from khizana.ill.models import IllMessage, IllRequest
from khizana.ill.states import ConditionState, may_change
from khizana.testing import make_user

from .factories import network

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = network()
    world["loan"] = services.create_request(world["reader"], service_type="Loan", work=world["work"])
    world["incoming"] = IllRequest.objects.get(
        side="supplier", requester_request_id=world["loan"].requester_request_id
    )
    return world


def client_for(user):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def set_condition(client, row, **values):
    return client.post(reverse("ill:set-condition", args=[row.pk]), values, follow=True)


def answer(client, row, verdict, **extra):
    return client.post(reverse("ill:answer-condition", args=[row.pk]), {"answer": verdict, **extra})


def both(world):
    return (
        IllRequest.objects.get(pk=world["loan"].pk),
        IllRequest.objects.get(pk=world["incoming"].pk),
    )


def test_fee_accepted_by_the_reader_then_supplied(world):
    staff_b = client_for(world["staff_b"])
    page = set_condition(
        staff_b, world["incoming"], condition="Fee", cost="12.5", currency="eur", note="postage"
    )
    assert page.status_code == 200 and "The requesting library was told" in page.content.decode()
    outgoing, incoming = both(world)
    for row in (outgoing, incoming):
        assert (row.status, row.condition, row.condition_state) == ("ExpectToSupply", "Fee", "pending")
        assert (row.condition_cost, row.condition_currency) == (Decimal("12.50"), "EUR")
    assert outgoing.condition_note == "postage"
    sent = IllMessage.objects.filter(direction="out", kind="supplyingAgencyMessage").last()
    assert "<offeredCosts><currencyCode>EUR</currencyCode><monetaryValue>12.50</monetaryValue>" in sent.raw
    assert "#Condition:Fee# postage" in sent.raw

    # nothing is supplied while the condition waits (the page does not offer it, the service refuses it)
    assert "Loaned" not in [
        str(s) for s in staff_b.get(reverse("ill:staff-supplying")).context["rows"][0].choices
    ]
    refused = staff_b.post(reverse("ill:supply", args=[incoming.pk]), {"status": "Loaned"}, follow=True)
    assert "Lent is not possible now: the requesting library has not accepted the condition yet" in (
        refused.content.decode()
    )
    assert both(world)[1].status == "ExpectToSupply"

    mine = client_for(world["reader"]).get(reverse("ill:mine")).content.decode()
    assert "A fee" in mine and "12.50 EUR" in mine and "Accept the fee" in mine
    assert answer(client_for(world["reader"]), outgoing, "accept")["Location"] == reverse("ill:mine")
    outgoing, incoming = both(world)
    assert outgoing.condition_state == incoming.condition_state == ConditionState.ACCEPTED
    assert staff_b.post(reverse("ill:supply", args=[incoming.pk]), {"status": "Loaned"}).status_code == 302
    assert both(world)[0].status == "Loaned"


def test_library_use_only_is_for_the_staff_not_the_reader(world):
    set_condition(client_for(world["staff_b"]), world["incoming"], condition="LibraryUseOnly")
    outgoing = both(world)[0]
    # the reader may answer a fee only; another library's staff, an anonymous visitor, a forged id: no
    assert answer(client_for(world["reader"]), outgoing, "accept").status_code == 403
    assert answer(client_for(world["staff_fes"]), outgoing, "accept").status_code == 403
    assert answer(client_for(world["staff_b"]), outgoing, "accept").status_code == 403  # the lender itself
    assert answer(client_for(make_user("other", "reader", world["b"])), outgoing, "accept").status_code == 403
    assert (
        Client().post(reverse("ill:answer-condition", args=[outgoing.pk]), {"answer": "accept"}).status_code
        == 302
    )
    assert answer(client_for(world["staff_a"]), world["incoming"], "accept").status_code == 404  # other side
    assert (
        client_for(world["staff_a"])
        .post(reverse("ill:answer-condition", args=[999999]), {"answer": "accept"})
        .status_code
        == 404
    )
    assert both(world)[0].condition_state == both(world)[1].condition_state == "pending"
    staff_page = client_for(world["staff_a"]).get(reverse("ill:staff-requesting")).content.decode()
    assert "Library use only" in staff_page and "Accept the condition" in staff_page
    assert answer(client_for(world["staff_a"]), outgoing, "accept", back="staff")["Location"] == reverse(
        "ill:staff-requesting"
    )
    assert both(world)[1].condition_state == "accepted"
    # answered once: a second answer is refused with its reason
    again = client_for(world["staff_a"]).post(
        reverse("ill:answer-condition", args=[outgoing.pk]), {"answer": "reject"}, follow=True
    )
    assert "no condition waits for an answer" in again.content.decode()


def test_rejected_condition_cancels_here_and_goes_to_the_next_lender(world):
    set_condition(client_for(world["staff_b"]), world["incoming"], condition="NoReproduction", note="fragile")
    answer(client_for(world["staff_a"]), both(world)[0], "reject")
    outgoing, incoming = both(world)
    assert outgoing.condition_state == incoming.condition_state == "rejected"
    assert incoming.last_action == "Cancel"  # the lender answers the Cancel
    client_for(world["staff_b"]).post(
        reverse("ill:supply", args=[incoming.pk]), {"status": "ExpectToSupply", "answer": "Y"}
    )
    outgoing = IllRequest.objects.get(pk=outgoing.pk)
    assert both(world)[1].status == "Cancelled"
    assert outgoing.supplier_agency == world["agency_fes"] and outgoing.status == "RequestReceived"
    assert outgoing.condition == "" and outgoing.condition_state == ""  # the next lender starts afresh


def test_bad_conditions_are_refused_with_their_reason(world):
    staff_b = client_for(world["staff_b"])
    for values, text in (
        ({"condition": "Fee", "cost": "", "currency": "EUR"}, "Fee: give a positive amount"),
        ({"condition": "Fee", "cost": "-3", "currency": "EUR"}, "Fee: give a positive amount"),
        ({"condition": "Fee", "cost": "NaN", "currency": "EUR"}, "Fee: give a positive amount"),
        ({"condition": "Fee", "cost": "3", "currency": "euro"}, "Currency: give its three-letter"),
        ({"condition": "Free beer"}, "is not a condition"),
    ):
        page = set_condition(staff_b, world["incoming"], **values).content.decode()
        assert text in page, values
    assert (
        both(world)[1].condition == "" and not IllMessage.objects.filter(raw__contains="#Condition:").exists()
    )
    assert (
        set_condition(
            client_for(world["staff_fes"]), world["incoming"], condition="LibraryUseOnly"
        ).status_code
        == 403
    )
    assert (
        set_condition(client_for(world["staff_a"]), world["incoming"], condition="LibraryUseOnly").status_code
        == 403
    )
    assert (
        set_condition(staff_b, world["loan"], condition="LibraryUseOnly").status_code == 404
    )  # requester's row
    copy = services.create_request(
        world["reader"], service_type="Copy", work=world["work"], citation=services.Citation(pages="1-3")
    )
    incoming_copy = IllRequest.objects.get(side="supplier", requester_request_id=copy.requester_request_id)
    page = set_condition(staff_b, incoming_copy, condition="LibraryUseOnly").content.decode()
    assert "Condition: it does not apply to this kind of request (loan or copy)" in page
    services.supply(world["staff_b"], world["incoming"].pk, "Loaned")
    page = set_condition(
        staff_b, world["incoming"], condition="Fee", cost="2", currency="MAD"
    ).content.decode()
    assert "Condition: not at this stage of the request" in page


def test_a_peer_cannot_supply_past_a_pending_condition(world):
    """The requester's side enforces the same machine on what a lender sends."""
    set_condition(client_for(world["staff_b"]), world["incoming"], condition="LibraryUseOnly")
    outgoing, incoming = both(world)
    assert not may_change("ExpectToSupply", "Loaned", "Loan", condition_pending=True)
    header = p.Header(
        supplying_agency=p.AgencyId("ISIL", "MA-RBT-B"),
        requesting_agency=p.AgencyId("ISIL", "MA-RBT-A"),
        requesting_request_id=outgoing.requester_request_id,
        timestamp=p.now(),
        supplying_request_id=incoming.supplier_request_id,
    )
    jump = p.SupplyingAgencyMessage(
        header=header, reason_for_message="StatusChange", status="Loaned", last_change=p.now()
    )
    confirmation = p.parse(services.receive(p.to_xml(jump)))
    assert not confirmation.ok and "has not accepted the condition" in confirmation.error_value
    # an answer to no condition, from the requester, is refused at the supplier too
    accepted = p.RequestingAgencyMessage(header=header, action="Notification", note=p.CONDITION_ACCEPTED)
    services.answer_condition(world["staff_a"], outgoing.pk, True)
    confirmation = p.parse(services.receive(p.to_xml(accepted)))
    assert not confirmation.ok and "no condition waits" in confirmation.error_value
