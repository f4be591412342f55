"""The reminders of the next day's events, once a day at KHIZANA_EVENTS_REMINDER_HOUR (the huey consumer
runs them)."""

from __future__ import annotations

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="0", hour=str(settings.KHIZANA_EVENTS_REMINDER_HOUR)))
def send_event_reminders() -> int:
    from .services import send_reminders

    return send_reminders()
