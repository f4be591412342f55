"""The page-image viewer (/digital/<item>/pages/): OpenSeadragon over the items' IIIF Image API services."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from khizana.digital.access import can_read
from khizana.digital.iiif import image as iiif_image
from khizana.digital.models import DigitalItem, UsageEvent
from khizana.digital.reading.services import login_url, refusal_in_words, refusal_status
from khizana.digital.usage import record_usage


@require_safe
def viewer(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(DigitalItem.objects.select_related("record__work", "library"), pk=item_id)
    work = item.work
    context = {
        "item": item,
        "title": item.display_title,
        "work_url": reverse("web:work", args=[work.pk]) if work else "",
    }
    decision = can_read(request, item)
    if not decision:
        context.update(
            refused=True,
            reason=refusal_in_words(item, decision),
            login_url=login_url(request) if decision.reason == "login_required" else "",
        )
        return render(request, "digital/viewer.html", context, status=refusal_status(decision))
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
