"""The public pages. Thin: what they show is computed by the page modules (:mod:`.home_page`,
:mod:`.results_page`, :mod:`.work_page`, :mod:`.library_pages`) and written by the catalog's serializers."""

from __future__ import annotations

import json

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotFound,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_safe

from khizana.catalog.models import Work
from khizana.catalog.serializers.bibtex import bibtex
from khizana.catalog.serializers.csl import csl_json
from khizana.catalog.serializers.dublin_core import dublin_core_xml
from khizana.catalog.serializers.iso2709 import iso2709_chunks
from khizana.catalog.serializers.jsonld import json_ld
from khizana.catalog.serializers.lists import LIST_FORMATS
from khizana.catalog.serializers.marcxml import marc_records, marcxml_collection
from khizana.catalog.serializers.plain_citation import plain_citation
from khizana.catalog.serializers.ris import ris
from khizana.catalog.serializers.work import holding_rows, work_dict, work_records
from khizana.libraries.models import Library
from khizana.programmes.portal.services import latest_news
from khizana.search import exports

from . import home_page, library_pages, negotiation, results_page, work_page
from .search_params import parse_params


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    # with the portal's latest published news items
    return render(request, "web/home.html", {**home_page.home_context(), "news": latest_news()})


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    params = parse_params(request.GET)
    return render(request, "web/results.html", results_page.results_context(params))


def _work(work_id: int) -> Work:
    return get_object_or_404(Work, pk=work_id)


@require_safe
def work(request: HttpRequest, work_id: int) -> HttpResponse:
    item = _work(work_id)
    export = negotiation.work_export(request.headers.get("Accept"))
    if export:  # content negotiation: 303 to the URL of the asked representation
        target = reverse(WORK_EXPORTS[export], args=[item.pk])
        response: HttpResponse = HttpResponseRedirect(target, status=303)
    else:
        url = request.build_absolute_uri(item_url(item))
        response = render(request, "web/work.html", work_page.work_context(item, url))
    patch_vary_headers(response, ["Accept"])
    return response


def item_url(item: Work) -> str:
    return reverse("web:work", args=[item.pk])


def _download(content: str | bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _citable(request: HttpRequest, work_id: int) -> tuple[Work, dict]:
    item = _work(work_id)
    records = work_records(item)
    url = request.build_absolute_uri(item_url(item))
    return item, work_dict(item, holding_rows(records), url)


@require_safe
def work_ris(request: HttpRequest, work_id: int) -> HttpResponse:
    item, data = _citable(request, work_id)
    return _download(
        ris(data), "application/x-research-info-systems; charset=utf-8", f"khizana-{item.pk}.ris"
    )


@require_safe
def work_bibtex(request: HttpRequest, work_id: int) -> HttpResponse:
    item, data = _citable(request, work_id)
    return _download(bibtex(data), "application/x-bibtex; charset=utf-8", f"khizana-{item.pk}.bib")


@require_safe
def work_citation(request: HttpRequest, work_id: int) -> HttpResponse:
    item, data = _citable(request, work_id)
    text = plain_citation(data, get_language() or "fr") + "\n"
    return _download(text, "text/plain; charset=utf-8", f"khizana-{item.pk}.txt")


@require_safe
def work_dublin_core(request: HttpRequest, work_id: int) -> HttpResponse:
    item, data = _citable(request, work_id)
    return _download(dublin_core_xml(data), "application/xml", f"khizana-{item.pk}-dc.xml")


@require_safe
def work_marcxml(request: HttpRequest, work_id: int) -> HttpResponse:
    item = _work(work_id)
    records = list(item.records.select_related("library").order_by("library__code", "local_id"))
    if not marc_records(records):
        raise Http404("no MARC record")
    return _download(marcxml_collection(records), "application/marcxml+xml", f"khizana-{item.pk}-marc.xml")


# ------------------------------------------------------------------ CSL-JSON, MARC 21, JSON-LD, lists

# Export name (see :mod:`khizana.web.negotiation`) -> URL name of that export of a work.
WORK_EXPORTS = {
    "marc.xml": "web:work-marcxml",
    "mrc": "web:work-mrc",
    "jsonld": "web:work-jsonld",
    "ris": "web:work-ris",
    "bib": "web:work-bibtex",
    "csl.json": "web:work-csl",
}


@require_safe
def work_csl(request: HttpRequest, work_id: int) -> HttpResponse:
    item, data = _citable(request, work_id)
    body = json.dumps(csl_json([data]), ensure_ascii=False, indent=1)
    return _download(
        body, "application/vnd.citationstyles.csl+json; charset=utf-8", f"khizana-{item.pk}.csl.json"
    )


@require_safe
def work_jsonld(request: HttpRequest, work_id: int) -> HttpResponse:
    _item, data = _citable(request, work_id)
    body = json.dumps(json_ld(data, data["url"]), ensure_ascii=False, indent=1)
    return HttpResponse(body, content_type="application/ld+json; charset=utf-8")


@require_safe
def work_mrc(request: HttpRequest, work_id: int) -> HttpResponse:
    item = _work(work_id)
    records = list(item.records.select_related("library").order_by("library__code", "local_id"))
    body = b"".join(iso2709_chunks(records))
    if not body:
        raise Http404("no MARC 21 record")
    return _download(body, "application/marc", f"khizana-{item.pk}.mrc")


@require_safe
def search_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The first ``exports.EXPORT_LIMIT`` works of a search (same parameters as the results page)."""
    if fmt not in LIST_FORMATS:
        message = gettext("Unknown export format “%(format)s”: use one of %(formats)s.") % {
            "format": fmt,
            "formats": ", ".join(LIST_FORMATS),
        }
        return HttpResponseNotFound(message + "\n", content_type="text/plain; charset=utf-8")
    params = parse_params(request.GET)

    def url_for(work_id: int) -> str:
        return request.build_absolute_uri(reverse("web:work", args=[work_id]))

    export = exports.export_search(
        fmt, url_for, params.q, params.filters, params.sort, params.year_from, params.year_to
    )
    response = StreamingHttpResponse(export.chunks, content_type=export.format.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.format.filename}"'
    response["X-Result-Count"] = str(export.total)
    response["X-Export-Count"] = str(len(export.ids))
    response["X-Export-Limit"] = str(exports.EXPORT_LIMIT)
    return response


@require_safe
def libraries(request: HttpRequest) -> HttpResponse:
    return render(request, "web/libraries.html", library_pages.libraries_context())


@require_safe
def library(request: HttpRequest, code: str) -> HttpResponse:
    item = get_object_or_404(Library, code=code.upper())
    return render(request, "web/library.html", library_pages.library_context(item))


@require_safe
def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/help.html")
