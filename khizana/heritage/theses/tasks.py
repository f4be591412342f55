"""Background jobs of the theses (huey)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import reindex_ended_embargoes

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="0", minute="20"))
def open_ended_embargoes() -> None:
    """Daily: a thesis whose embargo has ended is indexed again, so the words of its text can be found."""
    works = reindex_ended_embargoes()
    if works:
        logger.info("%s work(s) of theses whose embargo ended sent to the search index", works)
