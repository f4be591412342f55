"""Two Khizana installations exchange ISO 18626 messages over HTTP on loopback: this one (the live_server,
the requesting library A) and a second one in a subprocess (gunicorn, its own database: the lending
library B). A loan goes Loaned -> Received -> ShippedReturn -> LoanCompleted; a second loan waits for a
fee the reader accepts; a copy is scanned at B, which sees A as an external peer: the signed link to the
PDF goes to A in the message, and works three times; every change is checked in both databases."""

import pytest
import requests
from django.test import Client
from django.urls import reverse

from khizana.ill import services
from khizana.ill.models import Agency, IllMessage, IllRequest
from khizana.ill.services import Citation
from khizana.testing import make_library, make_user
from tests.support import migrated_installation

from .factories import holding

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SETUP_B = """
from khizana.ill.models import Agency
from khizana.testing import make_library, make_user
b = make_library("RBT-B", city="Rabat")
Agency.objects.create(isil="MA-RBT-B", library=b)
Agency.objects.create(isil="MA-RBT-A", peer_url="{a_url}/ill/iso18626", shared_secret="{secret}")
make_user("staff_b", "library_admin", b)
"""
SUPPLY_B = """
from django.contrib.auth import get_user_model
from khizana.ill import services
from khizana.ill.models import IllRequest
row = IllRequest.objects.get(side="supplier", requester_request_id="{rid}")
services.supply(get_user_model().objects.get(username="staff_b"), row.pk, "{status}")
"""
FEE_B = """
from django.contrib.auth import get_user_model
from khizana.ill import services
from khizana.ill.models import IllRequest
row = IllRequest.objects.get(side="supplier", requester_request_id="{rid}")
staff_b = get_user_model().objects.get(username="staff_b")
services.set_condition(staff_b, row.pk, "Fee", cost="5", currency="MAD")
"""
SCAN_B = """
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from khizana.ill import delivery
from khizana.ill.models import IllRequest
row = IllRequest.objects.get(side="supplier", requester_request_id="{rid}")
scan = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 the scan")
staff_b = get_user_model().objects.get(username="staff_b")
delivery.upload_copy(staff_b, row.pk, scan, peer_link=lambda token: "{b_url}/ill/peer-copies/" + token)
"""
SECRET = "a-and-b-share-this"


@pytest.fixture(scope="module")
def lender(tmp_path_factory):
    installation = migrated_installation(tmp_path_factory.mktemp("ill-lender"))
    installation.env["KHIZANA_OUTGOING_ALLOWED_HOSTS"] = "127.0.0.1"
    # its own key (the signed copy links), not one its server's workers would each make up on first use
    installation.env["SECRET_KEY"] = "lender-installation-test-key-" + "x" * 40
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
    lender.khizana("shell", "-c", SETUP_B.format(a_url=live_server.url, secret=SECRET))
    a, b = make_library("RBT-A", city="Rabat"), make_library("RBT-B", city="Rabat")
    Agency.objects.create(isil="MA-RBT-A", library=a)
    Agency.objects.create(
        isil="MA-RBT-B", library=b, peer_url=f"{lender.base_url}/ill/iso18626", shared_secret=SECRET
    )
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

    # a condition over HTTP: B asks a fee, A's reader accepts it, then B lends
    fee = services.create_request(reader, service_type="Loan", work=work)
    lender.khizana("shell", "-c", FEE_B.format(rid=fee.requester_request_id))
    fee.refresh_from_db()
    assert (fee.status, fee.condition, fee.condition_state) == ("ExpectToSupply", "Fee", "pending")
    assert (str(fee.condition_cost), fee.condition_currency) == ("5.00", "MAD")
    reader_client = Client()
    reader_client.force_login(reader)
    answered = reader_client.post(reverse("ill:answer-condition", args=[fee.pk]), {"answer": "accept"})
    assert answered.status_code == 302
    condition_on_b = lender.query(
        "SELECT condition_state, condition_cost FROM ill_illrequest "
        f"WHERE side = 'supplier' AND requester_request_id = '{fee.requester_request_id}'"
    )
    assert condition_on_b[0][0] == "accepted" and float(condition_on_b[0][1]) == 5.0
    b_supplies(fee.requester_request_id, "Loaned")
    assert IllRequest.objects.get(pk=fee.pk).status == "Loaned" == on_b(lender, fee.requester_request_id)[0]

    # a copy to a peer: B keeps the scan and sends its signed link
    copy = services.create_request(reader, service_type="Copy", work=work, citation=Citation(pages="3-9"))
    assert on_b(lender, copy.requester_request_id) == ("RequestReceived", "", "Muqaddima", "3-9", "Copy")
    lender.khizana("shell", "-c", SCAN_B.format(rid=copy.requester_request_id, b_url=lender.base_url))
    copy.refresh_from_db()
    assert copy.status == "CopyCompleted" == on_b(lender, copy.requester_request_id)[0]
    assert copy.delivery_url.startswith(f"{lender.base_url}/ill/peer-copies/")
    assert copy.delivery_url in reader_client.get(reverse("ill:mine")).content.decode()
    for _download in range(3):
        got = requests.get(copy.delivery_url, timeout=20)
        assert got.status_code == 200 and got.content == b"%PDF-1.4 the scan"
    assert requests.get(copy.delivery_url, timeout=20).status_code == 410  # the limit: the file is gone
    assert requests.get(copy.delivery_url[:-3] + "xyz", timeout=20).status_code == 404  # forged link

    # every message went over HTTP and was accepted on both sides
    assert not IllMessage.objects.filter(ok=False).exists()
    assert lender.query("SELECT count(*) FROM ill_illmessage WHERE NOT ok")[0][0] == 0
    assert IllMessage.objects.filter(direction="in", kind="supplyingAgencyMessage").count() == 6
    assert (
        lender.query("SELECT count(*) FROM ill_illmessage WHERE direction = 'in'")[0][0] == 6
    )  # 3 requests, 2 actions, 1 condition accepted
