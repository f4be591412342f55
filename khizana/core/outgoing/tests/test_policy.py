"""The outgoing-request policy on its own: which URLs and addresses are refused, and why."""

import ipaddress
import re
import socket

import pytest

from khizana.core.outgoing.policy import (
    AllowList,
    OutgoingPolicy,
    OutgoingRequestRefused,
    address_problem,
    literal_address,
)

from .fake_dns import FakeDNS

STRICT = OutgoingPolicy()
RULE = (
    "outgoing requests to loopback, private, link-local or reserved addresses are refused unless "
    "KHIZANA_OUTGOING_ALLOWED_HOSTS allows it"
)


@pytest.fixture
def dns(monkeypatch):
    return FakeDNS(monkeypatch)


def refusal(url: str, policy: OutgoingPolicy = STRICT) -> str:
    with pytest.raises(OutgoingRequestRefused) as refused:
        policy.check_url(url)
    assert refused.value.url == url
    return str(refused.value)


def test_the_refusal_names_the_url_the_address_its_kind_and_the_setting():
    assert refusal("http://127.0.0.1/oai") == (
        f"http://127.0.0.1/oai: the address 127.0.0.1 is a loopback address; {RULE}"
    )


@pytest.mark.parametrize(
    ("url", "address", "kind"),
    [
        ("http://127.0.0.1:8000/api/libraries", "127.0.0.1", "a loopback address"),
        ("http://127.8.9.10/", "127.8.9.10", "a loopback address"),
        ("http://0.0.0.0/", "0.0.0.0", "an unspecified address"),
        ("http://10.0.0.1/oai", "10.0.0.1", "a private address"),
        ("http://172.16.5.4/", "172.16.5.4", "a private address"),
        ("https://192.168.1.1/", "192.168.1.1", "a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254", "a link-local address"),
        ("http://100.64.0.1/", "100.64.0.1", "a shared address (100.64.0.0/10)"),
        ("http://224.0.0.1/", "224.0.0.1", "a multicast address"),
        ("http://240.0.0.1/", "240.0.0.1", "a reserved address"),
        ("http://255.255.255.255/", "255.255.255.255", "a reserved address"),
        ("http://198.18.0.1/", "198.18.0.1", "a private address"),
        ("http://[::1]/oai", "::1", "a loopback address"),
        ("http://[::]/", "::", "an unspecified address"),
        ("http://[fe80::1]/", "fe80::1", "a link-local address"),
        ("http://[fd00::1]/", "fd00::1", "a private address"),
        ("http://[fec0::1]/", "fec0::1", "a private address"),
        ("http://[ff02::1]/", "ff02::1", "a multicast address"),
        # IPv4 addresses carried by IPv6 ones: mapped, compatible, 6to4, NAT64
        ("http://[::ffff:127.0.0.1]/", "::ffff:7f00:1 (127.0.0.1)", "a loopback address"),
        ("http://[::ffff:10.0.0.1]:8080/", "::ffff:a00:1 (10.0.0.1)", "a private address"),
        ("http://[::127.0.0.1]/", "::7f00:1 (127.0.0.1)", "a loopback address"),
        ("http://[2002:7f00:1::1]/", "2002:7f00:1::1 (127.0.0.1)", "a loopback address"),
        ("http://[64:ff9b::a9fe:a9fe]/", "64:ff9b::a9fe:a9fe (169.254.169.254)", "a link-local address"),
        # what inet_aton reads as 127.0.0.1: decimal, hexadecimal, octal, short forms
        ("http://2130706433/", "127.0.0.1", "a loopback address"),
        ("http://0x7f.1/", "127.0.0.1", "a loopback address"),
        ("http://0x7f000001/", "127.0.0.1", "a loopback address"),
        ("http://017700000001/", "127.0.0.1", "a loopback address"),
        ("http://0177.0.0.1/", "127.0.0.1", "a loopback address"),
        ("http://127.1/", "127.0.0.1", "a loopback address"),
        ("http://0/", "0.0.0.0", "an unspecified address"),
        ("http://127.0.0.1./", "127.0.0.1", "a loopback address"),
        ("http://user:secret@127.0.0.1/", "127.0.0.1", "a loopback address"),
        ("HTTP://[::1]:80/", "::1", "a loopback address"),
    ],
)
def test_addresses_that_are_not_public_are_refused_in_every_form(url, address, kind):
    assert refusal(url) == f"{url}: the address {address} is {kind}; {RULE}"


def test_a_name_is_refused_when_any_of_its_addresses_is_not_public(dns):
    dns.add("localhost", ["127.0.0.1", "::1"])
    assert refusal("http://localhost:8000/oai") == (
        f"http://localhost:8000/oai: the host localhost resolves to 127.0.0.1, a loopback address; {RULE}"
    )
    dns.add("catalogue.example.org", ["8.8.8.8", "10.1.2.3"])
    assert "resolves to 10.1.2.3, a private address" in refusal("https://catalogue.example.org/oai")
    dns.add("v6.example.org", ["2001:4860:4860::8888", "::ffff:169.254.169.254"])
    assert "::ffff:a9fe:a9fe (169.254.169.254), a link-local address" in refusal("http://v6.example.org/")


def test_public_addresses_and_names_pass_and_their_addresses_are_returned(dns):
    dns.add("catalogue.example.org", ["8.8.8.8", "2001:4860:4860::8888"])
    checked = STRICT.check_url("https://catalogue.example.org/oai")
    assert [(info[0], info[4][:2]) for info in checked] == [
        (socket.AF_INET, ("8.8.8.8", 443)),
        (socket.AF_INET6, ("2001:4860:4860::8888", 443)),
    ]
    assert STRICT.check_url("http://8.8.8.8:8080/oai")[0][4] == ("8.8.8.8", 8080)
    assert STRICT.check_url("http://[2001:4860:4860::8888]/")[0][4][:2] == ("2001:4860:4860::8888", 80)
    assert dns.lookups == ["catalogue.example.org"]  # addresses written as such are not looked up


def test_a_name_that_cannot_be_resolved_is_a_resolution_error_not_a_refusal(dns):
    with pytest.raises(socket.gaierror):
        STRICT.check_url("https://nowhere.invalid/oai")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://example.org/oai", "only http:// and https:// addresses may be fetched"),
        ("file:///etc/passwd", "only http:// and https:// addresses may be fetched"),
        ("gopher://127.0.0.1:6379/_INFO", "only http:// and https:// addresses may be fetched"),
        ("example.org/oai", "only http:// and https:// addresses may be fetched"),
        ("http:///oai", "the address names no host"),
        ("http://[::1/oai", "not a valid URL (its host or port cannot be read)"),
        ("http://example.org:99999/", "not a valid URL (its host or port cannot be read)"),
        ("http://999.1.1.1/", "the host 999.1.1.1 is not a valid IP address"),
        ("http://08.1.1.1/", "the host 08.1.1.1 is not a valid IP address"),
    ],
)
def test_other_schemes_and_unreadable_urls_are_refused(url, problem):
    assert refusal(url) == f"{url}: {problem}"


def test_numeric_hosts_are_read_as_inet_aton_reads_them():
    assert literal_address("2130706433") == ipaddress.ip_address("127.0.0.1")
    assert literal_address("0xA9.0xfe.43518") == ipaddress.ip_address("169.254.169.254")
    assert literal_address("10.1") == ipaddress.ip_address("10.0.0.1")
    assert literal_address("[::1]") == ipaddress.ip_address("::1")
    assert literal_address("catalogue.example.org") is None
    assert literal_address("1.2.3.example") is None
    with pytest.raises(ValueError):
        literal_address("4294967296")


def test_only_public_addresses_have_no_problem():
    assert address_problem(ipaddress.ip_address("8.8.8.8")) is None
    assert address_problem(ipaddress.ip_address("2001:4860:4860::8888")) is None
    assert address_problem(ipaddress.ip_address("2001::1")) is not None  # Teredo
    assert address_problem(ipaddress.ip_address("192.0.2.1")) is not None  # documentation


def test_the_allow_list_lets_names_ports_addresses_and_ranges_through(dns):
    dns.add("oai.intranet", ["10.1.2.3"])
    dns.add("other.intranet", ["10.9.9.9"])
    allowed = OutgoingPolicy(AllowList.parse("oai.intranet:8080, 127.0.0.1 ,172.16.0.0/12,[::1],,"))
    assert allowed.check_url("http://oai.intranet:8080/oai")[0][4] == ("10.1.2.3", 8080)
    assert "a private address" in refusal("http://oai.intranet/oai", allowed)  # another port
    assert "a private address" in refusal("http://other.intranet:8080/oai", allowed)
    assert allowed.check_url("http://127.0.0.1:9000/")[0][4] == ("127.0.0.1", 9000)
    assert allowed.check_url("http://[::ffff:127.0.0.1]/")  # the same address, mapped
    assert allowed.check_url("http://2130706433/")
    assert allowed.check_url("http://172.20.0.1/")
    assert allowed.check_url("http://[::1]:8000/")
    assert "a loopback address" in refusal("http://127.0.0.2/", allowed)
    assert "a link-local address" in refusal("http://169.254.169.254/", allowed)
    by_name = OutgoingPolicy(AllowList.parse(["Oai.Intranet."]))
    assert by_name.check_url("https://oai.intranet/oai")[0][4] == ("10.1.2.3", 443)


@pytest.mark.parametrize("entry", ["10.0.0.0/33", "oai intranet", "host:0", "host:70000", "[oai]:80", "a/b"])
def test_an_allow_list_entry_that_is_no_host_or_range_is_an_error(entry):
    with pytest.raises(ValueError, match=re.escape(repr(entry))):
        AllowList.parse([entry])


def test_an_empty_allow_list_allows_nothing():
    assert not AllowList.parse("") and not AllowList.parse([" ", ""])
    assert AllowList.parse("10.0.0.0/8")
