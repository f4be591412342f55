"""Requests between two local libraries: rota, routing, the ISO 18626 exchange in the process, the log."""

import pytest
from django.core.exceptions import PermissionDenied

from khizana.ill import services
from khizana.ill.models import Agency, IllMessage, IllRequest, RotaPolicy
from khizana.ill.services import Citation, IllError

from .factories import holding, network

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return network()


def supplier_row(request):
    return IllRequest.objects.get(
        side="supplier",
        requester_request_id=request.requester_request_id,
        supplier_agency=request.supplier_agency,
    )


def test_rota_available_first_then_same_city_then_load(world):
    work = world["work"]
    rota = services.build_rota(world["agency_a"], work, "Loan")
    assert rota == [world["agency_b"].pk, world["agency_fes"].pk]  # both available, Rabat first
    world["b"].holdings.update(status="on_loan")
    assert services.build_rota(world["agency_a"], work, "Loan") == [
        world["agency_fes"].pk,
        world["agency_b"].pk,
    ]
    RotaPolicy.objects.update_or_create(pk=1, defaults={"same_city_first": False})
    world["b"].holdings.update(status="available")
    assert services.build_rota(world["agency_a"], work, "Loan") == [
        world["agency_fes"].pk,
        world["agency_b"].pk,
    ]  # by ISIL


def test_rota_leaves_out_non_lenders(world):
    work = world["work"]
    Agency.objects.filter(pk=world["agency_b"].pk).update(no_loan_material_types=["book"])
    assert services.build_rota(world["agency_a"], work, "Loan") == [world["agency_fes"].pk]
    assert world["agency_b"].pk in services.build_rota(world["agency_a"], work, "Copy")
    Agency.objects.filter(pk=world["agency_fes"].pk).update(excluded=True)
    assert services.build_rota(world["agency_a"], work, "Loan") == []
    assert services.build_rota(world["agency_a"], None, "Loan") == []


def test_loan_through_return(world):
    request = services.create_request(world["reader"], service_type="Loan", work=world["work"])
    assert request.supplier_agency == world["agency_b"] and request.status == "RequestReceived"
    incoming = supplier_row(request)
    assert (
        incoming.status == "RequestReceived"
        and incoming.title == "Muqaddima"
        and incoming.work == world["work"]
    )

    services.supply(world["staff_b"], incoming.pk, "WillSupply")
    services.supply(world["staff_b"], incoming.pk, "Loaned")
    request.refresh_from_db()
    assert request.status == "Loaned" and request.due_date is not None
    services.act(world["staff_a"], request.pk, "Received")
    services.act(world["staff_a"], request.pk, "ShippedReturn")
    incoming.refresh_from_db()
    assert incoming.last_action == "ShippedReturn"
    services.supply(world["staff_b"], incoming.pk, "LoanCompleted")
    request.refresh_from_db()
    incoming.refresh_from_db()
    assert request.status == incoming.status == "LoanCompleted"
    kinds = list(IllMessage.objects.filter(direction="in").values_list("kind", flat=True))
    assert kinds.count("supplyingAgencyMessage") == 3 and kinds.count("requestingAgencyMessage") == 2
    assert all(IllMessage.objects.values_list("ok", flat=True))


def test_unfilled_goes_to_next_lender_then_exhausted(world):
    request = services.create_request(world["reader"], service_type="Loan", work=world["work"])
    with pytest.raises(IllError, match="Reason"):
        services.supply(world["staff_b"], supplier_row(request).pk, "Unfilled")
    services.supply(world["staff_b"], supplier_row(request).pk, "Unfilled", reason="NotOnShelf")
    request.refresh_from_db()
    assert request.supplier_agency == world["agency_fes"] and request.status == "RequestReceived"
    services.supply(world["staff_fes"], supplier_row(request).pk, "Unfilled", reason="PoorCondition")
    request.refresh_from_db()
    assert request.exhausted and request.reason_unfilled == "PoorCondition"


def test_copy_request_and_cancel(world):
    with pytest.raises(IllError, match="Pages"):
        services.create_request(world["reader"], service_type="Copy", work=world["work"])
    copy = services.create_request(
        world["reader"],
        service_type="Copy",
        work=world["work"],
        citation=Citation(pages="10-20", article_title="Livre I"),
    )
    incoming = supplier_row(copy)
    assert incoming.pages == "10-20" and incoming.article_title == "Livre I"
    with pytest.raises(IllError, match="Lent is not possible now: it does not apply to this kind"):
        services.supply(world["staff_b"], incoming.pk, "Loaned")
    services.supply(world["staff_b"], incoming.pk, "CopyCompleted")
    copy.refresh_from_db()
    assert copy.status == "CopyCompleted"

    loan = services.create_request(world["reader"], service_type="Loan", work=world["work"])
    services.act(world["reader"], loan.pk, "Cancel")  # the reader may cancel their own
    incoming = supplier_row(loan)
    assert incoming.last_action == "Cancel"
    services.supply(world["staff_b"], incoming.pk, incoming.status, answer="Y")
    loan.refresh_from_db()
    assert loan.status == "Cancelled"
    with pytest.raises(IllError):
        services.act(world["reader"], loan.pk, "Cancel")


def test_refusals(world):
    holding(world["a"], world["work"], local_id="own")
    with pytest.raises(IllError, match="holds an available copy"):
        services.create_request(world["reader"], service_type="Loan", work=world["work"])
    world["a"].holdings.update(status="on_loan")
    request = services.create_request(world["reader"], service_type="Loan", work=world["work"])
    incoming = supplier_row(request)
    with pytest.raises(PermissionDenied):
        services.supply(world["staff_a"], incoming.pk, "WillSupply")  # not the supplier's staff
    with pytest.raises(PermissionDenied):
        services.supply(world["reader"], incoming.pk, "WillSupply")
    with pytest.raises(PermissionDenied):
        services.act(world["staff_b"], request.pk, "Cancel")  # not the requester's staff
    with pytest.raises(PermissionDenied):
        services.act(world["reader"], request.pk, "Received")  # readers may only cancel or ask
    with pytest.raises(services.NotFound):
        services.supply(world["staff_b"], request.pk, "WillSupply")  # a requester row is not the supplier's
    with pytest.raises(IllError, match="not possible"):
        services.supply(world["staff_b"], incoming.pk, "LoanCompleted")
    with pytest.raises(IllError, match="Title"):
        services.create_request(world["reader"], service_type="Loan", citation=Citation())
    with pytest.raises(IllError, match="Service"):
        services.create_request(world["reader"], service_type="Fax", citation=Citation(title="x"))
    assert IllRequest.objects.filter(side="supplier").get().status == "RequestReceived"


def test_citation_without_record_has_no_rota(world):
    request = services.create_request(
        world["reader"], service_type="Loan", citation=Citation(title="Unknown book")
    )
    assert request.exhausted and request.supplier_agency is None


def test_time_out_moves_to_next_lender(world):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    request = services.create_request(world["reader"], service_type="Loan", work=world["work"])
    call_command("ill_timeouts", stdout=__import__("io").StringIO())
    request.refresh_from_db()
    assert request.supplier_agency == world["agency_b"]  # not late yet
    IllRequest.objects.filter(pk=request.pk).update(sent_at=timezone.now() - timedelta(days=6))
    assert services.route_timed_out() == 1
    request.refresh_from_db()
    assert request.supplier_agency == world["agency_fes"] and request.status == "RequestReceived"
    assert IllRequest.objects.get(side="supplier", supplier_agency=world["agency_b"]).last_action == "Cancel"


def test_renew_answered_yes_extends_the_loan(world):
    request = services.create_request(world["reader"], service_type="Loan", work=world["work"])
    incoming = supplier_row(request)
    services.supply(world["staff_b"], incoming.pk, "Loaned")
    request.refresh_from_db()
    first_due = request.due_date
    services.act(world["staff_a"], request.pk, "Renew")
    services.supply(world["staff_b"], incoming.pk, "Loaned", answer="Y")
    request.refresh_from_db()
    incoming.refresh_from_db()
    assert request.due_date > first_due and request.status == "Loaned"
    assert request.last_action == incoming.last_action == ""


def test_shared_secret_required_from_a_peer(world):
    from khizana.ill import protocol as p

    Agency.objects.create(
        isil="FR-PEER", peer_url="https://peer.example.org/iso18626", shared_secret="s3cret"
    )

    def request_from_peer(code):
        header = p.Header(
            supplying_agency=p.AgencyId("ISIL", "MA-RBT-B"),
            requesting_agency=p.AgencyId("ISIL", "FR-PEER"),
            requesting_request_id="peer-1",
            timestamp=p.now(),
            security_code=code,
        )
        return p.parse(
            services.receive(p.to_xml(p.Request(header=header, bibliographic=p.Bibliographic(title="T"))))
        )

    for code in ("", "guess"):
        forged = request_from_peer(code)
        assert not forged.ok and "securityCode" in forged.error_value
    assert not IllRequest.objects.exists()
    assert request_from_peer("s3cret").ok
    assert IllRequest.objects.get().requester_agency.isil == "FR-PEER"


def test_overdue_and_recall_notices_by_email(world, mailoutbox):
    from django.utils import translation

    request = services.create_request(world["reader"], service_type="Loan", work=world["work"])
    incoming = supplier_row(request)
    services.supply(world["staff_b"], incoming.pk, "Loaned")
    assert mailoutbox == []
    with translation.override("en"):
        services.supply(world["staff_b"], incoming.pk, "Overdue")
        services.supply(world["staff_b"], incoming.pk, "Recalled")
    # the reader and the staff of the requesting library, for each notice
    assert [m.to for m in mailoutbox] == [["amina@example.org"], ["staff_a@example.org"]] * 2
    assert "overdue" in mailoutbox[0].body and "Muqaddima" in mailoutbox[0].body
    assert "overdue at MA-RBT-B" in mailoutbox[1].body and "Reader: " in mailoutbox[1].body
    assert "recalls" in mailoutbox[2].body and "MA-RBT-B recalls" in mailoutbox[3].body


def test_copy_share_limit_of_the_requesting_library(world):
    def ask(pages, total, **extra):
        return services.create_request(
            world["reader"],
            service_type="Copy",
            citation=Citation(title="Hespéris", pages=pages, total_pages=total, **extra),
        )

    with pytest.raises(IllError, match="exceeds the 10% of a book"):
        ask("1-30", "200")
    assert ask("1-20", "200").pk  # 10 %: allowed
    with pytest.raises(IllError, match="exceeds the 30% of a journal issue"):
        ask("1-40", "100", issn="0018-1005")
    assert ask("1-30", "100", issn="0018-1005").total_pages == 100
    Agency.objects.filter(pk=world["agency_a"].pk).update(copy_limit_book_percent=50)
    assert ask("1-30", "200").pk
    with pytest.raises(IllError, match="whole number"):
        ask("1-3", "many")
