"""The link check of the free-resource lists, every night at 03:15 (the huey consumer runs it)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .links import check_all


@db_periodic_task(crontab(minute="15", hour="3"))
def check_links_periodically() -> None:
    check_all()


@db_task()
def check_links_job() -> None:
    check_all()
