"""A resolver for tests: chosen names resolve to chosen addresses (``socket.getaddrinfo`` patched),
the others as usual. A name may be given several answers, one per lookup (the last one then stays):
a DNS rebinding attack."""

from __future__ import annotations

import ipaddress
import socket


class FakeDNS:
    def __init__(self, monkeypatch):
        self.answers: dict[str, list[list[str]]] = {}
        self.lookups: list[str] = []
        self._real = socket.getaddrinfo
        monkeypatch.setattr(socket, "getaddrinfo", self._getaddrinfo)

    def add(self, name: str, *answers: list[str]) -> None:
        """``name`` resolves to the first list of addresses, then the next at the next lookup ..."""
        self.answers[name] = [list(answer) for answer in answers]

    def _getaddrinfo(self, host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name not in self.answers:
            return self._real(host, port, *args, **kwargs)
        self.lookups.append(name)
        queue = self.answers[name]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        return [_entry(address, int(port or 0)) for address in addresses]


def _entry(address: str, port: int) -> tuple:
    if ipaddress.ip_address(address).version == 4:
        return (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))
    return (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port, 0, 0))
