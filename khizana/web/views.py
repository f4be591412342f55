"""The public pages. Thin: what they show is computed in :mod:`khizana.web.services`."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from khizana.catalog.models import Work
from khizana.libraries.models import Library

from . import citations, exports, services


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
    url = request.build_absolute_uri(item_url(item))
    return render(request, "web/work.html", services.work_context(item, url))


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
