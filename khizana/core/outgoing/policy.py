"""Whether the server may fetch an outgoing URL (no Django import): the defence against server-side
request forgery.

A URL may be fetched when its scheme is http or https and EVERY address its host resolves to is a public
one: not loopback, private, link-local, multicast, reserved, unspecified or shared (100.64.0.0/10), nor
an IPv6 form carrying such an IPv4 address (IPv4-mapped, IPv4-compatible, 6to4, Teredo, NAT64). Hosts
written as numbers (``2130706433``, ``0x7f.1``, ``017700000001``: what ``inet_aton`` accepts) are read
as the addresses they are. An :class:`AllowList` set by a network administrator lets chosen hosts
through: names (any port, or ``name:port``) and IP addresses or CIDR ranges.

:meth:`OutgoingPolicy.check_url` refuses with :class:`OutgoingRequestRefused` (the URL and a
:class:`Reason`: an English msgid with named parameters, marked for makemessages and translated when
shown) and returns the addresses it checked, so that a connection can be made to exactly those
(:mod:`khizana.core.outgoing.session`) and a DNS answer that changes in between cannot redirect it.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import NoReturn
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
AddressInfo = tuple  # one entry of socket.getaddrinfo: (family, type, proto, canonname, sockaddr)

DEFAULT_PORTS = {"http": 80, "https": 443}
_SHARED = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_NUMERIC_HOST = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}")
_HOST_NAME = re.compile(r"[\w.-]+")
_HOST_AND_PORT = re.compile(r"(\[[^\]]*\]|[^:\[\]]+):([0-9]{1,5})")


def gettext_noop(message: str) -> str:
    """Marks a msgid for makemessages (as Django's gettext_noop does, without importing Django)."""
    return message


_RULE = gettext_noop(
    "outgoing requests to loopback, private, link-local or reserved addresses are refused unless "
    "KHIZANA_OUTGOING_ALLOWED_HOSTS allows it"
)
_KINDS: tuple[tuple[Callable[[IPAddress], bool], str], ...] = (
    (lambda a: a.is_unspecified, gettext_noop("an unspecified address")),
    (lambda a: a.is_loopback, gettext_noop("a loopback address")),
    (lambda a: a.is_link_local, gettext_noop("a link-local address")),
    (lambda a: a.is_multicast, gettext_noop("a multicast address")),
    (lambda a: a.version == 4 and a in _SHARED, gettext_noop("a shared address (100.64.0.0/10)")),
    (lambda a: a.is_reserved, gettext_noop("a reserved address")),
    (lambda a: a.is_private or getattr(a, "is_site_local", False), gettext_noop("a private address")),
    (lambda a: not a.is_global, gettext_noop("an address that is not publicly routable")),
)


@dataclass(frozen=True)
class Reason:
    """Why a URL is refused: an English msgid with ``%(name)s`` parameters (strings, or reasons)."""

    text: str
    params: Mapping[str, str | Reason] = field(default_factory=dict)

    def render(self, translate: Callable[[str], str] = str) -> str:
        """The text, each msgid passed through ``translate`` (gettext; ``str`` gives the English)."""
        params = {k: v.render(translate) if isinstance(v, Reason) else v for k, v in self.params.items()}
        text = translate(self.text)
        return text % params if params else text


class OutgoingRequestRefused(ValueError):
    """A URL the server must not fetch; ``str()`` is "<url>: <reason>" in English."""

    def __init__(self, url: str, reason: Reason):
        self.url = url
        self.reason = reason
        super().__init__(f"{url}: {reason.render()}")


def _refuse(url: str, text: str, **params: str | Reason) -> NoReturn:
    raise OutgoingRequestRefused(url, Reason(text, params))


# --- addresses ----------------------------------------------------------------------------------------


def literal_address(host: str) -> IPAddress | None:
    """The address a host written as an IP address stands for (``[::1]``, ``127.0.0.1``, and the
    numeric forms of ``inet_aton``: ``2130706433``, ``0x7f.1``, ``0177.0.0.1``); None for a name.
    Raises ValueError for a host made of numbers that is no address (``999.1.1.1``)."""
    text = host.strip().strip("[]").rstrip(".").lower()
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if not _NUMERIC_HOST.fullmatch(text):
        return None
    values = [_number(part) for part in text.split(".")]
    *head, last = values
    if any(value > 255 for value in head) or last >= 256 ** (5 - len(values)):
        raise ValueError(f"{host!r} is not a valid IPv4 address")
    return ipaddress.IPv4Address(sum(v << (8 * (3 - i)) for i, v in enumerate(head)) + last)


def _number(part: str) -> int:
    """One part of a numeric IPv4 host, as inet_aton reads it: 0x hexadecimal, 0 octal, else decimal."""
    if part.startswith("0x"):
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8)  # ValueError for 08, 09: inet_aton refuses them too
    return int(part)


def embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (IPv4-mapped, IPv4-compatible, 6to4, Teredo, NAT64)."""
    if address.version == 4:
        return []
    found = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [ipv4 for ipv4 in found if ipv4 is not None]


def address_problem(address: IPAddress) -> str | None:
    """What makes ``address`` unfit for an outgoing request (a msgid: "a loopback address" ...), or None
    for a public address. The IPv4 addresses inside an IPv6 one are judged first."""
    for candidate in (*embedded_ipv4(address), address):
        for test, kind in _KINDS:
            if test(candidate):
                return kind
    return None


def describe_address(address: IPAddress) -> str:
    """``::ffff:7f00:1 (127.0.0.1)`` for an IPv6 address carrying an IPv4 one, else the address."""
    inner = embedded_ipv4(address)
    return f"{address} ({inner[0]})" if inner else str(address)


def normalise_host(host: str) -> str:
    """Lower case, without brackets or a final dot; an IP address in its canonical form."""
    literal = literal_address(host)
    return str(literal) if literal is not None else host.strip().strip("[]").rstrip(".").lower()


# --- the allow-list -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllowList:
    """Hosts a network administrator lets through although their addresses are not public: host names
    (``oai.intranet``: any port; ``oai.intranet:8080``: that port only) and IP addresses or CIDR ranges
    (``10.1.2.3``, ``10.0.0.0/8``, ``fd00::/8``: any host resolving into them)."""

    names: frozenset[tuple[str, int | None]] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: str | Iterable[str]) -> AllowList:
        """From a comma-separated string or a list; ValueError names an entry that is neither."""
        if isinstance(entries, str):
            entries = entries.split(",")
        names: set[tuple[str, int | None]] = set()
        networks: list[IPNetwork] = []
        for entry in (entry.strip() for entry in entries):
            network = _network(entry) if entry else None
            if network is not None:
                networks.append(network)
            elif entry:
                names.add(_name_and_port(entry))
        return cls(frozenset(names), tuple(networks))

    def __bool__(self) -> bool:
        return bool(self.names or self.networks)

    def allows_host(self, host: str, port: int) -> bool:
        key = normalise_host(host)
        return (key, None) in self.names or (key, port) in self.names

    def allows_address(self, address: IPAddress) -> bool:
        candidates = (address, *embedded_ipv4(address))
        return any(
            candidate.version == network.version and candidate in network
            for candidate in candidates
            for network in self.networks
        )


def _network(entry: str) -> IPNetwork | None:
    """The range an entry names (an address is a range of one), None for a host name."""
    text = entry[1:-1] if entry.startswith("[") and entry.endswith("]") else entry
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        if "/" in text:
            raise ValueError(f"{entry!r} is not an IP address or a CIDR range") from None
        return None


def _name_and_port(entry: str) -> tuple[str, int | None]:
    host, port = entry, None
    match = _HOST_AND_PORT.fullmatch(entry)
    if match:
        host, port = match[1], int(match[2])
        if not 0 < port < 65536:
            raise ValueError(f"{entry!r}: the port must be between 1 and 65535")
    if host.startswith("["):
        if not host.endswith("]") or _network(host) is None:
            raise ValueError(f"{entry!r} is not a host name, an IP address or a CIDR range")
    elif not _HOST_NAME.fullmatch(host):
        raise ValueError(f"{entry!r} is not a host name, an IP address or a CIDR range")
    return normalise_host(host), port


# --- the policy ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutgoingPolicy:
    """Refuses URLs that lead to non-public addresses, except the hosts of ``allowed``."""

    allowed: AllowList = field(default_factory=AllowList)

    def check_url(self, url: str) -> list[AddressInfo]:
        """The addresses the URL's host resolves to, every one of them checked. Raises
        :class:`OutgoingRequestRefused`, or :class:`socket.gaierror` when the host name cannot be
        resolved (a failure to retry, not a refusal)."""
        host, port = host_and_port(url)
        return self.addresses_for(host, port, url=url)

    def addresses_for(self, host: str, port: int, *, url: str) -> list[AddressInfo]:
        """The checked addresses (``getaddrinfo`` entries) to connect to for ``host``:``port``; ``url``
        is named in the refusal."""
        try:
            literal = literal_address(host)
        except ValueError:
            _refuse(url, gettext_noop("the host %(host)s is not a valid IP address"), host=host)
        if literal is not None:
            self._check(literal, url, host=None, port=port)
            return [_address_info(literal, port)]
        addresses = _resolve(host, port)
        for info in addresses:
            self._check(ipaddress.ip_address(info[4][0]), url, host=host, port=port)
        return addresses

    def _check(self, address: IPAddress, url: str, *, host: str | None, port: int) -> None:
        kind = address_problem(address)
        if kind is None or self.allowed.allows_address(address):
            return
        if self.allowed.allows_host(host or str(address), port):
            return
        shown = describe_address(address)
        if host is None:
            text = gettext_noop("the address %(address)s is %(kind)s; %(rule)s")
            _refuse(url, text, address=shown, kind=Reason(kind), rule=Reason(_RULE))
        text = gettext_noop("the host %(host)s resolves to %(address)s, %(kind)s; %(rule)s")
        _refuse(url, text, host=host, address=shown, kind=Reason(kind), rule=Reason(_RULE))


def host_and_port(url: str) -> tuple[str, int]:
    """The host and port an http(s) URL names; refuses any other scheme and URLs without a host."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        _refuse(url, gettext_noop("not a valid URL (its host or port cannot be read)"))
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        _refuse(url, gettext_noop("only http:// and https:// addresses may be fetched"))
    if not parts.hostname:
        _refuse(url, gettext_noop("the address names no host"))
    return parts.hostname, port if port is not None else DEFAULT_PORTS[scheme]


def _resolve(host: str, port: int) -> list[AddressInfo]:
    addresses = socket.getaddrinfo(host.rstrip("."), port, type=socket.SOCK_STREAM)
    if not addresses:
        raise socket.gaierror(socket.EAI_NONAME, f"{host} resolves to no address")
    return addresses


def _address_info(address: IPAddress, port: int) -> AddressInfo:
    if address.version == 4:
        return (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (str(address), port))
    return (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (str(address), port, 0, 0))
