"""Harvesting the providers' COUNTER usage over SUSHI, uploads of their report files, and storage.

A harvest keeps one :class:`~khizana.eresources.models.UsageHarvest` per (resource, institution, report,
month): a run asks the provider for each month not harvested yet (pending, failed, or queued and due),
one request per month, so a run that stops half-way resumes where it stopped. What the provider answers:

- a report: its rows for that month replace the month's rows, in one transaction (``done``);
- 3030 "No Usage Available" or an empty report: stored as zero (``no_usage``);
- 1011 "Report Queued", 3031 "Usage Not Ready", 1000/1010/1020 (not available, busy, too many
  requests): ``queued``, asked again by the scheduled retry (:func:`retry_due`) after
  ``KHIZANA_SUSHI_RETRY_MINUTES``, ``failed`` after ``KHIZANA_SUSHI_MAX_ATTEMPTS`` attempts;
- 2000/2010/2020 (credentials refused): the account is flagged so staff see it, the month ``failed`` and
  the account's other months wait for the next run (the monthly run skips flagged accounts until staff
  save their settings again);
- anything else (3000 report not supported, 3020 dates, 3032 no longer available, an HTTP error without
  exception, a body that is not a report): ``failed``, the error kept and shown.

Exceptions are read from 200 bodies and from the bodies of HTTP 4xx/5xx answers alike
(:func:`~khizana.eresources.usage.reader.exceptions_in`). Every request goes through the guarded outgoing
session (:mod:`khizana.core.outgoing`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import requests
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from khizana.accounts.audit import audit
from khizana.core.outgoing.conf import outgoing_session
from khizana.core.outgoing.policy import OutgoingRequestRefused

from ..models import CounterRelease, Resource, SushiAccount, UsageCount, UsageHarvest
from ..services import may_manage_for
from .reader import (
    CREDENTIALS_REFUSED,
    NO_USAGE,
    RETRY_LATER,
    ReportFileError,
    SushiException,
    UsageReport,
    UsageRow,
    month_id,
    months_between,
    read_json,
    read_report,
)

# what a COUNTER report harvest asks for (the attributes a cost-per-use and a trend need)
ATTRIBUTES = {
    CounterRelease.R51: {"TR": "YOP|Access_Type|Access_Method", "DR": "Access_Method", "PR": "Access_Method"},
    CounterRelease.R5: {
        "TR": "Data_Type|YOP|Access_Type|Access_Method",
        "DR": "Data_Type|Access_Method",
        "PR": "Data_Type|Access_Method",
    },
}
HARVESTED_REPORTS = ("TR", "DR", "PR")


def first_of(month: str | date) -> date:
    if isinstance(month, date):
        return month.replace(day=1)
    return date(int(month[:4]), int(month[5:7]), 1)


def last_ended_month(today: date | None = None) -> str:
    today = today or timezone.localdate()
    return month_id(today.replace(day=1) - timedelta(days=1))


def release_for(account: SushiAccount, month: date) -> str:
    """R5 before the month the provider moved to R5.1, R5.1 from it; the account's release otherwise."""
    if account.r51_from is not None:
        return CounterRelease.R51 if month >= first_of(account.r51_from) else CounterRelease.R5
    return account.release


def request_for(account: SushiAccount, report_id: str, month: date) -> tuple[str, dict[str, str]]:
    """The URL and query of a report for one month."""
    release = release_for(account, month)
    base = account.r5_base_url if release == CounterRelease.R5 and account.r5_base_url else account.base_url
    params = {"customer_id": account.customer_id}
    if account.requestor_id:
        params["requestor_id"] = account.requestor_id
    if account.api_key:
        params["api_key"] = account.api_key
    if account.platform:
        params["platform"] = account.platform
    params["begin_date"] = month_id(month)
    params["end_date"] = month_id(month)
    attributes = ATTRIBUTES[CounterRelease(release)].get(report_id)
    if attributes:
        params["attributes_to_show"] = attributes
    return f"{base.rstrip('/')}/reports/{report_id.lower()}", params


# --- one answer -------------------------------------------------------------------------------------------


@dataclass
class Answer:
    """What a provider answered for one month: a status, the report's rows, exceptions, an error."""

    status: str
    rows: list[UsageRow] = field(default_factory=list)
    exceptions: list[SushiException] = field(default_factory=list)
    error: str = ""
    credentials_refused: bool = False


def _described(exceptions: list[SushiException]) -> str:
    return "; ".join(str(e) for e in exceptions)


def interpret(status_code: int, body: bytes, source: str, month: str) -> Answer:
    """What a SUSHI answer (HTTP status and body) means for the month asked for."""
    try:
        payload = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        snippet = body[:200].decode("utf-8", "replace").strip()
        return Answer(
            UsageHarvest.Status.FAILED,
            error=_("HTTP %(status)s, not a COUNTER answer: %(body)s")
            % {"status": status_code, "body": snippet},
        )
    try:
        report = read_json(payload, source)
    except ReportFileError as error:
        if status_code >= 400:
            return Answer(UsageHarvest.Status.FAILED, error=f"HTTP {status_code}: {error}")
        return Answer(UsageHarvest.Status.FAILED, error=str(error))
    codes = {e.code for e in report.exceptions}
    exceptions = report.exceptions
    if codes & CREDENTIALS_REFUSED:
        return Answer(
            UsageHarvest.Status.FAILED,
            exceptions=exceptions,
            error=_("Credentials refused: %(exceptions)s") % {"exceptions": _described(exceptions)},
            credentials_refused=True,
        )
    rows = [row for row in report.rows if row.month == month]
    if codes & RETRY_LATER and not rows:
        return Answer(UsageHarvest.Status.QUEUED, exceptions=exceptions, error=_described(exceptions))
    if NO_USAGE in codes and not rows:
        return Answer(UsageHarvest.Status.NO_USAGE, exceptions=exceptions)
    if status_code >= 400 or not report.report_id:
        described = _described(exceptions) or _("no exception given")
        return Answer(
            UsageHarvest.Status.FAILED, exceptions=exceptions, error=f"HTTP {status_code}: {described}"
        )
    if not rows:
        fatal = [e for e in exceptions if 1000 <= e.code < 3040]
        if fatal:
            return Answer(UsageHarvest.Status.FAILED, exceptions=exceptions, error=_described(fatal))
        return Answer(UsageHarvest.Status.NO_USAGE, exceptions=exceptions)
    return Answer(UsageHarvest.Status.DONE, rows=rows, exceptions=exceptions)


def fetch(
    account: SushiAccount, report_id: str, month: date, session: requests.Session | None = None
) -> Answer:
    """Asks the provider for one month of a report (never raises for what the network or the provider
    does: the answer says it)."""
    url, params = request_for(account, report_id, month)
    session = session or outgoing_session()
    try:
        response = session.get(
            url,
            params=params,
            timeout=float(settings.KHIZANA_SUSHI_TIMEOUT),
            headers={"Accept": "application/json"},
        )
    except OutgoingRequestRefused as refused:  # its URL holds the API key: name the endpoint only
        reason = refused.reason.render(_)
        return Answer(
            UsageHarvest.Status.FAILED,
            error=_("Refused: %(url)s: %(reason)s") % {"url": url, "reason": reason},
        )
    except (requests.RequestException, ValueError) as error:
        return Answer(
            UsageHarvest.Status.FAILED,
            error=_("Could not reach %(url)s: %(error)s") % {"url": url, "error": type(error).__name__},
        )
    return interpret(response.status_code, response.content, url, month_id(month))


# --- storage ----------------------------------------------------------------------------------------------


def _count(harvest: UsageHarvest, row: UsageRow) -> UsageCount:
    return UsageCount(
        harvest=harvest,
        resource_id=harvest.resource_id,
        library_id=harvest.library_id,
        report_id=harvest.report_id,
        month=harvest.month,
        title=row.title[:1000],
        platform=row.platform[:255],
        publisher=row.publisher[:255],
        doi=row.identifier("DOI")[:255],
        isbn=row.identifier("ISBN")[:32],
        print_issn=row.identifier("Print_ISSN")[:16],
        online_issn=row.identifier("Online_ISSN")[:16],
        proprietary_id=row.identifier("Proprietary")[:255],
        uri=row.identifier("URI")[:1000],
        data_type=row.data_type[:40],
        access_type=row.access_type[:40],
        access_method=row.access_method[:20],
        yop=row.yop[:9],
        metric_type=row.metric_type[:40],
        count=row.count,
    )


def _harvest_row(resource_id: int, library_id: int | None, report_id: str, month: date) -> UsageHarvest:
    """The month's harvest row, locked (created when missing)."""
    found = (
        UsageHarvest.objects.select_for_update()
        .filter(resource_id=resource_id, library_id=library_id, report_id=report_id, month=month)
        .first()
    )
    if found is None:
        found = UsageHarvest.objects.create(
            resource_id=resource_id, library_id=library_id, report_id=report_id, month=month
        )
    return found


def _record(harvest: UsageHarvest, answer: Answer, *, now: datetime) -> None:
    """Writes what a fetch (or an upload) gave, replacing the month's rows when there are new ones; called
    inside a transaction."""
    harvest.attempts += 1
    harvest.exceptions = [{"Code": e.code, "Message": e.message, "Data": e.data} for e in answer.exceptions]
    harvest.last_error = answer.error
    harvest.status = answer.status
    harvest.next_attempt_at = None
    if answer.status == UsageHarvest.Status.QUEUED:
        if harvest.attempts >= int(settings.KHIZANA_SUSHI_MAX_ATTEMPTS):
            harvest.status = UsageHarvest.Status.FAILED
            harvest.last_error = _("Still queued after %(n)s attempts: %(error)s") % {
                "n": harvest.attempts,
                "error": answer.error,
            }
        else:
            harvest.next_attempt_at = now + timedelta(minutes=int(settings.KHIZANA_SUSHI_RETRY_MINUTES))
    if answer.status in (UsageHarvest.Status.DONE, UsageHarvest.Status.NO_USAGE):
        harvest.counts.all().delete()
        new = [_count(harvest, row) for row in answer.rows if row.count]
        UsageCount.objects.bulk_create(new, batch_size=2000)
        harvest.row_count = len(new)
        harvest.harvested_at = now
    harvest.save()


def harvest_month(
    account: SushiAccount, report_id: str, month: date, *, session=None, now=None
) -> UsageHarvest:
    """Fetches one month of a report and stores it (the request outside the transaction, the storage in
    one)."""
    now = now or timezone.now()
    answer = fetch(account, report_id, month, session=session)
    with transaction.atomic():
        harvest = _harvest_row(account.resource_id, account.library_id, report_id, month)
        harvest.account = account
        harvest.source = UsageHarvest.Source.SUSHI
        harvest.filename = ""
        harvest.release = release_for(account, month)
        _record(harvest, answer, now=now)
        if answer.credentials_refused:
            SushiAccount.objects.filter(pk=account.pk).update(
                credentials_refused_at=now, credentials_error=answer.error[:1000]
            )
            account.credentials_refused_at, account.credentials_error = now, answer.error[:1000]
        elif account.credentials_refused_at and answer.status != UsageHarvest.Status.FAILED:
            SushiAccount.objects.filter(pk=account.pk).update(
                credentials_refused_at=None, credentials_error=""
            )
            account.credentials_refused_at, account.credentials_error = None, ""
    return harvest


@dataclass
class HarvestSummary:
    requested: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    refused_accounts: list[str] = field(default_factory=list)

    def add(self, status: str) -> None:
        self.requested += 1
        self.by_status[status] = self.by_status.get(status, 0) + 1

    def __str__(self) -> str:
        parts = ", ".join(f"{count} {status}" for status, count in sorted(self.by_status.items()))
        text = f"{self.requested} report-months requested" + (f" ({parts})" if parts else "")
        if self.refused_accounts:
            text += "; credentials refused: " + ", ".join(self.refused_accounts)
        return text


def months_to_harvest(
    account: SushiAccount, begin: str | None, end: str | None, *, now: datetime
) -> list[tuple[str, date]]:
    """The (report, month) pairs of the period not harvested yet: never asked, failed, or queued and due."""
    first = first_of(begin) if begin else first_of(account.harvest_from)
    last = first_of(end or last_ended_month(timezone.localdate(now)))
    months = [first_of(m) for m in months_between(month_id(first), month_id(last))]
    reports = [r for r in account.reports if r in HARVESTED_REPORTS] or list(HARVESTED_REPORTS)
    known = {
        (h.report_id, h.month): h
        for h in UsageHarvest.objects.filter(
            resource_id=account.resource_id,
            library_id=account.library_id,
            report_id__in=reports,
            month__gte=first,
            month__lte=last,
        )
    }
    wanted = []
    for month in months:
        for report_id in reports:
            harvest = known.get((report_id, month))
            if _wanted(harvest, now):
                wanted.append((report_id, month))
    return wanted


def _wanted(harvest: UsageHarvest | None, now: datetime) -> bool:
    if harvest is None or harvest.status in (UsageHarvest.Status.PENDING, UsageHarvest.Status.FAILED):
        return True
    return harvest.status == UsageHarvest.Status.QUEUED and (
        harvest.next_attempt_at is None or harvest.next_attempt_at <= now
    )


def harvest_account(
    account: SushiAccount,
    begin: str | None = None,
    end: str | None = None,
    *,
    session=None,
    now: datetime | None = None,
    summary: HarvestSummary | None = None,
) -> HarvestSummary:
    """Harvests the months of the period (the account's ``harvest_from`` to the last ended month by
    default) not harvested yet; stops at the first refusal of the credentials."""
    now = now or timezone.now()
    summary = summary or HarvestSummary()
    session = session or outgoing_session()
    for report_id, month in months_to_harvest(account, begin, end, now=now):
        harvest = harvest_month(account, report_id, month, session=session, now=now)
        summary.add(harvest.status)
        if account.credentials_refused_at == now:
            summary.refused_accounts.append(str(account))
            break
    return summary


def harvest_all(
    resource_code: str | None = None,
    begin: str | None = None,
    end: str | None = None,
    *,
    scheduled: bool = False,
    now: datetime | None = None,
) -> HarvestSummary:
    """Every active account (of one resource), for the period; the scheduled run leaves the accounts whose
    credentials were refused alone until staff save them again."""
    accounts = SushiAccount.objects.select_related("resource", "library").filter(active=True)
    if resource_code:
        accounts = accounts.filter(resource__code=resource_code)
    if scheduled:
        accounts = accounts.filter(credentials_refused_at__isnull=True)
    summary = HarvestSummary()
    session = outgoing_session()
    for account in accounts.order_by("pk"):
        harvest_account(account, begin, end, session=session, now=now, summary=summary)
    return summary


def retry_due(now: datetime | None = None) -> HarvestSummary:
    """Asks again for the reports the providers queued, once their time has come."""
    now = now or timezone.now()
    summary = HarvestSummary()
    due = (
        UsageHarvest.objects.filter(
            status=UsageHarvest.Status.QUEUED, next_attempt_at__lte=now, account__active=True
        )
        .select_related("account")
        .order_by("next_attempt_at", "pk")
    )
    session = outgoing_session()
    for harvest in due:
        done = harvest_month(harvest.account, harvest.report_id, harvest.month, session=session, now=now)
        summary.add(done.status)
    return summary


# --- uploads ----------------------------------------------------------------------------------------------


@dataclass
class UploadResult:
    report_id: str
    months: list[str]
    rows: int
    exceptions: list[SushiException]


def upload_report(
    user, resource: Resource, library_id: int | None, data: bytes, filename: str
) -> UploadResult:
    """Stores a provider's report file (JSON, TSV or Excel) for ``resource`` and the institution (None: the
    network): each month of its period replaces that month's rows, all in one transaction. Raises
    PermissionDenied unless ``user`` manages that institution's registry (``user=None``: the command line),
    :class:`~khizana.eresources.usage.reader.ReportFileError` (nothing written) for a bad file."""
    if user is not None and not may_manage_for(user, library_id):
        raise PermissionDenied(_("You may not change this."))
    report: UsageReport = read_report(data, filename)
    family = report.report_id.split("_")[0]
    if family not in (*HARVESTED_REPORTS, "IR"):
        raise ReportFileError(
            _("%(file)s: the report %(report)s is not one of TR, DR, PR, IR")
            % {"file": filename, "report": report.report_id}
        )
    if report.report_id != family:
        raise ReportFileError(
            _("%(file)s: %(report)s is a standard view; upload the master report %(family)s")
            % {"file": filename, "report": report.report_id, "family": family}
        )
    months = report.months
    if not months:
        raise ReportFileError(_("%(file)s: no reporting period and no usage") % {"file": filename})
    by_month: dict[str, list[UsageRow]] = {m: [] for m in months}
    for row in report.rows:
        by_month.setdefault(row.month, []).append(row)
    now = timezone.now()
    with transaction.atomic():
        for month, rows in sorted(by_month.items()):
            harvest = _harvest_row(resource.pk, library_id, family, first_of(month))
            harvest.source = UsageHarvest.Source.UPLOAD
            harvest.filename = filename[:255]
            harvest.release = report.release[:3]
            harvest.attempts = 0
            status = UsageHarvest.Status.DONE if rows else UsageHarvest.Status.NO_USAGE
            _record(harvest, Answer(status, rows=rows, exceptions=report.exceptions), now=now)
        if user is not None:
            audit(
                user,
                library_id,
                "eresources.usage.upload",
                f"{resource.code} {family} {months[0]}–{months[-1]}",
                file=filename,
                rows=len(report.rows),
            )
    return UploadResult(family, sorted(by_month), len(report.rows), report.exceptions)


# --- SUSHI settings ---------------------------------------------------------------------------------------


def may_manage_account(user, library_id: int | None) -> bool:
    """A library's account: its administrator or a network administrator; the network's: network
    administrators (the registry's rule, :func:`khizana.eresources.services.may_manage_for`)."""
    return may_manage_for(user, library_id)


def save_account(user, form, *, before_library_id: int | object | None) -> SushiAccount:
    """Saves a valid SUSHI account form if ``user`` manages the institution it belonged to and the one it
    belongs to now; saving clears the "credentials refused" flag (staff changed them). Audited, without
    the API key."""
    account = form.instance
    owners = [account.library_id]
    if before_library_id is not _NEW:
        owners.append(before_library_id)
    if not all(may_manage_account(user, owner) for owner in owners):
        raise PermissionDenied(_("You may not change this."))
    with transaction.atomic():
        account.credentials_refused_at = None
        account.credentials_error = ""
        account = form.save()
        audit(user, account.library_id, "eresources.sushi_account", f"{account.pk}: {account}"[:255])
    return account


def request_harvest(user, account: SushiAccount) -> None:
    """Queues a harvest of the account's months not harvested yet (the huey consumer runs it), if ``user``
    manages the account's institution. Audited."""
    if not may_manage_account(user, account.library_id):
        raise PermissionDenied(_("You may not change this."))
    from ..tasks import harvest_account_job

    audit(user, account.library_id, "eresources.sushi_account.harvest", f"{account.pk}: {account}"[:255])
    harvest_account_job(account.pk)


def delete_account(user, account: SushiAccount) -> None:
    if not may_manage_account(user, account.library_id):
        raise PermissionDenied(_("You may not change this."))
    with transaction.atomic():
        audit(user, account.library_id, "eresources.sushi_account.delete", f"{account.pk}: {account}"[:255])
        account.delete()


_NEW = object()
NEW = _NEW


def accounts_visible(user, resource: Resource | None = None):
    """The SUSHI accounts ``user`` manages (of one resource)."""
    from ..forms import administered_libraries

    found = SushiAccount.objects.select_related("resource", "library")
    if resource is not None:
        found = found.filter(resource=resource)
    if may_manage_for(user, None):
        return found
    return found.filter(library__in=administered_libraries(user))


def harvests_visible(user, resource: Resource | None = None):
    from ..forms import administered_libraries

    found = UsageHarvest.objects.select_related("resource", "library")
    if resource is not None:
        found = found.filter(resource=resource)
    if may_manage_for(user, None):
        return found
    return found.filter(Q(library__in=administered_libraries(user)))
