from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path
from django.utils.translation import gettext as _

from .api import api, docs_static


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other path under /api/: a JSON 404, not an HTML page."""
    return JsonResponse({"detail": _("There is no such API address: see /api/docs.")}, status=404)


urlpatterns = [
    path("docs/static/<str:name>", docs_static, name="api-docs-static"),
    path("", api.urls),
    re_path(r"^(?P<rest>.*)$", not_found),
]
