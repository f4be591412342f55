"""What the API answers, computed from the catalog, the search service and the staff services.

The views in :mod:`.api` stay thin: they validate parameters (through their schemas) and call these
functions. Refusals are :class:`ApiError` (a status and a message), turned into ``{"detail": ...}``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.db.models.functions import Length
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from khizana.accounts import permissions
from khizana.accounts.audit import audit
from khizana.catalog import clustering
from khizana.catalog import imports as catalog_imports
from khizana.catalog import permissions as catalog_permissions
from khizana.catalog.forms import ImportUploadForm
from khizana.catalog.holdings import ConfirmationNeeded, update_holding
from khizana.catalog.models import Holding, ImportJob, SourceRecord, Work
from khizana.catalog.serializers import marcxml as exports  # its marc_records
from khizana.core.vocabularies import facet_value_label
from khizana.libraries.models import Library
from khizana.libraries.services import library_names
from khizana.search.figures import library_figures as library_context  # the library's counts
from khizana.search.services import FACETS, MAX_OFFSET, search

from . import tokens
from .models import ApiToken

LAST_USED_PRECISION = 60  # seconds: a token used all the time is not written at every request
# English, as the search's own notes are (khizana.search.query.NOTE_TEXTS)
DEEP_PAGE_NOTE = "Only the first %(limit)s results can be paged through: refine the search to see the others."


class ApiError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


# ---------------------------------------------------------------- tokens


def create_token(user, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``; the token itself is returned once and never stored."""
    key = tokens.new_token()
    token = ApiToken.objects.create(
        user=user, name=name, key_hash=tokens.hash_token(key), prefix=tokens.token_prefix(key)
    )
    return token, key


def revoke_token(token: ApiToken) -> None:
    token.revoked, token.revoked_at = True, timezone.now()
    token.save(update_fields=["revoked", "revoked_at"])


def token_for_key(key: str) -> ApiToken | None:
    """The live token whose key is ``key`` (None when unknown, revoked, or its user is inactive)."""
    if not tokens.well_formed(key):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=tokens.hash_token(key)).first()
    if token is None or token.revoked or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used is None or (now - token.last_used).total_seconds() > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now
    return token


# ---------------------------------------------------------------- links and paging


def _link(request: HttpRequest, name: str, *args: Any) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


def _with_params(request: HttpRequest, **changes: Any) -> str:
    query: QueryDict = request.GET.copy()
    for name, value in changes.items():
        query.pop(name, None)
        if value is not None:
            query[name] = str(value)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _after(kind: str, cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return tokens.decode_cursor(kind, cursor)
    except tokens.CursorError as error:
        problem = _(error.text) % error.params if error.params else _(error.text)
        raise ApiError(422, _("cursor: %(problem)s.") % {"problem": problem}) from None


def _next_url(request: HttpRequest, kind: str, rows: list, limit: int) -> str | None:
    if len(rows) <= limit:
        return None
    return _with_params(request, cursor=tokens.encode_cursor(kind, rows[limit - 1].pk))


# ---------------------------------------------------------------- search


def search_payload(
    request: HttpRequest,
    q: str,
    filters: dict[str, list[str]],
    sort: str,
    page: int,
    size: int,
    year_from: int | None,
    year_to: int | None,
) -> dict[str, Any]:
    reachable = max(1, MAX_OFFSET // size)  # the pages of the first MAX_OFFSET results
    beyond = page > reachable
    filters = {name: list(dict.fromkeys(values)) for name, values in filters.items() if values}
    results = search(
        q.replace("\x00", ""),
        filters,
        sort=sort,
        page=1 if beyond else page,  # past the window: the total and the facets, no hits
        page_size=size,
        year_from=year_from,
        year_to=year_to,
    )
    notes = list(results.notes)
    if beyond:
        notes.append(DEEP_PAGE_NOTE % {"limit": f"{MAX_OFFSET:,}"})
    names = library_names()
    last_page = min(results.pages, reachable)
    return {
        "query": q,
        "read_as": results.read_as,
        "notes": notes,
        "did_you_mean": results.did_you_mean,
        "fuzzy": results.fuzzy,
        "total": results.total,
        "page": page,
        "size": results.page_size,
        "pages": results.pages,
        "sort": results.sort,
        "year_from": year_from,
        "year_to": year_to,
        "filters": results.filters,
        "facets": {
            name: [
                {"value": value, "label": facet_value_label(name, value, names), "count": count}
                for value, count in results.facets.get(name, [])
            ]
            for name in FACETS
        },
        "hits": [
            {
                "id": hit.work_id,
                "score": hit.score,
                "title": hit.title,
                "subtitle": hit.subtitle,
                "authors": hit.authors,
                "year": hit.year,
                "publisher": hit.publisher,
                "material_type": hit.material_type,
                "library_count": hit.library_count,
                "libraries": hit.libraries,
                "availability": hit.availability,
                "url": _link(request, "api:work", hit.work_id),
                "web_url": _link(request, "web:work", hit.work_id),
            }
            for hit in ([] if beyond else results.hits)
        ],
        "next": _with_params(request, page=page + 1) if page < last_page else None,
        "previous": _with_params(request, page=min(page - 1, last_page)) if page > 1 else None,
    }


# ---------------------------------------------------------------- works


def works_page(request: HttpRequest, cursor: str | None, limit: int) -> dict[str, Any]:
    """Works in id order, ``limit`` at a time, after the key in ``cursor`` (keyset paging)."""
    after = _after("works", cursor)
    rows = list(
        Work.objects.filter(pk__gt=after)
        .only(
            "id",
            "title",
            "subtitle",
            "authors",
            "year",
            "material_type",
            "library_count",
            "libraries",
            "updated_at",
        )
        .order_by("pk")[: limit + 1]
    )
    return {
        "items": [_work_summary(request, work) for work in rows[:limit]],
        "limit": limit,
        "next": _next_url(request, "works", rows, limit),
    }


def _work_summary(request: HttpRequest, work: Work) -> dict[str, Any]:
    return {
        "id": work.pk,
        "title": work.title,
        "subtitle": work.subtitle,
        "authors": work.authors,
        "year": work.year,
        "material_type": work.material_type,
        "library_count": work.library_count,
        "libraries": work.libraries,
        "updated_at": work.updated_at,
        "url": _link(request, "api:work", work.pk),
    }


def _get(queryset, pk: int, missing: str):
    """The object with id ``pk``, else a 404 with the message ``missing`` (its %(id)s filled in)."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise ApiError(404, missing % {"id": pk})
    return found


def work_payload(request: HttpRequest, work_id: int) -> dict[str, Any]:
    work = _get(Work.objects.all(), work_id, _("There is no work with the id %(id)s."))
    records = list(
        work.records.select_related("library")
        .prefetch_related(Prefetch("holdings", Holding.objects.select_related("library").order_by("id")))
        .defer("raw")
        .order_by("library__code", "local_id")
    )
    fields = (*clustering.COMPUTED_COLUMNS, "created_at", "updated_at")
    return {
        "id": work.pk,
        **{name: getattr(work, name) for name in fields},
        "holdings": _holdings_by_library(request, records),
        "records": [_record_ref(request, record) for record in records],
        "links": _work_links(request, work, records),
    }


def _holdings_by_library(request: HttpRequest, records: list[SourceRecord]) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}

    def group(library: Library) -> dict[str, Any]:
        return groups.setdefault(
            library.code,
            {
                "library": library.code,
                "library_name": library.name,
                "library_url": _link(request, "api:library", library.code),
                "record_ids": [],
                "copies": [],
            },
        )

    for record in records:
        if record.deleted:
            continue
        group(record.library)["record_ids"].append(record.pk)
        for copy in record.holdings.all():
            group(copy.library)["copies"].append(
                {
                    "id": copy.pk,
                    "record_id": record.pk,
                    "call_number": copy.call_number,
                    "location": copy.location,
                    "status": copy.status,
                    "url": _link(request, "api:holding", copy.pk),
                }
            )
    return sorted(groups.values(), key=lambda g: g["library"])


def _work_links(request: HttpRequest, work: Work, records: list[SourceRecord]) -> dict[str, str]:
    links = {
        "self": _link(request, "api:work", work.pk),
        "web": _link(request, "web:work", work.pk),
        "ris": _link(request, "web:work-ris", work.pk),
        "bibtex": _link(request, "web:work-bibtex", work.pk),
        "citation": _link(request, "web:work-citation", work.pk),
        "dublin_core": _link(request, "web:work-dc", work.pk),
    }
    if exports.marc_records(records):
        links["marcxml"] = _link(request, "web:work-marcxml", work.pk)
    return links


# ---------------------------------------------------------------- source records


def _record_ref(request: HttpRequest, record: SourceRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "library": record.library.code,
        "local_id": record.local_id,
        "format": record.format,
        "deleted": record.deleted,
        "url": _link(request, "api:record", record.pk),
    }


def records_page(request: HttpRequest, library: str | None, cursor: str | None, limit: int) -> dict[str, Any]:
    after = _after("records", cursor)
    queryset = SourceRecord.objects.filter(pk__gt=after)
    if library:
        found = library_by_code(library)
        queryset = queryset.filter(library=found)
    rows = list(
        queryset.select_related("library")
        .only("id", "library__code", "local_id", "format", "deleted")
        .order_by("pk")[: limit + 1]
    )
    return {
        "items": [_record_ref(request, record) for record in rows[:limit]],
        "limit": limit,
        "next": _next_url(request, "records", rows, limit),
    }


def record_payload(request: HttpRequest, record_id: int) -> dict[str, Any]:
    records = SourceRecord.objects.select_related("library").defer("raw").annotate(size=Length("raw"))
    record = _get(records, record_id, _("There is no source record with the id %(id)s."))
    links = {
        "self": _link(request, "api:record", record.pk),
        "raw": _link(request, "api:record-raw", record.pk),
    }
    if record.work_id:
        links["work"] = _link(request, "api:work", record.work_id)
        links["web"] = _link(request, "web:work", record.work_id)
    return {
        "id": record.pk,
        "library": record.library.code,
        "local_id": record.local_id,
        "format": record.format,
        "serialisation": record.serialisation,
        "kind": record.kind,
        "checksum": record.checksum,
        "size": record.size or 0,
        "title": record.title,
        "deleted": record.deleted,
        "deleted_at": record.deleted_at,
        "received_at": record.received_at,
        "updated_at": record.updated_at,
        "work_id": record.work_id,
        "fields": record.fields or {},
        "warnings": record.warnings or [],
        "holding_ids": list(record.holdings.order_by("id").values_list("id", flat=True)),
        "links": links,
    }


RAW_TYPES = {
    "iso2709": ("application/marc", "mrc"),
    "xml": ("application/xml", "xml"),
    "csv": ("text/csv; charset=utf-8", "csv"),
}
RAW_MEDIA_TYPES = tuple(dict.fromkeys(media_type.split(";")[0] for media_type, _ext in RAW_TYPES.values()))


def record_raw(user, record_id: int) -> tuple[bytes, str, str, str]:
    """The bytes of a record as its library sent them: (bytes, content type, file name, checksum).
    For staff only, as on the pages: a record as sent can carry item barcodes and local notes."""
    if not permissions.is_staff(user):
        raise ApiError(403, _("The records as sent are for the staff of member libraries."))
    record = _get(
        SourceRecord.objects.select_related("library"),
        record_id,
        _("There is no source record with the id %(id)s."),
    )
    content_type, extension = RAW_TYPES.get(record.serialisation, ("application/octet-stream", "bin"))
    safe_id = "".join(c if c.isalnum() or c in "-_." else "_" for c in record.local_id)[:80]
    return bytes(record.raw), content_type, f"{record.library.code}-{safe_id}.{extension}", record.checksum


# ---------------------------------------------------------------- holdings


def holding_payload(request: HttpRequest, holding: Holding) -> dict[str, Any]:
    return {
        "id": holding.pk,
        "record_id": holding.record_id,
        "work_id": holding.record.work_id,
        "library": holding.library.code,
        "call_number": holding.call_number,
        "location": holding.location,
        "status": holding.status,
        "links": {
            "self": _link(request, "api:holding", holding.pk),
            "record": _link(request, "api:record", holding.record_id),
            **(
                {"work": _link(request, "api:work", holding.record.work_id)} if holding.record.work_id else {}
            ),
        },
    }


def get_holding(holding_id: int) -> Holding:
    return _get(
        Holding.objects.select_related("record", "library"),
        holding_id,
        _("There is no holding with the id %(id)s."),
    )


def change_holding(user, holding_id: int, changes: dict[str, str]) -> Holding:
    """Apply ``changes`` to a holding for ``user``, with the staff pages' role check and audit entry."""
    holding = get_holding(holding_id)
    if not catalog_permissions.can_edit_holding(user, holding):
        raise ApiError(403, _("This holding belongs to another library."))
    if not changes:
        raise ApiError(422, _("Nothing to change: give call_number, location or status."))
    before = {name: getattr(holding, name) for name in changes}
    try:
        update_holding(holding, **changes)
    except ConfirmationNeeded as needed:  # confirmed only on the staff page, by a person
        raise ApiError(409, " ".join(needed.warnings)) from None
    except DjangoValidationError as error:
        problems = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in error.message_dict.items())
        raise ApiError(422, problems) from None
    audit(
        user, holding.library_id, "holding-edit", str(holding), holding=holding.pk, before=before, via="api"
    )
    return get_holding(holding.pk)


# ---------------------------------------------------------------- libraries


def library_by_code(code: str) -> Library:
    found = Library.objects.filter(code=code.upper()).first()
    if found is None:
        raise ApiError(404, _("There is no member library with the code %(code)s.") % {"code": code})
    return found


def _library_summary(request: HttpRequest, library: Library) -> dict[str, Any]:
    return {
        "code": library.code,
        "name": library.name,
        "names": {
            lang: getattr(library, f"name_{lang}")
            for lang in ("fr", "ar", "en")
            if getattr(library, f"name_{lang}")
        },
        "kind": library.kind,
        "city": library.city,
        "country": library.country,
        "latitude": library.latitude,
        "longitude": library.longitude,
        "website": library.website,
        "oai_endpoint": library.oai_endpoint,
        "links": {
            "self": _link(request, "api:library", library.code),
            "web": _link(request, "web:library", library.code),
            "records": _link(request, "api:records") + f"?library={library.code}",
        },
    }


def libraries_payload(request: HttpRequest) -> list[dict[str, Any]]:
    return [_library_summary(request, library) for library in Library.objects.order_by("code")]


def library_payload(request: HttpRequest, code: str) -> dict[str, Any]:
    library = library_by_code(code)
    counts = library_context(library)
    return {
        **_library_summary(request, library),
        "address": library.address,
        "contact_email": library.contact_email,
        "contact_phone": library.contact_phone,
        "record_count": counts["record_count"],
        "work_count": counts["work_count"],
        "copy_count": counts["copy_count"],
        "shared_work_count": counts["shared_count"],
    }


# ---------------------------------------------------------------- imports


def queue_import(user, code: str, upload) -> ImportJob:
    """Queue an uploaded file as the staff upload page does: same checks, same job, same audit entry."""
    library = library_by_code(code)
    if not permissions.can_import(user, library):
        raise ApiError(403, _("You cannot import records into this library."))
    form = ImportUploadForm(
        {"library": library.pk}, {"file": upload}, libraries=Library.objects.filter(pk=library.pk)
    )
    if not form.is_valid():
        problems = [str(message) for messages in form.errors.values() for message in messages]
        raise ApiError(422, " ".join(problems))
    return catalog_imports.queue_import(user, library, form, via="api")


def import_job_for(user, job_id: int) -> ImportJob:
    job = _get(
        ImportJob.objects.select_related("library", "run"),
        job_id,
        _("There is no import with the id %(id)s."),
    )
    if not permissions.can_import(user, job.library_id):
        raise ApiError(403, _("This import belongs to another library."))
    return job


def import_job_payload(request: HttpRequest, job: ImportJob) -> dict[str, Any]:
    job.refresh_from_db()
    run = job.run
    run_fields = (
        "status",
        "format",
        "dialect",
        "started_at",
        "finished_at",
        "error",
        "records_read",
        "records_added",
        "records_updated",
        "records_unchanged",
        "records_deleted",
        "records_rejected",
        "records_with_warnings",
    )
    return {
        "id": job.pk,
        "library": job.library.code,
        "filename": job.filename,
        "size": job.size,
        "sha256": job.sha256,
        "format": job.format,
        "status": job.status,
        "error": job.error,
        "created_at": job.created_at,
        "updated_at": job.updated_at,
        "run": {"id": run.pk, **{name: getattr(run, name) for name in run_fields}} if run else None,
        "url": _link(request, "api:import", job.pk),
    }
