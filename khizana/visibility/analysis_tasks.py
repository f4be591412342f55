"""The background job of the affiliation reports (huey, as the catalogue imports)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from khizana.visibility.analysis_services import run_report_now


@db_task()
def run_affiliation_report(report_id: int) -> None:
    run_report_now(report_id)
