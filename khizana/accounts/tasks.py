"""Background jobs (huey, configured in settings.HUEY through huey.contrib.djhuey)."""

from __future__ import annotations

import logging

from django.core.management import call_command
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import verification

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="23", hour="3"))
def clear_expired_sessions() -> None:
    """Daily, at night: delete the expired sessions (Django's ``clearsessions``); the database backend never
    deletes them by itself."""
    call_command("clearsessions")


@db_periodic_task(crontab(minute="41", hour="3"))
def withdraw_expired_cards() -> None:
    """Daily, at night: readers verified by their library's member file whose card has expired are not
    verified any more (a new member file or the library's staff vouch for them again)."""
    count = verification.recheck_expired_cards()
    if count:
        logger.info("%s memberships no longer verified: their cards have expired", count)
