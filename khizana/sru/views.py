"""The SRU endpoint (thin: the service builds the response)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from . import services


@require_safe
def sru(request: HttpRequest) -> HttpResponse:
    params = {name: request.GET.get(name, "") for name in request.GET}
    host = urlsplit(f"//{request.get_host()}").hostname or ""
    info = services.server_info(host, int(request.get_port() or 80), reverse("sru").lstrip("/"))

    def work_url(work_id: int) -> str:
        return request.build_absolute_uri(reverse("web:work", args=[work_id]))

    body, content_type = services.respond(params, info, work_url)
    return HttpResponse(body, content_type=content_type)
