"""Requests the server makes to other hosts, guarded against server-side request forgery.

- :mod:`khizana.core.outgoing.policy` (no Django, no requests) decides whether a URL may be fetched: http or
  https only, and never to a loopback, private, link-local, multicast, reserved or otherwise non-public
  address, whatever form the address takes, unless an explicit allow-list lets the host through.
- :mod:`khizana.core.outgoing.session` gives a :class:`requests.Session` that applies the policy to every
  request and every redirect, and connects only to the addresses it checked (no DNS rebinding).
- :mod:`khizana.core.outgoing.conf` builds both from the ``KHIZANA_OUTGOING_ALLOWED_HOSTS`` setting.
"""
