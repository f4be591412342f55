"""COUNTER reports from the recorded usage events, SUSHI credentials, and who may see which reports.

Usage is reported per member institution (the reader's own library, ``UsageEvent.user_library``) or for
the whole network (every event, anonymous readers included). A month is available once it has ended.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from khizana.accounts import permissions
from khizana.accounts.audit import audit
from khizana.libraries.models import Library

from ..models import DigitalItem, SushiCredential, UsageEvent, UsageMonth, UsageTotal
from .metrics import ALL_METRICS, MonthTotal, RobotFilter, Usage, counted, month_of, month_totals
from .reports import Entry, Request, build_report, months_between, totals_usable

NETWORK_CUSTOMER_ID = "network"
CREATED_BY = "Khizana"


@dataclass(frozen=True)
class Customer:
    """Whose usage a report is about: one member library, or the whole network (library None)."""

    customer_id: str
    name: str
    library: Library | None = None

    @property
    def institution_id(self) -> dict:
        return {"Proprietary": [f"Khizana:{self.customer_id}"]}


def network_customer() -> Customer:
    return Customer(NETWORK_CUSTOMER_ID, _("Khizana network (all member libraries)"))


def customer_for(library: Library | None) -> Customer:
    if library is None:
        return network_customer()
    return Customer(library.code, library.name_fr or library.code, library)


def all_customers() -> list[Customer]:
    """The network, then every member library by code."""
    return [network_customer()] + [customer_for(library) for library in Library.objects.order_by("code")]


def find_customer(customer_id: str) -> Customer | None:
    if customer_id == NETWORK_CUSTOMER_ID:
        return network_customer()
    library = Library.objects.filter(code=customer_id).first()
    return customer_for(library) if library else None


# -- months -----------------------------------------------------------------------------------------------


def last_month_available(today: date | None = None) -> str:
    """The last month that has ended."""
    today = today or timezone.localdate()
    year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return f"{year:04d}-{month:02d}"


def first_month_available() -> str:
    """The month of the first recorded usage (the last ended month when there is none)."""
    first = UsageEvent.objects.aggregate(first=Min("occurred_at"))["first"]
    if first is None:
        return last_month_available()
    first = timezone.localtime(first)
    return min(f"{first.year:04d}-{first.month:02d}", last_month_available())


# -- reports ----------------------------------------------------------------------------------------------


def _local_times(tz):
    """A converter of stored times (aware datetimes, or SQLite's UTC text) into naive local times, with
    the zone's offset computed once per half hour of UTC."""
    offsets: dict[int, timedelta] = {}

    def convert(value) -> datetime:
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        utc = value.replace(tzinfo=None) - (value.utcoffset() or timedelta(0))
        key = utc.toordinal() * 48 + utc.hour * 2 + utc.minute // 30
        offset = offsets.get(key)
        if offset is None:
            offset = offsets[key] = utc.replace(tzinfo=UTC).astimezone(tz).utcoffset()
        return utc + offset

    return convert


def usage_rows(customer: Customer, begin: date, end: date) -> list[Usage]:
    """The usage events of the months from ``begin`` to ``end`` as rows for :mod:`.metrics`, in local
    time. Read with a plain cursor: Django's per-value converters cost more than the counting."""
    tz = timezone.get_current_timezone()
    start = datetime(begin.year, begin.month, 1, tzinfo=tz)
    stop = datetime(end.year + (end.month == 12), end.month % 12 + 1, 1, tzinfo=tz)
    events = UsageEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=stop)
    if customer.library is not None:
        events = events.filter(user_library=customer.library)
    columns = (
        "occurred_at",
        "user_id",
        "session_key",
        "item_id",
        "work_id",
        "action",
        "is_request",
        "access_type",
        "user_agent",
        "user_library_id",
    )
    sql, params = events.order_by("occurred_at").values_list(*columns).query.sql_with_params()
    local = _local_times(tz)
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(20000):
            for (
                at,
                user_id,
                session_key,
                item_id,
                work_id,
                action,
                is_request,
                access_type,
                agent,
                user_library,
            ) in chunk:
                rows.append(
                    Usage(
                        local(at),
                        f"u{user_id}" if user_id else session_key,
                        item_id,
                        work_id if work_id else -item_id,
                        action,
                        bool(is_request),
                        access_type,
                        "Regular",
                        agent,
                        user_library,
                    )
                )
    return rows


def _isbn(identifiers: dict) -> str:
    for value in identifiers.get("isbn", []) if isinstance(identifiers.get("isbn"), list) else []:
        digits = "".join(ch for ch in str(value) if ch.isdigit())
        if len(digits) == 13 and digits[:3] in ("978", "979"):
            return f"{digits[:3]}-{digits[3]}-{digits[4:8]}-{digits[8:12]}-{digits[12]}"
    return ""


def counted_by_month(rows: list[Usage]) -> list[Usage]:
    """The rows that count, month by month: a month's counts do not depend on the months reported with it
    (a double click across midnight at the end of a month counts in both, as the closed months do)."""
    by_month: dict[str, list[Usage]] = {}
    for row in rows:
        by_month.setdefault(month_of(row.at), []).append(row)
    robots = RobotFilter()
    return [row for month in sorted(by_month) for row in counted(by_month[month], robots)]


def describe(rows: list[Usage], totals: list[MonthTotal] = ()) -> tuple[dict[int, Entry], dict[int, Entry]]:
    """What the reports say about the titles (works) and items of these rows and aggregate rows."""
    item_ids = {row.item for row in rows} | {total.item for total in totals if total.item is not None}
    titles: dict[int, Entry] = {}
    items: dict[int, Entry] = {}
    found = DigitalItem.objects.filter(pk__in=item_ids).select_related("record__work", "library")
    for item in found.iterator(chunk_size=2000):
        work = item.record.work
        year = f"{work.year:04d}" if work and work.year and 0 < work.year < 10000 else "0001"
        publisher = (work.publisher if work else "") or item.library.name_fr or item.library.code
        name = item.display_title or f"#{item.pk}"
        ids = {"Proprietary": f"Khizana:item-{item.pk}"}
        isbn = _isbn(work.identifiers) if work else ""
        if isbn:
            ids["ISBN"] = isbn
        label = f"{name} ({item.label})" if item.label else name
        items[item.pk] = Entry(name=label, publisher=publisher, yop=year, item_id=ids)
        title_id = item.record.work_id or -item.pk
        if title_id not in titles:
            title_ids = {"Proprietary": f"Khizana:work-{work.pk}" if work else f"Khizana:item-{item.pk}"}
            if isbn:
                title_ids["ISBN"] = isbn
            titles[title_id] = Entry(name=name, publisher=publisher, yop=year, item_id=title_ids)
    return titles, items


# -- the monthly aggregate ----------------------------------------------------------------------------------

_TOTAL_COLUMNS = [name.lower() for name in ALL_METRICS]


def closed_months(months: list[str]) -> set[str]:
    return set(UsageMonth.objects.filter(month__in=months).values_list("month", flat=True))


def month_totals_of(customer: Customer, months: list[str]) -> list[MonthTotal]:
    """The aggregate rows of these (closed) months for the customer."""
    if not months:
        return []
    totals = UsageTotal.objects.filter(month__in=months)
    if customer.library is None:
        totals = totals.filter(network=True)
    else:
        totals = totals.filter(network=False, library=customer.library)
    columns = ("month", "item_id", "title_id", "access_type", "access_method", *_TOTAL_COLUMNS)
    scope = customer.library.pk if customer.library else None
    found = []
    for month, item, title, access, method, *counts in totals.values_list(*columns).iterator(chunk_size=5000):
        metrics = {name: count for name, count in zip(ALL_METRICS, counts, strict=True) if count}
        found.append(MonthTotal(month, scope, item, title, access, method, metrics))
    return found


def close_month(month: str, today: date | None = None) -> UsageMonth:
    """Aggregate the usage events of an ended month ("YYYY-MM") into its totals, replacing any made
    before (closing again after late events is safe). Raises ValueError for a month not ended."""
    try:
        first = date.fromisoformat(month + "-01")
    except ValueError:
        raise ValueError(_("%(month)s: not a month (YYYY-MM).") % {"month": month}) from None
    if month > last_month_available(today):
        raise ValueError(_("%(month)s: the month has not ended yet.") % {"month": month})
    rows = usage_rows(network_customer(), first, first)
    totals = month_totals(counted_by_month(rows))
    with transaction.atomic():
        UsageTotal.objects.filter(month=month).delete()
        UsageTotal.objects.bulk_create(
            (
                UsageTotal(
                    month=total.month,
                    network=total.scope is None,
                    library_id=total.scope,
                    item_id=total.item,
                    title_id=total.title,
                    access_type=total.access_type,
                    access_method=total.access_method,
                    **{
                        column: total.metrics.get(name, 0)
                        for column, name in zip(_TOTAL_COLUMNS, ALL_METRICS, strict=True)
                    },
                )
                for total in totals
            ),
            batch_size=5000,
        )
        closed, _created = UsageMonth.objects.update_or_create(
            month=month, defaults={"events": len(rows), "totals": len(totals), "closed_at": timezone.now()}
        )
    return closed


def months_to_close(today: date | None = None) -> list[str]:
    """The ended months with usage that are not closed yet, oldest first."""
    first, last = first_month_available(), last_month_available(today)
    if not UsageEvent.objects.exists():
        return []
    done = set(UsageMonth.objects.values_list("month", flat=True))
    months = months_between(date.fromisoformat(first + "-01"), date.fromisoformat(last + "-01"))
    return [month for month in months if month not in done]


def make_report(customer: Customer, request: Request) -> dict:
    """The COUNTER_SUSHI JSON of the report asked for (its months already checked and set): the closed
    months from their aggregate, the others from the usage events."""
    closed = closed_months(request.months) if totals_usable(request) else set()
    raw_months = [month for month in request.months if month not in closed]
    rows: list[Usage] = []
    if raw_months:
        begin, end = date.fromisoformat(raw_months[0] + "-01"), date.fromisoformat(raw_months[-1] + "-01")
        wanted = set(raw_months)
        rows = [
            row for row in counted_by_month(usage_rows(customer, begin, end)) if month_of(row.at) in wanted
        ]
    totals = month_totals_of(customer, sorted(closed))
    titles, items = describe(rows, totals)
    created = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return build_report(
        rows,
        request,
        titles,
        items,
        totals,
        institution_name=str(customer.name),
        institution_id=customer.institution_id,
        created=created,
        created_by=CREATED_BY,
    )


def report_months(begin: date, end: date) -> tuple[list[str], list[dict]]:
    """The months to report of those asked for, and the exceptions for the others: 3032 before the
    first month available, 3031 after the last (not ended yet)."""
    first, last = first_month_available(), last_month_available()
    asked = months_between(begin, end)
    months = [m for m in asked if first <= m <= last]
    exceptions = []
    early = [m for m in asked if m < first]
    late = [m for m in asked if m > last]
    if early:
        exceptions.append(
            {
                "Code": 3032,
                "Message": "Usage No Longer Available for Requested Dates",
                "Data": f"Usage is available from {first}; not for {early[0]} to {early[-1]}.",
            }
        )
    if late:
        exceptions.append(
            {
                "Code": 3031,
                "Message": "Usage Not Ready for Requested Dates",
                "Data": f"Usage is available until {last}; not for {late[0]} to {late[-1]}.",
            }
        )
    return months, exceptions


# -- who may see which reports ----------------------------------------------------------------------------


def customers_visible(user) -> list[Customer]:
    """Network administrators: the network and every library; library administrators: their library."""
    if permissions.is_network_admin(user):
        return all_customers()
    found = permissions.membership(user)
    if found and found.library_id and permissions.can_manage_staff(user, found.library_id):
        return [customer_for(found.library)]
    return []


def may_see(user, customer: Customer) -> bool:
    return any(c.customer_id == customer.customer_id for c in customers_visible(user))


# -- SUSHI credentials ------------------------------------------------------------------------------------


def _hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


def check_api_key(credential: SushiCredential, api_key: str) -> bool:
    return hmac.compare_digest(credential.api_key_hash, _hash(api_key or ""))


def credentials_visible(user):
    customers = {c.customer_id for c in customers_visible(user)}
    return SushiCredential.objects.filter(customer_id__in=customers).select_related("library")


@transaction.atomic
def create_credential(user, customer: Customer, label: str = "") -> tuple[SushiCredential, str]:
    """A new requestor id and API key for ``customer``; the key is returned once, only its hash kept."""
    if not may_see(user, customer):
        raise PermissionDenied(_("You may not manage the SUSHI credentials of this institution."))
    api_key = secrets.token_urlsafe(32)
    credential = SushiCredential.objects.create(
        library=customer.library,
        customer_id=customer.customer_id,
        requestor_id=secrets.token_hex(16),
        api_key_hash=_hash(api_key),
        label=label[:255],
        created_by=user,
    )
    audit(user, customer.library, "sushi.credential.create", str(credential))
    return credential, api_key


@transaction.atomic
def rotate_credential(user, credential_id: int) -> tuple[SushiCredential, str]:
    credential = SushiCredential.objects.select_for_update().get(pk=credential_id)
    if not may_see(user, customer_for(credential.library)):
        raise PermissionDenied(_("You may not manage the SUSHI credentials of this institution."))
    api_key = secrets.token_urlsafe(32)
    credential.api_key_hash = _hash(api_key)
    credential.rotated_at = timezone.now()
    credential.active = True
    credential.save(update_fields=["api_key_hash", "rotated_at", "active"])
    audit(user, credential.library, "sushi.credential.rotate", str(credential))
    return credential, api_key


@transaction.atomic
def revoke_credential(user, credential_id: int) -> SushiCredential:
    credential = SushiCredential.objects.select_for_update().get(pk=credential_id)
    if not may_see(user, customer_for(credential.library)):
        raise PermissionDenied(_("You may not manage the SUSHI credentials of this institution."))
    credential.active = False
    credential.save(update_fields=["active"])
    audit(user, credential.library, "sushi.credential.revoke", str(credential))
    return credential
