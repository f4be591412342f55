"""The /oai endpoint: GET or POST (application/x-www-form-urlencoded), always a text/xml answer."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import services


@csrf_exempt  # harvesters POST without a session; nothing here changes state
@require_http_methods(["GET", "POST"])
def endpoint(request: HttpRequest) -> HttpResponse:
    arguments = request.POST if request.method == "POST" else request.GET
    raw = {name: arguments.getlist(name) for name in arguments}
    document = services.respond(raw, request.build_absolute_uri(request.path))
    return HttpResponse(document, content_type="text/xml; charset=utf-8")
