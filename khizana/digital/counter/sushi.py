"""The COUNTER_SUSHI API R5.1 server (mounted at /r51/): status, members, the report list and the reports
PR, PR_P1, TR, TR_B1, TR_B3 and IR, with the COUNTER exceptions and HTTP status codes the API gives.

Authorisation is by customer_id + requestor_id + api_key only (never an IP address): a credential of a
member library may harvest that library's usage; a network credential the network's and every library's.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..models import SushiCredential
from . import services
from .reports import (
    ACCESS_METHODS,
    ACCESS_TYPES,
    DESCRIPTIONS,
    FIXED_FILTERS,
    REPORT_METRICS,
    REPORTS,
    SUPPORTED_ATTRIBUTES,
    Request,
)

AUTH_PARAMETERS = {"customer_id", "requestor_id", "api_key", "platform"}
DATE_PARAMETERS = {"begin_date", "end_date"}
MASTER_PARAMETERS = {
    "pr": {"metric_type", "data_type", "access_method", "attributes_to_show", "granularity"},
    "tr": {
        "metric_type",
        "data_type",
        "access_method",
        "access_type",
        "yop",
        "attributes_to_show",
        "granularity",
    },
    "ir": {
        "metric_type",
        "data_type",
        "access_method",
        "access_type",
        "yop",
        "attributes_to_show",
        "granularity",
        "include_parent_details",
        "include_component_details",
    },
}
DATA_TYPES = {
    "pr": [
        "Article",
        "Audiovisual",
        "Book",
        "Book_Segment",
        "Conference",
        "Conference_Item",
        "Database_Full_Item",
        "Dataset",
        "Image",
        "Interactive_Resource",
        "Journal",
        "Multimedia",
        "News_Item",
        "Newspaper_or_Newsletter",
        "Other",
        "Patent",
        "Platform",
        "Reference_Item",
        "Reference_Work",
        "Report",
        "Software",
        "Sound",
        "Standard",
        "Thesis_or_Dissertation",
        "Unspecified",
    ],
    "tr": [
        "Book",
        "Conference",
        "Journal",
        "Newspaper_or_Newsletter",
        "Other",
        "Patent",
        "Reference_Work",
        "Report",
        "Standard",
        "Thesis_or_Dissertation",
        "Unspecified",
    ],
    "ir": [
        "Article",
        "Audiovisual",
        "Book_Segment",
        "Conference_Item",
        "Database_Full_Item",
        "Dataset",
        "Image",
        "Interactive_Resource",
        "Multimedia",
        "News_Item",
        "Other",
        "Patent",
        "Reference_Item",
        "Report",
        "Software",
        "Sound",
        "Standard",
        "Thesis_or_Dissertation",
        "Unspecified",
    ],
}
MESSAGES = {
    1030: "Insufficient Information to Process Request",
    2000: "Requestor Not Authorized to Access Service",
    2010: "Requestor is Not Authorized to Access Usage for Institution",
    2020: "APIKey Invalid",
    3000: "Report Not Supported",
    3020: "Invalid Date Arguments",
    3030: "No Usage Available for Requested Dates",
    3050: "Parameter Not Recognized in this Context",
    3060: "Invalid ReportFilter Value",
    3062: "Invalid ReportAttribute Value",
}
STATUS = {1030: 400, 2000: 401, 2020: 401, 2010: 403, 3000: 404, 3020: 400}


def exception(code: int, data: str = "") -> dict:
    found = {"Code": code, "Message": MESSAGES[code]}
    if data:
        found["Data"] = data
    return found


def _error(code: int, data: str = "") -> JsonResponse:
    return JsonResponse(exception(code, data), status=STATUS[code])


def _json(payload, status: int = 200) -> JsonResponse:
    return JsonResponse(payload, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _authorise(
    request: HttpRequest,
) -> tuple[services.Customer | None, SushiCredential | None, JsonResponse | None]:
    """The customer asked for and the credential, else the exception response."""
    customer_id = request.GET.get("customer_id", "").strip()
    requestor_id = request.GET.get("requestor_id", "").strip()
    if not customer_id:
        return None, None, _error(1030, "customer_id is missing.")
    if not requestor_id:
        return None, None, _error(1030, "requestor_id is missing.")
    credential = SushiCredential.objects.filter(requestor_id=requestor_id, active=True).first()
    if credential is None:
        return None, None, _error(2000, "This requestor_id is not known or no longer active.")
    if not services.check_api_key(credential, request.GET.get("api_key", "")):
        return None, None, _error(2020, "The api_key is missing or does not match the requestor_id.")
    customer = services.find_customer(customer_id)
    allowed = customer is not None and (
        credential.library_id is None or customer.customer_id == credential.customer_id
    )
    if not allowed:
        return None, None, _error(2010, f"customer_id {customer_id} is not open to this requestor_id.")
    SushiCredential.objects.filter(pk=credential.pk).update(last_used_at=timezone.now())
    return customer, credential, None


@require_GET
def status(request: HttpRequest) -> JsonResponse:
    return _json(
        [
            {
                "Description": "COUNTER R5.1 usage reports of the Khizana digital library.",
                "Service_Active": True,
                "Note": "Reports PR, PR_P1, TR, TR_B1, TR_B3 and IR; a month is available once it has ended.",
            }
        ]
    )


@require_GET
def members(request: HttpRequest) -> JsonResponse:
    customer, credential, refused = _authorise(request)
    if refused:
        return refused
    if credential.library_id is None and customer.library is None:
        customers = services.all_customers()
    else:
        customers = [customer]
    return _json(
        [
            {
                "Institution_Name": str(c.name),
                "Institution_ID": c.institution_id,
                "Customer_ID": c.customer_id,
            }
            for c in customers
        ]
    )


@require_GET
def report_list(request: HttpRequest) -> JsonResponse:
    _customer, _credential, refused = _authorise(request)
    if refused:
        return refused
    first, last = services.first_month_available(), services.last_month_available()
    return _json(
        [
            {
                "Report_Name": name,
                "Report_ID": report_id,
                "Release": "5.1",
                "Report_Description": DESCRIPTIONS[path],
                "Path": f"/r51/reports/{path}",
                "First_Month_Available": first,
                "Last_Month_Available": last,
            }
            for path, (report_id, name) in REPORTS.items()
        ]
    )


DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def _parse_date(value: str, *, end: bool) -> date | None:
    """yyyy-mm or yyyy-mm-dd: the first day of the month (begin) or its last (end); None when not a
    whole month or not a date."""
    found = DATE.match(value.strip())
    if not found:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    if not 1 <= month <= 12 or year < 1:
        return None
    last_day = calendar.monthrange(year, month)[1]
    day = found.group(3)
    if day is not None:
        wanted = last_day if end else 1
        if int(day) != wanted:
            return None
    return date(year, month, last_day if end else 1)


def _values(request: HttpRequest, name: str) -> list[str]:
    raw = request.GET.get(name, "")
    return [v.strip() for v in raw.split("|") if v.strip()]


def _checked(values: list[str], allowed: list[str], name: str, exceptions: list[dict]) -> list[str] | None:
    """The values that are allowed; an exception 3060 names the others (they are left out)."""
    good = [v for v in values if v in allowed]
    bad = [v for v in values if v not in allowed]
    if bad:
        exceptions.append(exception(3060, f"{name}: {', '.join(bad)} not supported"))
    return good or None


def _yops(values: list[str], exceptions: list[dict]) -> list[tuple[int, int]] | None:
    ranges, bad = [], []
    for value in values:
        found = re.match(r"^(\d{4})(?:-(\d{4}))?$", value)
        if not found:
            bad.append(value)
            continue
        low, high = int(found.group(1)), int(found.group(2) or found.group(1))
        ranges.append((min(low, high), max(low, high)))
    if bad:
        exceptions.append(exception(3060, f"yop: {', '.join(bad)} not supported"))
    return ranges or None


@require_GET
def report(request: HttpRequest, report_path: str) -> JsonResponse:
    if report_path not in REPORTS:
        return _error(3000, f"Report {report_path} is not supported by this server.")
    customer, _credential, refused = _authorise(request)
    if refused:
        return refused
    begin_value, end_value = request.GET.get("begin_date", ""), request.GET.get("end_date", "")
    if not begin_value or not end_value:
        return _error(1030, "begin_date and end_date are required (yyyy-mm or yyyy-mm-dd).")
    begin, end = _parse_date(begin_value, end=False), _parse_date(end_value, end=True)
    if begin is None or end is None:
        return _error(3020, "begin_date and end_date must be yyyy-mm or the first and last days of months.")
    if end < begin:
        return _error(3020, "end_date is before begin_date.")
    family = report_path.split("_")[0]
    standard_view = report_path in FIXED_FILTERS
    known = AUTH_PARAMETERS | DATE_PARAMETERS | (set() if standard_view else MASTER_PARAMETERS[family])
    exceptions: list[dict] = []
    unknown = sorted(set(request.GET) - known)
    if unknown:
        exceptions.append(exception(3050, ", ".join(unknown)))
    asked = Request(report=report_path, begin=begin, end=end)
    if not standard_view:
        metrics = REPORT_METRICS[family]
        asked.metric_types = _checked(_values(request, "metric_type"), metrics, "metric_type", exceptions)
        asked.data_types = _checked(
            _values(request, "data_type"), DATA_TYPES[family], "data_type", exceptions
        )
        asked.access_methods = _checked(
            _values(request, "access_method"), ACCESS_METHODS, "access_method", exceptions
        )
        if family != "pr":
            asked.access_types = _checked(
                _values(request, "access_type"), ACCESS_TYPES, "access_type", exceptions
            )
            asked.yops = _yops(_values(request, "yop"), exceptions)
        shown = _values(request, "attributes_to_show")
        supported = SUPPORTED_ATTRIBUTES[family]
        asked.attributes = [a for a in supported if a in shown]
        bad = [a for a in shown if a not in supported]
        if bad:
            exceptions.append(exception(3062, f"attributes_to_show: {', '.join(bad)} not supported"))
        granularity = request.GET.get("granularity", "Month")
        if granularity != "Month":
            exceptions.append(exception(3062, f"granularity: {granularity} not supported (Month only)"))
    months, date_exceptions = services.report_months(begin, end)
    asked.months = months
    asked.exceptions = exceptions + date_exceptions
    built = services.make_report(customer, asked)
    if not built["Report_Items"] and not date_exceptions:
        built["Report_Header"].setdefault("Exceptions", []).append(exception(3030))
    return _json(built)
