"""The REST API at /api/ (django-ninja): thin views over :mod:`.services`.

Reads are public. Writes (holdings, imports) need ``Authorization: Bearer <token>`` of a member of staff
(``khizana api-token create``), and the same role on the object's library as the staff pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import ninja
from django.core.exceptions import SuspiciousOperation
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, NinjaAPI, Query, Status, UploadedFile
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import DocsBase
from ninja.params import Path as PathParam
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer
from pydantic import Field

from khizana.search.services import FACETS

from . import services, tokens
from .models import ApiToken
from .schemas import (
    Error,
    HoldingChange,
    HoldingOut,
    ImportJobOut,
    LibraryDetail,
    LibraryOut,
    RecordOut,
    RecordPage,
    SearchOut,
    SearchQuery,
    ValidationErrorOut,
    WorkOut,
    WorkPage,
)

# What the multipart field of an import may be (the content is detected, whatever the part's type says)
IMPORT_TYPES = ("application/marc", "application/xml", "text/xml", "text/csv", "application/octet-stream")
ID = PathParam(..., ge=1, le=tokens.MAX_KEY)
LIBRARY_CODE = PathParam(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
MAX_LIMIT = 200


def _cursor(kind: str) -> Any:
    """A cursor parameter for a list of ``kind``. Its length is checked with the other parameters; its pattern
    (which describes exactly the cursors the API gives, see :func:`.tokens.cursor_pattern`) is checked by
    :func:`.tokens.decode_cursor`, which says why a cursor is refused (another list's, or not the API's)."""
    return Annotated[
        str,
        Field(
            max_length=tokens.cursor_max_length(kind),
            description=(
                "Where to continue: the cursor of the `next` link, as it is (opaque; empty for the start). "
                "Any cursor matching the pattern is a position in the list."
            ),
            # an empty cursor is the start of the list
            json_schema_extra={"pattern": "^(?:" + tokens.cursor_pattern(kind)[1:-1] + ")?$"},
        ),
    ]


WorksCursor = _cursor("works")
RecordsCursor = _cursor("records")
FROM_THE_START = Query("")
NINJA_STATIC = Path(ninja.__file__).resolve().parent / "static" / "ninja"
DOCS_FILES = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "favicon.png": "image/png",
}


class TokenAuth(HttpBearer):
    """A staff API token in ``Authorization: Bearer``; request.user becomes the token's user."""

    def __call__(self, request: HttpRequest) -> ApiToken:
        value = request.headers.get("Authorization", "")
        scheme, _space, key = value.strip().partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise AuthenticationError(
                message=_("This needs a staff API token, sent as the header “Authorization: Bearer <token>”.")
            )
        return self.authenticate(request, key.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        found = services.token_for_key(token)
        if found is None:
            raise AuthenticationError(message=_("The API token is unknown or has been revoked."))
        request.user = found.user
        return found


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Arabic, Tifinagh and accented letters as they are, not as \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


class LocalSwagger(DocsBase):
    """Swagger UI served from django-ninja's own files (no CDN)."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs) -> HttpResponse:
        return render(
            request,
            "api/docs.html",
            {
                "title": api.title,
                "openapi_url": self.get_openapi_url(api, kwargs),
                "static": reverse("api-docs-static", args=["x"])[:-1],
            },
        )


URI_TOO_LONG = {
    "description": (
        "URI Too Long: the URL is longer than the HTTP server in front of the API accepts (for gunicorn, a "
        "request line of 4,094 bytes), answered by that server with an HTML page."
    ),
    "content": {"text/html": {"schema": {"type": "string"}}},
}
WWW_AUTHENTICATE = {
    "description": 'The scheme the API wants: `Bearer realm="khizana"`.',
    "required": True,
    "schema": {"type": "string", "pattern": "^Bearer "},
}


class KhizanaAPI(NinjaAPI):
    """The API, whose OpenAPI document also states what the HTTP server in front of it may answer."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema["paths"].values():
            for operation in operations.values():
                # django-ninja keys the responses by int; openapi.json has them as strings
                responses = {str(code): response for code, response in operation["responses"].items()}
                operation["responses"] = responses
                # Any request can have a URL too long for the HTTP server (gunicorn's limit on the request
                # line is 4,094 bytes, a proxy's may be lower): it refuses it before the API sees it.
                responses["414"] = URI_TOO_LONG
                if "401" in responses:
                    responses["401"] = {**responses["401"], "headers": {"WWW-Authenticate": WWW_AUTHENTICATE}}
        return schema


api = KhizanaAPI(
    title="Khizana API",
    version="1",
    description=(
        "The union catalog of the network: search, works, source records, holdings, libraries and imports. "
        "Reads are public; writes need a staff token (`khizana api-token create USER --name NAME`) sent as "
        "`Authorization: Bearer <token>`. Lists are paged by an opaque `cursor`: follow `next`."
    ),
    urls_namespace="api",
    docs=LocalSwagger(),
    renderer=Utf8JSONRenderer(),
)
token_auth = TokenAuth()
# Every operation documents each status it can answer. 400: a request Django cannot read (a body that is
# not JSON, a broken multipart body, more than 1,000 query parameters); 404 also for a path parameter that
# leads nowhere (a "/" in a library code); 414 (the HTTP server's) is added to every operation by KhizanaAPI.
QUERY_ERRORS = {400: Error, 422: ValidationErrorOut}
ERRORS = {404: Error, 422: ValidationErrorOut}
TOKEN_ERRORS = {401: Error, 403: Error, **ERRORS}
WRITE_ERRORS = {400: Error, **TOKEN_ERRORS}


# ---------------------------------------------------------------- errors as {"detail": ...}


@api.exception_handler(services.ApiError)
def _api_error(request: HttpRequest, error: services.ApiError) -> HttpResponse:
    body = {"detail": error.detail}
    if error.status == 422:
        body["errors"] = [{"loc": [], "msg": error.detail, "type": "value_error"}]
    return api.create_response(request, body, status=error.status)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    errors = [
        {"loc": list(e.get("loc", [])), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in error.errors
    ]
    first = errors[0] if errors else {"loc": [], "msg": _("invalid request")}
    where = ".".join(str(part) for part in first["loc"])
    detail = f"{where}: {first['msg']}" if where else first["msg"]
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


@api.exception_handler(SuspiciousOperation)
@api.exception_handler(MultiPartParserError)
def _bad_request(request: HttpRequest, error: Exception) -> HttpResponse:
    """Too many query parameters, a broken multipart body...: JSON, not Django's HTML page."""
    detail = _("The request cannot be read: %(problem)s") % {"problem": error}
    return api.create_response(request, {"detail": detail}, status=400)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    response = api.create_response(request, {"detail": str(error)}, status=error.status_code)
    if error.status_code == 401:
        response["WWW-Authenticate"] = 'Bearer realm="khizana"'
    return response


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


# ---------------------------------------------------------------- search and works


@api.get("/", include_in_schema=False, url_name="root")
def root(request: HttpRequest) -> dict[str, str]:
    """Where to start: the documentation, the OpenAPI document and the lists."""
    names = {
        "docs": "openapi-view",
        "openapi": "openapi-json",
        "search": "search",
        "works": "works",
        "records": "records",
        "libraries": "libraries",
    }
    return {key: request.build_absolute_uri(reverse(f"api:{name}")) for key, name in names.items()}


@api.get("/search", response={200: SearchOut, **QUERY_ERRORS}, url_name="search", tags=["search"])
def search(request: HttpRequest, params: Query[SearchQuery]):
    """Search the works of the network, with the facets, paging and sorts of the search page."""
    filters = {name: getattr(params, name) for name in FACETS}
    return services.search_payload(
        request, params.q, filters, params.sort, params.page, params.size, params.year_from, params.year_to
    )


@api.get("/works", response={200: WorkPage, **QUERY_ERRORS}, url_name="works", tags=["works"])
def works(
    request: HttpRequest,
    cursor: WorksCursor = FROM_THE_START,
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
):
    """Every work, in id order; follow ``next`` (an opaque cursor) to the end."""
    return services.works_page(request, cursor, limit)


@api.get("/works/{work_id}", response={200: WorkOut, **ERRORS}, url_name="work", tags=["works"])
def work(request: HttpRequest, work_id: int = ID):
    """A work: its description, its copies per library, its source records and its exports."""
    return services.work_payload(request, work_id)


# ---------------------------------------------------------------- source records


@api.get(
    "/records", response={200: RecordPage, **QUERY_ERRORS, **ERRORS}, url_name="records", tags=["records"]
)
def records(
    request: HttpRequest,
    library: str = Query(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"),  # None: every library
    cursor: RecordsCursor = FROM_THE_START,
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
):
    """Source records in id order (of one library with ``library=CODE``), deleted ones included."""
    return services.records_page(request, library, cursor, limit)


@api.get("/records/{record_id}", response={200: RecordOut, **ERRORS}, url_name="record", tags=["records"])
def record(request: HttpRequest, record_id: int = ID):
    """A source record as one library sent it: its extracted fields, its library and local id, its state."""
    return services.record_payload(request, record_id)


@api.get(
    "/records/{record_id}/raw",
    response=TOKEN_ERRORS,
    auth=token_auth,
    url_name="record-raw",
    tags=["records"],
    openapi_extra={
        "responses": {
            200: {
                "description": "The bytes as sent (ISO 2709, XML or CSV).",
                "headers": {
                    "ETag": {"required": True, "schema": {"type": "string"}, "description": "Their SHA-256."},
                    "Content-Disposition": {"required": True, "schema": {"type": "string"}},
                },
                "content": {
                    media_type: {"schema": {"type": "string", "format": "binary"}}
                    for media_type in (*services.RAW_MEDIA_TYPES, "application/octet-stream")
                },
            }
        }
    },
)
def record_raw(request: HttpRequest, record_id: int = ID):
    """The record's bytes, exactly as its library sent them (a staff token is needed)."""
    data, content_type, filename, checksum = services.record_raw(request.auth.user, record_id)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["ETag"] = f'"{checksum}"'
    return response


# ---------------------------------------------------------------- holdings


@api.get(
    "/holdings/{holding_id}", response={200: HoldingOut, **ERRORS}, url_name="holding", tags=["holdings"]
)
def holding(request: HttpRequest, holding_id: int = ID):
    """A copy in a library: call number, location, status."""
    return services.holding_payload(request, services.get_holding(holding_id))


@api.patch(
    "/holdings/{holding_id}", response={200: HoldingOut, **WRITE_ERRORS}, auth=token_auth, tags=["holdings"]
)
def holding_change(request: HttpRequest, change: HoldingChange, holding_id: int = ID):
    """Change a copy's call number, location or status (staff of the holding's library). Give at least one
    of them: an empty object is a 422."""
    changes = change.model_dump(exclude_unset=True)
    changed = services.change_holding(request.auth.user, holding_id, changes)
    return services.holding_payload(request, changed)


# ---------------------------------------------------------------- libraries and imports


@api.get("/libraries", response=list[LibraryOut], url_name="libraries", tags=["libraries"])
def libraries(request: HttpRequest):
    """The member libraries."""
    return services.libraries_payload(request)


@api.get("/libraries/{code}", response={200: LibraryDetail, **ERRORS}, url_name="library", tags=["libraries"])
def library(request: HttpRequest, code: str = LIBRARY_CODE):
    """A member library and what it holds."""
    return services.library_payload(request, code)


@api.post(
    "/libraries/{code}/imports",
    response={202: ImportJobOut, **WRITE_ERRORS},
    auth=token_auth,
    url_name="imports",
    tags=["imports"],
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {"encoding": {"file": {"contentType": ", ".join(IMPORT_TYPES)}}}
            }
        },
        "responses": {
            202: {
                "headers": {
                    "Location": {
                        "required": True,
                        "schema": {"type": "string"},
                        "description": "Where to follow the import (GET /api/imports/{id}).",
                    }
                }
            }
        },
    },
)
def import_file(
    request: HttpRequest, response: HttpResponse, file: File[UploadedFile], code: str = LIBRARY_CODE
):
    """Send a catalogue file (multipart field ``file``): MARC 21 or UNIMARC (ISO 2709 or XML), OAI-PMH Dublin
    Core, or CSV. It is read at once (a file that holds no record the API can read, or over the size limit,
    is a 422), then imported by a background job: follow ``Location``."""
    job = services.queue_import(request.auth.user, code, file)
    payload = services.import_job_payload(request, job)
    response["Location"] = payload["url"]
    return Status(202, payload)


@api.get(
    "/imports/{job_id}",
    response={200: ImportJobOut, **TOKEN_ERRORS},
    auth=token_auth,
    url_name="import",
    tags=["imports"],
)
def import_status(request: HttpRequest, job_id: int = ID):
    """Where an import stands: queued, running, finished or failed, with the counts of its run."""
    return services.import_job_payload(request, services.import_job_for(request.auth.user, job_id))


def docs_static(request: HttpRequest, name: str) -> FileResponse:
    """Swagger UI's files, from the django-ninja package."""
    if name not in DOCS_FILES:
        raise Http404(name)
    response = FileResponse((NINJA_STATIC / name).open("rb"), content_type=DOCS_FILES[name])
    response["Cache-Control"] = "public, max-age=86400"
    return response
