from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from .models import SourceRecord


@staff_member_required
def source_record_raw(request: HttpRequest, record_id: int) -> HttpResponse:
    record = get_object_or_404(SourceRecord, pk=record_id)
    extension = {"iso2709": "mrc", "xml": "xml", "csv": "csv"}.get(record.serialisation, "bin")
    response = HttpResponse(bytes(record.raw), content_type="application/octet-stream")
    safe_id = "".join(c if c.isalnum() or c in "-_." else "_" for c in record.local_id)[:80]
    response["Content-Disposition"] = f'attachment; filename="{record.library.code}-{safe_id}.{extension}"'
    return response
