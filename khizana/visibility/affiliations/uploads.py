"""Reports asked for on the research office's page: the upload kept under a name of our own, then
analysed at once (small) or by the background job (``khizana.visibility.analysis_tasks``), which runs
:func:`.services.run_report_now`."""

from __future__ import annotations

import uuid

from django.conf import settings

from khizana.visibility.analysis_tasks import run_affiliation_report
from khizana.visibility.models import AffiliationReport
from khizana.visibility.registry.services import audit

from .services import UPLOAD_NAME, registry_is_ready, run_report_now


def max_upload_bytes() -> int:
    return int(settings.KHIZANA_MAX_AFFILIATION_BYTES)


def background_from_bytes() -> int:
    """Exports larger than this are analysed by the background job service, smaller ones at once."""
    return int(settings.KHIZANA_AFFILIATION_BACKGROUND_BYTES)


def create_report(user, data: bytes, display_name: str, source_format: str, institution: str = ""):
    """Keep the upload under a name of our own and analyse it (now when small, else in the background)."""
    report = AffiliationReport.objects.create(
        created_by=user, filename=display_name, stored_name=uuid.uuid4().hex, size=len(data),
        source_format=source_format, institution=institution.strip()[:255],
    )  # fmt: skip
    audit(user, "affiliation-report", display_name, report=report.pk, size=len(data), format=source_format)
    report.folder.mkdir(parents=True, exist_ok=True)
    partial = report.folder / (UPLOAD_NAME + ".partial")
    partial.write_bytes(data)
    partial.replace(report.folder / UPLOAD_NAME)
    if len(data) > background_from_bytes() or not registry_is_ready():
        run_affiliation_report(report.pk)
    else:
        run_report_now(report.pk)
    report.refresh_from_db()
    return report
