"""Background harvests (huey, as the staff imports in :mod:`khizana.catalog.tasks`).

A periodic harvest of every library with an endpoint runs when ``KHIZANA_HARVEST_SCHEDULE`` (a setting
or an environment variable) holds a crontab: five fields, minute hour day month weekday, e.g.
``"30 2 * * *"`` for every night at 02:30. The huey consumer (``khizana run_huey``) runs it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .models import HarvestRun
from .services import harvest_all, mark_interrupted_runs, run_harvest

logger = logging.getLogger(__name__)


@db_task()
def run_harvest_job(run_id: int) -> None:
    run_harvest_now(run_id)


def run_harvest_now(run_id: int) -> None:
    run = HarvestRun.objects.select_related("source__library", "started_by").filter(pk=run_id).first()
    if run is not None:
        run_harvest(run)


def harvest_schedule() -> list[str] | None:
    """The five crontab fields of ``KHIZANA_HARVEST_SCHEDULE``, or None when no schedule is set."""
    value = settings.KHIZANA_HARVEST_SCHEDULE or ""
    if not value.strip():
        return None
    fields = value.split()
    if len(fields) != 5:
        raise ImproperlyConfigured(
            f"KHIZANA_HARVEST_SCHEDULE={value!r}: expected five crontab fields "
            "(minute hour day month weekday), e.g. '30 2 * * *'"
        )
    return fields


_schedule = harvest_schedule()
if _schedule:
    minute, hour, day, month, weekday = _schedule

    @db_periodic_task(crontab(minute=minute, hour=hour, day=day, month=month, day_of_week=weekday))
    def harvest_all_on_schedule() -> None:
        mark_interrupted_runs()
        for run in harvest_all(trigger="schedule"):
            logger.info("harvest of %s: %s", run.source.library.code, run.summary())
