"""Two Khizana installations exchange ISO 18626 messages over HTTP on loopback: this one (the live_server,
the requesting library A) and a second one in a subprocess (gunicorn, its own database: the lending
library B). A loan goes Loaned -> Received -> ShippedReturn -> LoanCompleted and a copy goes to
CopyCompleted; every change is checked in both databases."""

import pytest

from khizana.ill import services
from khizana.ill.models import Agency, IllMessage, IllRequest
from khizana.ill.services import Citation
from khizana.testing import make_library, make_user
from tests.support import PrivateInstallation

from .factories import holding

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SETUP_B = """
from khizana.ill.models import Agency
from khizana.testing import make_library, make_user
b = make_library("RBT-B", city="Rabat")
Agency.objects.create(isil="MA-RBT-B", library=b)
Agency.objects.create(isil="MA-RBT-A", peer_url="{a_url}/ill/iso18626")
make_user("staff_b", "library_admin", b)
"""
SUPPLY_B = """
from django.contrib.auth import get_user_model
from khizana.ill import services
from khizana.ill.models import IllRequest
row = IllRequest.objects.get(side="supplier", requester_request_id="{rid}")
services.supply(get_user_model().objects.get(username="staff_b"), row.pk, "{status}")
"""


@pytest.fixture(scope="module")
def lender(tmp_path_factory):
    installation = PrivateInstallation(tmp_path_factory.mktemp("ill-lender"))
    installation.env["KHIZANA_OUTGOING_ALLOWED_HOSTS"] = "127.0.0.1"
    installation.khizana("migrate", "-v0")
    installation.serve()
    try:
        yield installation
    finally:
        installation.close()


def on_b(lender, rid):
    rows = lender.query(
        "SELECT status, last_action, title, pages, service_type FROM ill_illrequest "
        f"WHERE side = 'supplier' AND requester_request_id = '{rid}'"
    )
    assert len(rows) == 1
    return rows[0]


def test_loan_and_copy_between_two_installations(lender, live_server, settings):
    settings.KHIZANA_OUTGOING_ALLOWED_HOSTS = ["127.0.0.1"]
    lender.khizana("shell", "-c", SETUP_B.format(a_url=live_server.url))
    a, b = make_library("RBT-A", city="Rabat"), make_library("RBT-B", city="Rabat")
    Agency.objects.create(isil="MA-RBT-A", library=a)
    Agency.objects.create(isil="MA-RBT-B", library=b, peer_url=f"{lender.base_url}/ill/iso18626")
    reader, staff_a = make_user("amina", "reader", a), make_user("staff_a", "cataloguer", a)
    from khizana.catalog.models import Work

    work = Work.objects.create(title="Muqaddima", material_type="book")
    holding(b, work)

    def b_supplies(rid, status):
        lender.khizana("shell", "-c", SUPPLY_B.format(rid=rid, status=status))

    loan = services.create_request(reader, service_type="Loan", work=work)
    rid = loan.requester_request_id
    assert loan.status == "RequestReceived"
    assert on_b(lender, rid)[:3] == ("RequestReceived", "", "Muqaddima")

    for status in ("WillSupply", "Loaned"):
        b_supplies(rid, status)
        assert IllRequest.objects.get(pk=loan.pk).status == status == on_b(lender, rid)[0]
    services.act(staff_a, loan.pk, "Received")
    assert on_b(lender, rid)[:2] == ("Loaned", "Received")
    services.act(staff_a, loan.pk, "ShippedReturn")
    assert on_b(lender, rid)[:2] == ("Loaned", "ShippedReturn")
    assert IllRequest.objects.get(pk=loan.pk).last_action == "ShippedReturn"
    b_supplies(rid, "LoanCompleted")
    assert IllRequest.objects.get(pk=loan.pk).status == "LoanCompleted" == on_b(lender, rid)[0]

    copy = services.create_request(reader, service_type="Copy", work=work, citation=Citation(pages="3-9"))
    assert on_b(lender, copy.requester_request_id) == ("RequestReceived", "", "Muqaddima", "3-9", "Copy")
    b_supplies(copy.requester_request_id, "CopyCompleted")
    assert (
        IllRequest.objects.get(pk=copy.pk).status
        == "CopyCompleted"
        == on_b(lender, copy.requester_request_id)[0]
    )

    # every message went over HTTP and was accepted on both sides
    assert not IllMessage.objects.filter(ok=False).exists()
    assert lender.query("SELECT count(*) FROM ill_illmessage WHERE NOT ok")[0][0] == 0
    assert IllMessage.objects.filter(direction="in", kind="supplyingAgencyMessage").count() == 4
    assert (
        lender.query("SELECT count(*) FROM ill_illmessage WHERE direction = 'in'")[0][0] == 4
    )  # 2 requests, 2 actions
