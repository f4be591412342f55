"""Search inside one digital item: the pages holding the reader's words, with highlighted snippets."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from khizana.core.languages import language_tag
from khizana.digital.access import can_read
from khizana.digital.fulltext.services import TEXT_DONE, search_item
from khizana.digital.models import DigitalItem
from khizana.digital.reading.services import login_url, reader_url, refusal_in_words, refusal_status
from khizana.digital.usage import record_usage

RESULTS_PER_PAGE = 20
MAX_QUERY_LENGTH = 200


def _page_link(item: DigitalItem, page: int) -> str:
    return reader_url(item) + f"#page={page}"


@require_safe
def search_inside(request: HttpRequest, item_id: int) -> HttpResponse:
    """``/digital/<item>/search?q=...``: pages with hits in page order, their counts and snippets."""
    item = get_object_or_404(DigitalItem.objects.select_related("library", "record__work"), pk=item_id)
    context = {
        "item": item,
        "title": item.display_title,
        "item_url": reverse("digital-item", args=[item.pk]),
        "query": (request.GET.get("q") or "").strip()[:MAX_QUERY_LENGTH],
        "text_lang": language_tag(item.language.lower()),
        "text_dir": "rtl" if item.direction == DigitalItem.Direction.RTL else "ltr",
        "text_ready": item.text_status in TEXT_DONE,
    }
    decision = can_read(request, item)
    if not decision:
        context["refusal"] = refusal_in_words(item, decision)
        if decision.reason == "login_required":
            context["login_url"] = login_url(request)
        return render(request, "digital/search_inside.html", context, status=refusal_status(decision))
    if context["query"] and context["text_ready"]:
        try:
            page = max(1, int(request.GET.get("page") or 1))
        except ValueError:
            page = 1
        results = search_item(item.pk, context["query"], (page - 1) * RESULTS_PER_PAGE, RESULTS_PER_PAGE)
        record_usage(request, item, "search")
        shown_pages = max(1, -(-results.total_pages // RESULTS_PER_PAGE))
        context.update(
            {
                "results": results,
                "hits": [(hit, _page_link(item, hit.page)) for hit in results.pages],
                "page": page,
                "previous_page": page - 1 if page > 1 else None,
                "next_page": page + 1 if page < shown_pages else None,
            }
        )
    response = render(request, "digital/search_inside.html", context)
    response["Cache-Control"] = "private, no-cache"
    return response
