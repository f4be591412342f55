"""The link check of the free-resource lists, every night at 03:15; the monthly SUSHI harvest of the
providers' usage and the hourly retry of the reports they queued (the huey consumer runs them)."""

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


@db_periodic_task(crontab(minute="30", hour="4", day="20"))
def harvest_usage_monthly() -> None:
    """Every 20th of the month (providers must publish a month's reports by the 28th of the next; what is not
    ready yet is queued and retried), the months not harvested yet of every active SUSHI account."""
    from .usage.services import harvest_all

    harvest_all(scheduled=True)


@db_periodic_task(crontab(minute="45"))
def retry_queued_usage() -> None:
    """Every hour, the reports the providers had queued (1011, 3031…) whose retry time has come."""
    from .usage.services import retry_due

    retry_due()


@db_task()
def harvest_account_job(account_id: int) -> None:
    """A harvest staff asked for: the months of one SUSHI account not harvested yet."""
    from .models import SushiAccount
    from .usage.services import harvest_account

    account = SushiAccount.objects.filter(pk=account_id).select_related("resource").first()
    if account is not None:
        harvest_account(account)
