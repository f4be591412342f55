"""The page-image viewer (/digital/<item>/pages/): OpenSeadragon over the items' IIIF Image API services."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from . import iiif_image
from .access import Decision, can_read
from .models import DigitalItem, UsageEvent
from .usage import record_usage


def refusal_in_words(decision: Decision) -> tuple[str, str]:
    """(why the reader may not see the pages, what they can do)."""
    return {
        "login_required": (
            _("These pages are reserved to the members of the library network."),
            _("Sign in with your library account to see them."),
        ),
        "not_member": (
            _("These pages are reserved to the members of the library that holds them."),
            _("Ask that library how to become a member, or read them on its premises."),
        ),
        "off_site": (
            _("These pages can only be seen on the premises of the library that holds them."),
            _("Come to the library, or sign in if you are one of its members."),
        ),
        "no_loan": (
            _("These pages can only be seen during a loan."),
            _("Borrow the item from its page, or join the waiting list."),
        ),
    }.get(decision.reason, (_("You may not see these pages."), _("Ask the library that holds them.")))


@require_safe
def viewer(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(DigitalItem.objects.select_related("record__work", "library"), pk=item_id)
    work = item.work
    context = {
        "item": item,
        "title": (work.title if work else "") or item.record.title,
        "work_url": reverse("web:work", args=[work.pk]) if work else "",
    }
    decision = can_read(request, item)
    if not decision:
        reason, remedy = refusal_in_words(decision)
        context.update(
            refused=True,
            reason=reason,
            remedy=remedy,
            login_url=f"{reverse(settings.LOGIN_URL)}?next={request.get_full_path()}"
            if decision.reason == "login_required"
            else "",
        )
        return render(
            request,
            "digital/viewer.html",
            context,
            status=401 if decision.reason == "login_required" else 403,
        )
    pages = list(item.pages.order_by("sequence"))
    record_usage(request, item, UsageEvent.Action.READ)  # one per page view (tiles are not counted)
    context.update(
        refused=False,
        pages=[
            {
                "label": page.label or str(page.sequence),
                "info": reverse(
                    "digital-iiif-info", args=[iiif_image.make_identifier(page.item_id, page.sequence)]
                ),
            }
            for page in pages
        ],
        rtl=item.direction == DigitalItem.Direction.RTL,
        manifest_url=reverse("digital-iiif-manifest", args=[item.pk]),
    )
    return render(request, "digital/viewer.html", context)
