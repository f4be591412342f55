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


def create_report(
    user, data: bytes, display_name: str, source_format: str, institution: str = "", owner=None
):
    """Keep the upload under a name of our own and analyse it (now when small, else in the background).
    ``owner`` is the registry institution whose research office the report is for."""
    report = AffiliationReport.objects.create(
        created_by=user, filename=display_name, stored_name=uuid.uuid4().hex, size=len(data),
        source_format=source_format, institution=institution.strip()[:255], owner=owner,
    )  # fmt: skip
    audit(user, "affiliation-report", display_name, report=report.pk, size=len(data), format=source_format)
    report.folder.mkdir(parents=True, exist_ok=True)
    partial = report.folder / (UPLOAD_NAME + ".partial")
    partial.write_bytes(data)
    partial.replace(report.folder / UPLOAD_NAME)
    _analyse(report)
    return report


def analyse_again(user, report: AffiliationReport) -> AffiliationReport:
    """Analyse a finished report's kept upload again, with the registry as corrected since; its first
    figures (before the corrections) are kept."""
    report.status, report.error = AffiliationReport.Status.QUEUED, ""
    report.save(update_fields=["status", "error", "updated_at"])
    audit(user, "affiliation-report-again", report.filename, report=report.pk)
    _analyse(report)
    return report


def _analyse(report: AffiliationReport) -> None:
    if report.size > background_from_bytes() or not registry_is_ready():
        run_affiliation_report(report.pk)
    else:
        run_report_now(report.pk)
    report.refresh_from_db()
