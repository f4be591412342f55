"""Background jobs of document supply (huey): requests left unanswered move on, expired copies go."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .delivery import purge_expired
from .services import mark_overdue, route_timed_out

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="17"))
def route_unanswered_requests() -> None:
    """Hourly: a request a lender has left unanswered longer than the routing policy allows goes to the
    next lender of its rota; copies past their date or their downloads are deleted."""
    moved, deleted = route_timed_out(), purge_expired()
    if moved or deleted:
        logger.info("%s request(s) sent to the next lender, %s expired copies deleted", moved, deleted)


@db_periodic_task(crontab(hour="6", minute="5"))
def notify_overdue_loans() -> None:
    """Daily: loans past their due date at a supplying library of this network become Overdue, and the
    requesting library is told (its reader and its staff get an e-mail)."""
    told = mark_overdue()
    if told:
        logger.info("%s overdue loan(s) notified", told)
