"""Periodic jobs of the loans part (huey): loans end by themselves, offers lapse and pass on."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import loans

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/5"))
def end_overdue_loans() -> None:
    """Every 5 minutes: close the loans whose time is up, lapse the offers not taken up in 48 hours, and
    offer the copies so freed to the next members waiting."""
    closed = loans.close_overdue()
    offered = loans.refresh_waitlists()
    if closed or offered:
        logger.info("loans: %s overdue closed, %s waitlist offers made", closed, offered)
