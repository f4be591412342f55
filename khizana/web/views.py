"""The public pages. Thin: what they show is computed in :mod:`khizana.web.services`."""

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
from khizana.libraries.models import Library

from . import citations, exports, negotiation, services


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", services.home_context())


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    params = services.parse_params(request.GET)
    return render(request, "web/results.html", services.results_context(params))


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
        response = render(request, "web/work.html", services.work_context(item, url))
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
    records = services.work_records(item)
    url = request.build_absolute_uri(item_url(item))
    return item, services.work_dict(item, services.holding_rows(records), url)


@require_safe
def work_ris(request: HttpRequest, work_id: int) -> HttpResponse:
    item, data = _citable(request, work_id)
    return _download(
        citations.ris(data), "application/x-research-info-systems; charset=utf-8", f"khizana-{item.pk}.ris"
    )


@require_safe
def work_bibtex(request: HttpRequest, work_id: int) -> HttpResponse:
    item, data = _citable(request, work_id)
    return _download(citations.bibtex(data), "application/x-bibtex; charset=utf-8", f"khizana-{item.pk}.bib")


@require_safe
def work_citation(request: HttpRequest, work_id: int) -> HttpResponse:
    item, data = _citable(request, work_id)
    text = citations.plain_citation(data, get_language() or "fr") + "\n"
    return _download(text, "text/plain; charset=utf-8", f"khizana-{item.pk}.txt")


@require_safe
def work_dublin_core(request: HttpRequest, work_id: int) -> HttpResponse:
    item, data = _citable(request, work_id)
    return _download(citations.dublin_core_xml(data), "application/xml", f"khizana-{item.pk}-dc.xml")


@require_safe
def work_marcxml(request: HttpRequest, work_id: int) -> HttpResponse:
    item = _work(work_id)
    records = list(item.records.select_related("library").order_by("library__code", "local_id"))
    if not exports.marc_records(records):
        raise Http404("no MARC record")
    return _download(
        exports.marcxml_collection(records), "application/marcxml+xml", f"khizana-{item.pk}-marc.xml"
    )


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
    body = json.dumps(citations.csl_json([data]), ensure_ascii=False, indent=1)
    return _download(
        body, "application/vnd.citationstyles.csl+json; charset=utf-8", f"khizana-{item.pk}.csl.json"
    )


@require_safe
def work_jsonld(request: HttpRequest, work_id: int) -> HttpResponse:
    _item, data = _citable(request, work_id)
    body = json.dumps(citations.json_ld(data, data["url"]), ensure_ascii=False, indent=1)
    return HttpResponse(body, content_type="application/ld+json; charset=utf-8")


@require_safe
def work_mrc(request: HttpRequest, work_id: int) -> HttpResponse:
    item = _work(work_id)
    records = list(item.records.select_related("library").order_by("library__code", "local_id"))
    body = b"".join(exports.iso2709_chunks(records))
    if not body:
        raise Http404("no MARC 21 record")
    return _download(body, "application/marc", f"khizana-{item.pk}.mrc")


@require_safe
def search_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The first ``exports.EXPORT_LIMIT`` works of a search (same parameters as the results page)."""
    export_format = exports.LIST_FORMATS.get(fmt)
    if export_format is None:
        message = gettext("Unknown export format “%(format)s”: use one of %(formats)s.") % {
            "format": fmt,
            "formats": ", ".join(exports.LIST_FORMATS),
        }
        return HttpResponseNotFound(message + "\n", content_type="text/plain; charset=utf-8")
    params = services.parse_params(request.GET)
    total, ids = exports.ranked_work_ids(
        params.q, params.filters, params.sort, 0, exports.EXPORT_LIMIT, params.year_from, params.year_to
    )

    def url_for(work_id: int) -> str:
        return request.build_absolute_uri(reverse("web:work", args=[work_id]))

    response = StreamingHttpResponse(
        exports.list_export(fmt, ids, url_for), content_type=export_format.content_type
    )
    response["Content-Disposition"] = f'attachment; filename="{export_format.filename}"'
    response["X-Result-Count"] = str(total)
    response["X-Export-Count"] = str(len(ids))
    response["X-Export-Limit"] = str(exports.EXPORT_LIMIT)
    return response


@require_safe
def libraries(request: HttpRequest) -> HttpResponse:
    return render(request, "web/libraries.html", services.libraries_context())


@require_safe
def library(request: HttpRequest, code: str) -> HttpResponse:
    item = get_object_or_404(Library, code=code.upper())
    return render(request, "web/library.html", services.library_context(item))


@require_safe
def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/help.html")
