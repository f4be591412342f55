"""The AI capability's own jobs for language suggestions and similar works (the huey consumer runs them):
the queued works every 10 minutes (at once after each change with KHIZANA_AI_REFRESH_ON_COMMIT), and
every similar work of the catalog each night at 02:40."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task


@db_periodic_task(crontab(minute="*/10"))
@lock_task("khizana-ai-refresh")
def refresh_queued_periodically() -> None:
    from .similar_services import refresh_queued

    refresh_queued()


@db_task()
@lock_task("khizana-ai-refresh")
def refresh_queued_job() -> None:
    from .similar_services import refresh_queued

    refresh_queued()


@db_periodic_task(crontab(minute="40", hour="2"))
@lock_task("khizana-ai-refresh")
def compute_similar_nightly() -> None:
    from .similar_services import compute_similar

    compute_similar()
