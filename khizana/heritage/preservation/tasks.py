"""Background preservation (huey): an item preserved when it is saved, an hourly sweep for the changes no
signal announces (pages and OCR text are written in bulk), and the scheduled fixity audit
(``KHIZANA_PRESERVATION_AUDIT_SCHEDULE``, a crontab of five fields; "off": none)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import services

logger = logging.getLogger(__name__)


@db_task()
def preserve_item(item_id: int) -> None:
    # Preservation must never break the digital library: its failures are logged and left to the sweep.
    try:
        services.preserve_item(item_id)
    except Exception:
        logger.exception("preservation of digital item %s failed", item_id)


@db_periodic_task(crontab(minute="23"))
def preserve_pending() -> None:
    """Hourly: the items never preserved or changed since."""
    for item_id in services.items_to_preserve():
        preserve_item.call_local(item_id)


def audit_schedule() -> list[str] | None:
    value = (settings.KHIZANA_PRESERVATION_AUDIT_SCHEDULE or "").strip()
    if not value or value.lower() == "off":
        return None
    fields = value.split()
    if len(fields) != 5:
        raise ImproperlyConfigured(
            f"KHIZANA_PRESERVATION_AUDIT_SCHEDULE={value!r}: expected five crontab fields "
            "(minute hour day month weekday), e.g. '40 3 * * *', or 'off'"
        )
    return fields


_schedule = audit_schedule()
if _schedule:
    minute, hour, day, month, weekday = _schedule

    @db_periodic_task(crontab(minute=minute, hour=hour, day=day, month=month, day_of_week=weekday))
    def scheduled_audit() -> None:
        run, _reports = services.audit(limit=settings.KHIZANA_PRESERVATION_AUDIT_LIMIT, trigger="schedule")
        logger.info("preservation audit: %s", run)
