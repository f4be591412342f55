"""Background jobs of the digital library (huey)."""

from __future__ import annotations

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from khizana.digital.fulltext import services as fulltext
from khizana.digital.iiif import tilecache
from khizana.digital.lending import loans

logger = logging.getLogger(__name__)


@db_task()
def extract_item_text(item_id: int) -> None:
    """Extract an item's text layer or EPUB content; queue the OCR of the pages without text."""
    if fulltext.extract_item_text(item_id):
        ocr_item_pages(item_id)


@db_task()
def ocr_item_pages(item_id: int) -> None:
    """OCR a bounded number of pages of an item, then queue the rest as a new task (resumable)."""
    if fulltext.ocr_item_pages(item_id):
        ocr_item_pages(item_id)


@db_periodic_task(crontab(minute="17"))
def prune_iiif_cache() -> None:
    """Hourly: the IIIF tile cache back within settings.KHIZANA_IIIF_CACHE_MAX_BYTES (oldest tiles first)."""
    from khizana.digital.iiif.views import cache_root  # the views own where the cache lives

    tilecache.prune(cache_root(), settings.KHIZANA_IIIF_CACHE_MAX_BYTES)


@db_periodic_task(crontab(minute="*/5"))
def end_overdue_loans() -> None:
    """Every 5 minutes: close the loans whose time is up, lapse the offers not taken up in 48 hours, and
    offer the copies so freed to the next members waiting."""
    closed = loans.close_overdue()
    offered = loans.refresh_waitlists()
    if closed or offered:
        logger.info("loans: %s overdue closed, %s waitlist offers made", closed, offered)


@db_periodic_task(crontab(day="1", hour="0", minute="23"))
def close_usage_months() -> None:
    """On the first of the month: aggregate the usage of the month that ended (and any not closed yet),
    so its COUNTER reports read the totals, not the events."""
    from khizana.digital.counter import services as counter

    for month in counter.months_to_close():
        closed = counter.close_month(month)
        logger.info("usage %s closed: %s events, %s aggregate rows", month, closed.events, closed.totals)
