"""Who may open a digital item, and why not: one decision function every view that serves content calls.

- open: everyone;
- members: members (readers and staff) of the item's library, network administrators; a reader's
  membership counts once it is verified (see ``khizana.accounts.verification``);
- on site: as members, or anyone connecting from one of the library's address ranges;
- licensed: a member of the item's library holding a current loan of the item (see ``lending/loans.py``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from khizana.accounts.permissions import can_write, is_network_admin, is_unverified_member, is_verified_member
from khizana.accounts.ratelimit import client_ip

from .extensions import access_restriction
from .models import DigitalItem, Loan, OnSiteNetwork


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # open | member | on_site | loan | staff | login_required | not_member | unverified | off_site | no_loan
    # | restricted
    reason: str
    loan: Loan | None = None

    def __bool__(self) -> bool:
        return self.allowed


def is_member_of(user, library_id: int) -> bool:
    """A verified member of the library (or a network administrator)."""
    return is_network_admin(user) or is_verified_member(user, library_id)


def membership_refusal(user, library_id: int) -> str:
    """Why a signed-in user is not a member: their membership waits for verification, or is elsewhere."""
    return "unverified" if is_unverified_member(user, library_id) else "not_member"


def is_on_site(request: HttpRequest, library_id: int) -> bool:
    try:
        address = ipaddress.ip_address(client_ip(request))  # REMOTE_ADDR, as the proxy set it
    except ValueError:
        return False
    for cidr in OnSiteNetwork.objects.filter(library_id=library_id).values_list("cidr", flat=True):
        try:
            if address in ipaddress.ip_network(cidr, strict=False):
                return True
        except ValueError:
            continue
    return False


def current_loan_q(now: datetime, prefix: str = "") -> Q:
    """Loans running at ``now``: not returned and not past due (``prefix``: "loans__" from a licence)."""
    return Q(**{f"{prefix}returned_at__isnull": True, f"{prefix}due_at__gt": now})


def live_entry_q(now: datetime, prefix: str = "") -> Q:
    """Waitlist entries holding a place at ``now``: open, and waiting or holding an offer not lapsed."""
    return Q(**{f"{prefix}closed_at__isnull": True}) & (
        Q(**{f"{prefix}offered_at__isnull": True}) | Q(**{f"{prefix}expires_at__gt": now})
    )


def current_loan(user, item: DigitalItem, now: datetime | None = None) -> Loan | None:
    """The member's current loan of ``item`` (the one ending last), if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Loan.objects.filter(current_loan_q(now or timezone.now()), item=item, user=user)
        .order_by("-due_at")
        .first()
    )


def can_read(request: HttpRequest, item: DigitalItem) -> Decision:
    """May the reader of ``request`` read ``item`` online now?"""
    user = request.user
    if access_restriction(item):  # e.g. a thesis under embargo (extensions.py): its library's staff only
        return Decision(True, "staff") if can_write(user, item.library_id) else Decision(False, "restricted")
    if item.access == DigitalItem.Access.OPEN:
        return Decision(True, "open")
    authenticated = getattr(user, "is_authenticated", False)
    if item.access == DigitalItem.Access.LICENSED:
        if not authenticated:
            return Decision(False, "login_required")
        if is_network_admin(user):
            return Decision(True, "staff")
        if not is_member_of(user, item.library_id):
            return Decision(False, membership_refusal(user, item.library_id))
        loan = current_loan(user, item)
        return Decision(True, "loan", loan) if loan else Decision(False, "no_loan")
    if authenticated and is_member_of(user, item.library_id):
        return Decision(True, "member")
    if item.access == DigitalItem.Access.ON_SITE:
        if is_on_site(request, item.library_id):
            return Decision(True, "on_site")
        return Decision(False, "off_site")
    return Decision(False, membership_refusal(user, item.library_id) if authenticated else "login_required")
