"""The background job of the affiliation reports (huey, as the catalogue imports).

huey names a task by the module and the function that define it: this module stays at this path so that
the jobs already queued (``khizana.visibility.analysis_tasks.run_affiliation_report``) still find their
task. ``tasks.py`` imports it for huey's consumer; ``affiliations/uploads.py`` queues it."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from khizana.visibility.affiliations.services import run_report_now


@db_task()
def run_affiliation_report(report_id: int) -> None:
    run_report_now(report_id)
