"""A :class:`requests.Session` that fetches only what an :class:`OutgoingPolicy` allows (no Django import).

Every request, and every hop of a redirect (at most ``max_redirects``), is checked before it is sent:
its URL by :meth:`OutgoingPolicy.check_url`, then again where the connection is made. The connection
does not ask DNS on its own: it connects to the very addresses the policy resolved and checked, so a
name that resolves to a public address for the check and to a private one for the connection (DNS
rebinding) cannot slip through. TLS still verifies the certificate for the host name of the URL.

The session ignores proxy settings from the environment (``trust_env`` is off): a proxy would make the
connection for us, out of reach of the check.
"""

from __future__ import annotations

import contextlib
import socket
import sys
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import Timeout

from .policy import AddressInfo, OutgoingPolicy, OutgoingRequestRefused, host_and_port

MAX_REDIRECTS = 5


def guarded_session(policy: OutgoingPolicy, *, max_redirects: int = MAX_REDIRECTS) -> requests.Session:
    """A session that refuses, with :class:`OutgoingRequestRefused`, what ``policy`` refuses."""
    session = GuardedSession()
    session.trust_env = False
    session.max_redirects = max_redirects
    adapter = GuardedAdapter(policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class GuardedSession(requests.Session):
    """Refuses a redirect to anything but an http(s) URL with a host (the adapter checks the rest)."""

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        target = super().get_redirect_target(resp)
        if target is not None:
            host_and_port(urljoin(resp.url, target))
        return target


class GuardedAdapter(HTTPAdapter):
    """Checks each request's URL, and connects only to the addresses the policy checked."""

    def __init__(self, policy: OutgoingPolicy, **kwargs: Any):
        self.policy = policy
        super().__init__(**kwargs)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block, **kwargs)
        self.poolmanager.pool_classes_by_scheme = guarded_pool_classes(self.policy)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        url = request.url or ""
        if _proxies_in(kwargs.get("proxies")):
            raise ValueError(f"{url}: an outgoing request through a proxy cannot be checked")
        with contextlib.suppress(socket.gaierror):  # the connection fails on it too, and is retried
            self.policy.check_url(url)
        try:
            return super().send(request, *args, **kwargs)
        except OutgoingRequestRefused as refused:  # by the connection: name the URL, not host:port
            raise OutgoingRequestRefused(url, refused.reason) from None


def _proxies_in(proxies: Mapping[str, str | None] | None) -> bool:
    return any(proxies.values()) if proxies else False


def guarded_pool_classes(policy: OutgoingPolicy) -> dict[str, type[HTTPConnectionPool]]:
    """urllib3 pool classes whose connections go only to addresses ``policy`` checked."""
    http = type("GuardedHTTPConnection", (_GuardedConnection, HTTPConnection), {"policy": policy})
    https = type("GuardedHTTPSConnection", (_GuardedConnection, HTTPSConnection), {"policy": policy})
    return {
        "http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
        "https": type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
    }


class _GuardedConnection(HTTPConnection):
    """Resolves its host through the policy and connects to one of the addresses checked (as
    :meth:`urllib3.connection.HTTPConnection._new_conn` does, without a second DNS answer)."""

    policy: OutgoingPolicy

    def _new_conn(self) -> socket.socket:
        scheme = "https" if isinstance(self, HTTPSConnection) else "http"
        origin = f"{scheme}://{self.host}:{self.port}"
        try:
            addresses = self.policy.addresses_for(self._dns_host, self.port, url=origin)
            sock = self._connect_to(addresses)
        except socket.gaierror as error:
            raise NameResolutionError(self.host, self, error) from error
        except TimeoutError as error:
            message = f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
            raise ConnectTimeoutError(self, message) from error
        except OSError as error:
            raise NewConnectionError(self, f"Failed to establish a new connection: {error}") from error
        sys.audit("http.client.connect", self, self.host, self.port)
        return sock

    def _connect_to(self, addresses: list[AddressInfo]) -> socket.socket:
        """A socket connected to the first of ``addresses`` that answers (the last error otherwise)."""
        error: OSError | None = None
        for family, kind, proto, _, sockaddr in addresses:
            try:
                return self._connect_one(socket.socket(family, kind, proto), sockaddr)
            except OSError as failure:
                error = failure
        raise error or OSError("no address to connect to")

    def _connect_one(self, sock: socket.socket, sockaddr: tuple) -> socket.socket:
        try:
            for option in self.socket_options or ():
                sock.setsockopt(*option)
            if self.timeout is not Timeout.DEFAULT_TIMEOUT:
                sock.settimeout(self.timeout)
            if self.source_address:
                sock.bind(self.source_address)
            sock.connect(sockaddr)
        except OSError:
            sock.close()
            raise
        return sock
