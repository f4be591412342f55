"""Copies delivered digitally, over HTTP: upload by the supplier, signed link, download limit, deletion."""

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from khizana.ill import delivery, services
from khizana.ill import protocol as p
from khizana.ill.models import Agency, CopyDelivery, IllRequest
from khizana.ill.services import Citation
from khizana.testing import make_user

from .factories import network

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(settings, tmp_path):
    settings.KHIZANA_ILL_COPY_DIR = tmp_path / "copies"
    settings.KHIZANA_ILL_COPY_DOWNLOADS = 2
    world = network()
    world["copy"] = services.create_request(
        world["reader"], service_type="Copy", work=world["work"], citation=Citation(pages="1-5")
    )
    world["incoming"] = IllRequest.objects.get(
        side="supplier", requester_request_id=world["copy"].requester_request_id
    )
    return world


def client_for(user):
    client = english()
    client.force_login(user)
    return client


def english():
    """A client whose pages are in English (the language cookie), for the tests that read texts."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def upload(client, world, data=PDF, name="scan.pdf"):
    return client.post(
        reverse("ill:upload-copy", args=[world["incoming"].pk]),
        {"file": SimpleUploadedFile(name, data)},
        follow=True,
    )


def test_upload_then_two_downloads_then_gone(world, settings):
    staff_b = client_for(world["staff_b"])
    with translation.override("en"):
        assert "not a PDF" in upload(staff_b, world, b"hello").content.decode()
    assert not CopyDelivery.objects.exists()
    assert upload(client_for(world["staff_fes"]), world).status_code == 403
    assert upload(client_for(world["reader"]), world).status_code == 403
    upload(staff_b, world)
    world["copy"].refresh_from_db()
    world["incoming"].refresh_from_db()
    assert world["copy"].status == world["incoming"].status == "CopyCompleted"
    copy = CopyDelivery.objects.get()
    stored = Path(settings.KHIZANA_ILL_COPY_DIR) / copy.stored_name
    assert stored.read_bytes() == PDF

    reader = client_for(world["reader"])
    page = reader.get(reverse("ill:mine")).content.decode()
    url = reverse("ill:copy", args=[delivery.link_token(copy)])
    assert url in page
    assert client_for(world["staff_a"]).get(url).status_code == 403  # not the reader's
    assert client_for(make_user("other", "reader", world["a"])).get(url).status_code == 403
    assert reader.get(url[:-3] + "xyz").status_code == 404  # forged signature
    first = reader.get(url)
    assert first.status_code == 200 and b"".join(first.streaming_content) == PDF
    second = reader.get(url)
    assert b"".join(second.streaming_content) == PDF
    assert not stored.exists()
    with translation.override("en"):
        third = reader.get(url)
    assert third.status_code == 410 and "no longer available" in third.content.decode()
    assert url not in reader.get(reverse("ill:mine")).content.decode()


def test_expired_copies_are_deleted(world, settings):
    upload(client_for(world["staff_b"]), world)
    copy = CopyDelivery.objects.get()
    url = reverse("ill:copy", args=[delivery.link_token(copy)])
    CopyDelivery.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert client_for(world["reader"]).get(url).status_code == 410
    call_command("ill_timeouts", stdout=__import__("io").StringIO())
    assert not (Path(settings.KHIZANA_ILL_COPY_DIR) / copy.stored_name).exists()
    assert CopyDelivery.objects.get().deleted_at is not None


def test_loan_requests_take_no_file(world):
    loan = services.create_request(world["reader"], service_type="Loan", work=world["work"])
    incoming = IllRequest.objects.get(side="supplier", requester_request_id=loan.requester_request_id)
    with translation.override("en"):
        response = client_for(world["staff_b"]).post(
            reverse("ill:upload-copy", args=[incoming.pk]),
            {"file": SimpleUploadedFile("a.pdf", PDF)},
            follow=True,
        )
    assert "does not wait for a copy" in response.content.decode()
    assert client_for(world["staff_b"]).post(reverse("ill:upload-copy", args=[999999])).status_code == 404


class PeerEndpoint(BaseHTTPRequestHandler):
    """An external ISO 18626 peer on loopback: reads each message with the protocol module, keeps it,
    and answers its OK confirmation (what any conforming peer does)."""

    received: list = []

    def do_POST(self):
        message = p.parse(self.rfile.read(int(self.headers["Content-Length"])))
        self.received.append(message)
        answer = p.to_xml(p.confirm(message))
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def peer(settings):
    settings.KHIZANA_OUTGOING_ALLOWED_HOSTS = ["127.0.0.1"]
    PeerEndpoint.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), PeerEndpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/iso18626", PeerEndpoint.received
    server.shutdown()
    server.server_close()


def test_copy_for_an_external_peer_goes_as_a_signed_link(world, peer, settings):
    url, received = peer
    Agency.objects.create(isil="FR-PEER", peer_url=url, shared_secret="s3cret")
    header = p.Header(
        supplying_agency=p.AgencyId("ISIL", "MA-RBT-B"),
        requesting_agency=p.AgencyId("ISIL", "FR-PEER"),
        requesting_request_id="peer-copy-1",
        timestamp=p.now(),
        security_code="s3cret",
    )
    asked = p.Request(
        header=header,
        bibliographic=p.Bibliographic(title="Hespéris", pages_requested="1-9"),
        service_type="Copy",
    )
    answer = Client().post(reverse("ill:iso18626"), p.to_xml(asked), content_type="application/xml")
    assert p.parse(answer.content).ok
    incoming = IllRequest.objects.get(side="supplier", requester_agency__isil="FR-PEER")

    response = client_for(world["staff_b"]).post(
        reverse("ill:upload-copy", args=[incoming.pk]), {"file": SimpleUploadedFile("s.pdf", PDF)}
    )
    assert response.status_code == 302
    (sent,) = received
    assert (sent.kind, sent.status, sent.header.security_code) == (
        "supplyingAgencyMessage",
        "CopyCompleted",
        "s3cret",
    )
    link = sent.item_id
    assert link.startswith("http://testserver/ill/peer-copies/") and link in sent.note
    assert IllRequest.objects.get(pk=incoming.pk).status == "CopyCompleted"
    copy = CopyDelivery.objects.get()
    assert copy.request_id == incoming.pk and copy.max_downloads == 2
    path = link.removeprefix("http://testserver")
    anonymous = Client()  # whoever holds the link: the peer hands it to its reader
    assert anonymous.get(path[:-3] + "xyz").status_code == 404  # forged
    assert anonymous.get(reverse("ill:peer-copy", args=[delivery.link_token(copy)])).status_code == 404
    for _download in range(2):
        got = anonymous.get(path)
        assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert not (Path(settings.KHIZANA_ILL_COPY_DIR) / copy.stored_name).exists()
    assert anonymous.get(path).status_code == 410  # the limit
    # the reader's link of a local copy does not open at the peers' address, and the reverse
    assert (
        client_for(world["reader"]).get(reverse("ill:copy", args=[path.rsplit("/", 1)[1]])).status_code == 404
    )
