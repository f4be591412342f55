"""What the programmes built on the digital library add to it, without the digital library importing them.

The digital library is a capability; the heritage programmes (khizana.heritage.*) sit above it
(docs/architecture.md). A programme that must keep some items closed for a while (a thesis under
embargo) registers an access restriction here in its ``AppConfig.ready()``; :func:`access.can_read`
asks :func:`access_restriction` first. A restricted item is read only by the staff of its library and
the network administrators.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import DigitalItem

# fn(item) -> why the item is closed now (a sentence for people), or None when it is not.
AccessRestriction = Callable[["DigitalItem"], "str | None"]

_restrictions: list[AccessRestriction] = []


def register_access_restriction(restriction: AccessRestriction) -> None:
    """Add ``restriction`` (registering the same function twice has no effect)."""
    if restriction not in _restrictions:
        _restrictions.append(restriction)


def access_restriction(item: DigitalItem) -> str | None:
    """The first reason a registered restriction gives to keep ``item`` closed now, or None."""
    for restriction in _restrictions:
        reason = restriction(item)
        if reason:
            return reason
    return None
