"""The guarded requests session over real HTTP on loopback: refusals before anything is sent, every
redirect checked, connections made to the addresses checked (DNS rebinding)."""

import datetime

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from khizana.core.outgoing.policy import AllowList, OutgoingPolicy, OutgoingRequestRefused
from khizana.core.outgoing.session import guarded_session

from .fake_dns import FakeDNS
from .local_server import LocalServer, ok, redirect


@pytest.fixture
def dns(monkeypatch):
    return FakeDNS(monkeypatch)


def session_allowing(*entries: str) -> requests.Session:
    return guarded_session(OutgoingPolicy(AllowList.parse(entries)))


def test_loopback_is_refused_before_any_request_is_sent():
    with LocalServer(ok()) as server:
        for url in (f"{server.url}/oai", f"http://2130706433:{server.port}/", f"http://[::ffff:127.0.0.1]:{server.port}/"):
            with pytest.raises(OutgoingRequestRefused, match="is a loopback address") as refused:
                session_allowing().get(url, timeout=5)
            assert refused.value.url == url
    assert server.requests == []


def test_an_allowed_host_is_fetched():
    with LocalServer(ok(b"hello")) as server:
        reply = session_allowing(f"127.0.0.1:{server.port}").get(f"{server.url}/oai", timeout=5)
    assert reply.content == b"hello" and server.requests == [("/oai", f"127.0.0.1:{server.port}")]


def test_a_name_is_connected_to_at_the_address_checked_with_its_own_host_header(dns):
    dns.add("oai.intranet", ["127.0.0.1"])
    with LocalServer(ok()) as server:
        reply = session_allowing("oai.intranet").get(f"http://oai.intranet:{server.port}/oai", timeout=5)
    assert reply.status_code == 200 and server.requests == [("/oai", f"oai.intranet:{server.port}")]
    assert dns.lookups == ["oai.intranet", "oai.intranet"]  # the check, the connection: no third lookup


def test_https_verifies_the_certificate_of_the_name_while_connecting_to_the_address_checked(dns, tmp_path):
    dns.add("oai.intranet", ["127.0.0.1"])
    certificate, key = self_signed(tmp_path, "oai.intranet")
    with LocalServer(ok(b"secure"), certificate=(certificate, key)) as server:
        session = session_allowing("oai.intranet", "127.0.0.1")
        reply = session.get(f"https://oai.intranet:{server.port}/oai", verify=certificate, timeout=5)
        assert reply.content == b"secure"
        with pytest.raises(requests.exceptions.SSLError):  # the certificate is not for 127.0.0.1
            session.get(f"https://127.0.0.1:{server.port}/oai", verify=certificate, timeout=5)


def self_signed(folder, name: str) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return str(folder / "cert.pem"), str(folder / "key.pem")


def test_a_name_that_turns_to_loopback_between_the_check_and_the_connection_is_refused(dns):
    """DNS rebinding: the first answer is public, the one the connection would use is loopback."""
    dns.add("rebind.example.org", ["8.8.8.8"], ["127.0.0.1"])
    with LocalServer(ok()) as server:
        url = f"http://rebind.example.org:{server.port}/oai"
        with pytest.raises(OutgoingRequestRefused) as refused:
            session_allowing().get(url, timeout=5)
    assert str(refused.value).startswith(
        f"{url}: the host rebind.example.org resolves to 127.0.0.1, a loopback address;"
    )
    assert server.requests == [] and dns.lookups == ["rebind.example.org", "rebind.example.org"]


def test_a_redirect_to_a_host_not_allowed_is_refused_before_it_is_followed(dns):
    dns.add("localhost", ["127.0.0.1"])
    with LocalServer(ok(b"secret")) as target:
        targets = [
            f"{target.url}/admin",
            f"http://localhost:{target.port}/admin",
            f"http://[::ffff:7f00:1]:{target.port}/admin",
            f"http://0x7f.1:{target.port}/admin",
        ]
        for location in targets:
            with LocalServer(redirect(location)) as first:
                with pytest.raises(OutgoingRequestRefused, match="a loopback address") as refused:
                    session_allowing(f"127.0.0.1:{first.port}").get(f"{first.url}/oai", timeout=5)
                assert refused.value.url == location and len(first.requests) == 1
    assert target.requests == []


def test_a_redirect_to_another_scheme_is_refused():
    refused = pytest.raises(OutgoingRequestRefused, match="only http:// and https:// addresses")
    with LocalServer(redirect("file:///etc/passwd")) as first, refused:
        session_allowing("127.0.0.1").get(f"{first.url}/oai", timeout=5)


def test_redirects_within_the_allowed_host_are_followed_up_to_a_limit():
    def answer(path):
        return (302, {"Location": "/next"}, b"") if path == "/oai" else (200, {}, b"arrived")

    with LocalServer(answer) as server:
        reply = session_allowing("127.0.0.1").get(f"{server.url}/oai", timeout=5)
    assert reply.content == b"arrived" and len(reply.history) == 1
    with LocalServer(redirect("/again")) as loop, pytest.raises(requests.TooManyRedirects):
        session_allowing("127.0.0.1").get(f"{loop.url}/oai", timeout=5)
    assert len(loop.requests) == 6  # the request and 5 redirects


def test_proxies_are_neither_taken_from_the_environment_nor_accepted(monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    with LocalServer(ok()) as server:
        assert session_allowing("127.0.0.1").get(server.url, timeout=5).status_code == 200
        with pytest.raises(ValueError, match="through a proxy cannot be checked"):
            session_allowing("127.0.0.1").get(server.url, proxies={"http": "http://10.0.0.1:3128"}, timeout=5)
    assert len(server.requests) == 1
