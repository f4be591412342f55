"""``{% loan_box item %}``: the loans part of an item page (borrow, download, return, waiting list)."""

from __future__ import annotations

from django import template

from khizana.digital.access import Decision, can_read
from khizana.digital.lending.loans import LoanStatus, loan_status
from khizana.digital.lending.signing import download_path
from khizana.digital.models import DigitalItem

register = template.Library()


@register.inclusion_tag("digital/_loan_box_inner.html", takes_context=True)
def loan_box(context: template.Context, item: DigitalItem) -> dict:
    """Reuses the ``status`` (borrow page) and ``decision`` (item page) the view already computed."""
    request = context.get("request")
    user = getattr(request, "user", None)
    status = context.get("status")
    if not isinstance(status, LoanStatus) or status.item.pk != item.pk:
        status = loan_status(user, item)
    downloadable = bool(item.file_key) and item.access in (
        DigitalItem.Access.OPEN,
        DigitalItem.Access.MEMBERS,
    )
    can_download = False
    if downloadable and request is not None:
        decision = context.get("decision")
        if not isinstance(decision, Decision):
            decision = can_read(request, item)
        can_download = bool(decision)
    return {
        "item": item,
        "status": status,
        "user": user,
        "csrf_token": context.get("csrf_token"),
        "request": request,
        "download_url": download_path(status.loan) if status.loan and item.file_key else "",
        "can_download": can_download,
    }
