"""The outgoing-request policy of this installation, from the ``KHIZANA_OUTGOING_ALLOWED_HOSTS`` setting
(a list, or a comma-separated string: host names, ``name:port``, IP addresses, CIDR ranges)."""

from __future__ import annotations

import contextlib
import socket

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .policy import AllowList, OutgoingPolicy
from .session import MAX_REDIRECTS, guarded_session


def outgoing_policy() -> OutgoingPolicy:
    """The policy, read from the settings at each call (tests override them)."""
    entries = settings.KHIZANA_OUTGOING_ALLOWED_HOSTS or ()
    try:
        return OutgoingPolicy(AllowList.parse(entries))
    except ValueError as error:
        raise ImproperlyConfigured(f"KHIZANA_OUTGOING_ALLOWED_HOSTS: {error}") from None


def outgoing_session(*, max_redirects: int = MAX_REDIRECTS) -> requests.Session:
    """A :class:`requests.Session` for every request the server makes to another host."""
    return guarded_session(outgoing_policy(), max_redirects=max_redirects)


def check_url_to_save(url: str) -> None:
    """Raises :class:`~khizana.core.outgoing.policy.OutgoingRequestRefused` for a URL that staff must not
    save as one the server will fetch. A host name that cannot be resolved now is accepted: it is
    checked again, address by address, at every request."""
    with contextlib.suppress(socket.gaierror):
        outgoing_policy().check_url(url)
