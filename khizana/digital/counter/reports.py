"""COUNTER R5.1 reports PR, PR_P1, TR, TR_B1, TR_B3 and IR from counted usage rows (pure: no Django).

:func:`build_report` makes the COUNTER_SUSHI JSON (``Report_Header`` and ``Report_Items``);
:func:`tabular_rows` lays the same report out as the Code of Practice's tabular form (the header rows,
a blank row, the column headings, one row per item, attributes and metric, with a total and a column
per month), which :mod:`khizana.digital.counter.formats` writes as TSV or Excel.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from .metrics import ALL_ACCESS_TYPES, ALL_METRICS, ITEM_METRICS, TITLE_METRICS, MonthTotal, Usage, measure

PLATFORM = "Khizana"

# report path -> (Report_ID, Report_Name)
REPORTS = {
    "pr": ("PR", "Platform Report"),
    "pr_p1": ("PR_P1", "Platform Usage"),
    "tr": ("TR", "Title Report"),
    "tr_b1": ("TR_B1", "Book Requests (Controlled)"),
    "tr_b3": ("TR_B3", "Book Usage by Access Type"),
    "ir": ("IR", "Item Report"),
}
DESCRIPTIONS = {
    "pr": "Platform-level usage summarized by Metric_Type.",
    "pr_p1": "Platform-level usage (Standard View of the PR): requests and searches.",
    "tr": "Usage at the title level (books of the digital library).",
    "tr_b1": "Book requests with controlled access (Standard View of the TR).",
    "tr_b3": "Book usage broken down by Access_Type (Standard View of the TR).",
    "ir": "Usage at the item level (each digital copy).",
}
# The filters a Standard View fixes.
FIXED_FILTERS = {
    "pr_p1": {
        "Metric_Type": [
            "Searches_Platform",
            "Total_Item_Requests",
            "Unique_Item_Requests",
            "Unique_Title_Requests",
        ],
        "Access_Method": ["Regular"],
    },
    "tr_b1": {
        "Data_Type": ["Book", "Reference_Work"],
        "Access_Type": ["Controlled"],
        "Access_Method": ["Regular"],
        "Metric_Type": ["Total_Item_Requests", "Unique_Title_Requests"],
    },
    "tr_b3": {
        "Data_Type": ["Book", "Reference_Work"],
        "Access_Method": ["Regular"],
        "Metric_Type": list(ALL_METRICS),
    },
}
# Metric types each master report may show, and the attributes it may show.
REPORT_METRICS = {
    "pr": ["Searches_Platform", *ALL_METRICS],
    "tr": [*list(ALL_METRICS), "Limit_Exceeded", "No_License"],
    "ir": [
        "Total_Item_Investigations",
        "Total_Item_Requests",
        "Unique_Item_Investigations",
        "Unique_Item_Requests",
        "Limit_Exceeded",
        "No_License",
    ],
}
SUPPORTED_ATTRIBUTES = {"pr": ["Access_Method"], "tr": ["YOP", "Access_Type", "Access_Method"]}
SUPPORTED_ATTRIBUTES["ir"] = ["YOP", "Access_Type", "Access_Method"]
ACCESS_TYPES = ["Controlled", "Open", "Free_To_Read"]
ACCESS_METHODS = ["Regular", "TDM"]
TITLE_DATA_TYPE = "Book"  # every title of the digital library is a book (printed or digitised)
ITEM_DATA_TYPE = "Other"  # IR has no "Book": a digital copy of a book is reported as Other
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Entry:
    """What a report says about a title or an item."""

    name: str
    publisher: str = ""
    yop: str = "0001"  # COUNTER's "unknown"
    item_id: dict = field(default_factory=dict)  # Item_ID: Proprietary, ISBN, DOI, URI


@dataclass
class Request:
    """A report asked for: its path (``tr``), months, filters and attributes (already checked)."""

    report: str
    begin: date
    end: date
    metric_types: list[str] | None = None
    access_types: list[str] | None = None
    access_methods: list[str] | None = None
    data_types: list[str] | None = None
    yops: list[tuple[int, int]] | None = None
    attributes: list[str] = field(default_factory=list)
    exceptions: list[dict] = field(default_factory=list)
    months: list[str] = field(default_factory=list)  # the months to report ("YYYY-MM")


def months_between(begin: date, end: date) -> list[str]:
    months, year, month = [], begin.year, begin.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _yop_ok(yop: str, ranges: list[tuple[int, int]] | None) -> bool:
    if not ranges:
        return True
    value = int(yop)
    return any(low <= value <= high for low, high in ranges)


def _select(
    rows: Iterable[Usage], request: Request, titles: dict[int, Entry], items: dict[int, Entry]
) -> list[Usage]:
    fixed = FIXED_FILTERS.get(request.report, {})
    access_types = fixed.get("Access_Type") or request.access_types
    access_methods = fixed.get("Access_Method") or request.access_methods
    data_types = fixed.get("Data_Type") or request.data_types
    months = set(request.months)
    wanted_type = ITEM_DATA_TYPE if request.report == "ir" else TITLE_DATA_TYPE
    if data_types and wanted_type not in data_types:
        return []
    selected = []
    for row in rows:
        if f"{row.at.year:04d}-{row.at.month:02d}" not in months:
            continue
        if access_types and row.access_type not in access_types:
            continue
        if access_methods and row.access_method not in access_methods:
            continue
        if request.yops:
            entry = items.get(row.item) if request.report == "ir" else titles.get(row.title)
            if not _yop_ok(entry.yop if entry else "0001", request.yops):
                continue
        selected.append(row)
    return selected


def _metrics_for(request: Request) -> list[str]:
    fixed = FIXED_FILTERS.get(request.report, {})
    if fixed.get("Metric_Type"):
        return [m for m in fixed["Metric_Type"] if m in ALL_METRICS]
    allowed = [m for m in REPORT_METRICS[request.report] if m in ALL_METRICS]
    if request.report in ("pr",) and not request.metric_types:
        return allowed
    if request.metric_types:
        return [m for m in allowed if m in request.metric_types]
    return allowed


def _performance(measured: dict[str, dict[str, int]], metrics: list[str]) -> dict[str, dict[str, int]]:
    return {m: dict(sorted(measured[m].items())) for m in metrics if measured.get(m)}


def _shows_access_type(request: Request) -> bool:
    if request.report in ("pr", "pr_p1", "tr_b1"):
        return False
    return request.report == "tr_b3" or "Access_Type" in request.attributes


def _wanted_access_types(request: Request) -> list[str] | None:
    return FIXED_FILTERS.get(request.report, {}).get("Access_Type") or request.access_types


def totals_usable(request: Request) -> bool:
    """Can the monthly aggregate answer this request? Not when the report merges some access types but
    not all of them (unique counts of a subset are not kept; the raw events answer it)."""
    wanted = _wanted_access_types(request)
    if _shows_access_type(request) or not wanted or len(set(wanted)) == 1:
        return True
    return set(ACCESS_TYPES) <= set(wanted)


def _select_totals(
    totals: Iterable[MonthTotal], request: Request, titles: dict[int, Entry], items: dict[int, Entry]
) -> list[MonthTotal]:
    fixed = FIXED_FILTERS.get(request.report, {})
    wanted = _wanted_access_types(request)
    access_methods = fixed.get("Access_Method") or request.access_methods
    data_types = fixed.get("Data_Type") or request.data_types
    wanted_type = ITEM_DATA_TYPE if request.report == "ir" else TITLE_DATA_TYPE
    if data_types and wanted_type not in data_types:
        return []
    shows_access_type = _shows_access_type(request)
    single = wanted[0] if wanted and len(set(wanted)) == 1 else None

    def keep(access: str) -> bool:
        if shows_access_type:
            return access != ALL_ACCESS_TYPES and (not wanted or access in wanted)
        return access == (single or ALL_ACCESS_TYPES)

    months = set(request.months)
    selected = []
    for total in totals:
        if total.month not in months or not keep(total.access_type):
            continue
        if access_methods and total.access_method not in access_methods:
            continue
        if request.yops:
            entry = items.get(total.item) if request.report == "ir" else titles.get(total.title)
            if not _yop_ok(entry.yop if entry else "0001", request.yops):
                continue
        selected.append(total)
    return selected


def _add_totals(measured: dict, key, total: MonthTotal, names) -> None:
    for name in names:
        count = total.metrics.get(name, 0)
        if count:
            months = measured.setdefault(key, {}).setdefault(name, {})
            months[total.month] = months.get(total.month, 0) + count


def _measure_totals(totals: list[MonthTotal], level: str, by_type: bool, by_method: bool) -> dict:
    """What :func:`~.metrics.measure` gives for the raw rows, from the aggregate rows: item metrics add
    up over items (each session-item pair is one item's), Unique_Title ones come from the title rows."""
    measured: dict = {}
    for total in totals:
        access = total.access_type if by_type else ""
        method = total.access_method if by_method else ""
        if level == "platform":
            key = method
        elif level == "item":
            if total.item is None:
                continue
            key = (total.item, access, method)
        else:
            key = (total.title, access, method)
        _add_totals(measured, key, total, ITEM_METRICS if total.item is not None else TITLE_METRICS)
    return measured


def _merged(first: dict, second: dict) -> dict:
    """Two measures of different months, as one."""
    merged = {key: {name: dict(months) for name, months in values.items()} for key, values in first.items()}
    for key, values in second.items():
        target = merged.setdefault(key, {})
        for metric, months in values.items():
            target.setdefault(metric, {}).update(months)
    return merged


def report_items(
    rows: Iterable[Usage],
    request: Request,
    titles: dict[int, Entry],
    items: dict[int, Entry],
    totals: Iterable[MonthTotal] = (),
) -> list[dict]:
    """The ``Report_Items`` of the report asked for, from counted usage rows (rows already
    :func:`~.metrics.counted`) and from the aggregate of closed months (``totals``, other months)."""
    selected = _select(rows, request, titles, items)
    selected_totals = _select_totals(totals, request, titles, items)
    metrics = _metrics_for(request)
    report = request.report
    shown = set(request.attributes)

    def measured_by(level: str, group, by_type: bool, by_method: bool) -> dict:
        from_rows = measure(selected, group)
        if not selected_totals:
            return from_rows
        return _merged(from_rows, _measure_totals(selected_totals, level, by_type, by_method))

    if report in ("pr", "pr_p1"):
        by_method = "Access_Method" in shown
        measured = measured_by("platform", lambda r: r.access_method if by_method else "", False, by_method)
        performances = []
        for method in sorted(measured):
            performance = _performance(measured[method], metrics)
            if not performance:
                continue
            entry = {"Data_Type": TITLE_DATA_TYPE}
            if by_method:
                entry["Access_Method"] = method
            entry["Performance"] = performance
            performances.append(entry)
        return [{"Platform": PLATFORM, "Attribute_Performance": performances}] if performances else []
    if report == "tr_b1":
        shown = {"YOP"}
    elif report == "tr_b3":
        shown = {"YOP", "Access_Type"}
    by_type, by_method = "Access_Type" in shown, "Access_Method" in shown
    if report == "ir":
        keys = ("YOP", "Access_Type", "Access_Method")
        measured = measured_by(
            "item",
            lambda r: (r.item, r.access_type if by_type else "", r.access_method if by_method else ""),
            by_type,
            by_method,
        )
        reported = _grouped(measured, metrics, items, keys, shown, data_type=ITEM_DATA_TYPE, name_key="Item")
        # R5.1 groups items by their parent; without Include_Parent_Details, one group without a parent
        return [{"Items": reported}] if reported else []
    measured = measured_by(
        "title",
        lambda r: (r.title, r.access_type if by_type else "", r.access_method if by_method else ""),
        by_type,
        by_method,
    )
    return _grouped(
        measured,
        metrics,
        titles,
        ("YOP", "Access_Type", "Access_Method"),
        shown,
        data_type=TITLE_DATA_TYPE,
        name_key="Title",
    )


def _grouped(measured, metrics, entries, keys, shown, *, data_type, name_key) -> list[dict]:
    by_entry: dict[int, list[dict]] = {}
    for (entry_id, access_type, access_method), values in sorted(measured.items()):
        performance = _performance(values, metrics)
        if not performance:
            continue
        entry = entries.get(entry_id) or Entry(name=f"#{entry_id}")
        attribute = {"Data_Type": data_type}
        if "YOP" in shown:
            attribute["YOP"] = entry.yop
        if "Access_Type" in shown:
            attribute["Access_Type"] = access_type
        if "Access_Method" in shown:
            attribute["Access_Method"] = access_method
        attribute["Performance"] = performance
        by_entry.setdefault(entry_id, []).append(attribute)
    result = []
    for entry_id, attributes in sorted(
        by_entry.items(), key=lambda pair: ((entries.get(pair[0]) or Entry("")).name, pair[0])
    ):
        entry = entries.get(entry_id) or Entry(name=f"#{entry_id}")
        item = {name_key: entry.name, "Publisher": entry.publisher, "Platform": PLATFORM}
        if entry.item_id:
            item["Item_ID"] = dict(entry.item_id)
        item["Attribute_Performance"] = attributes
        result.append(item)
    return result


def report_filters(request: Request, platform: str = PLATFORM) -> dict:
    """``Report_Filters`` as the header states them: the dates, then the filters applied."""
    filters: dict = {"Begin_Date": request.begin.isoformat(), "End_Date": request.end.isoformat()}
    fixed = FIXED_FILTERS.get(request.report)
    if fixed:
        filters.update({key: list(value) for key, value in fixed.items()})
        return filters
    if request.metric_types:
        filters["Metric_Type"] = list(request.metric_types)
    if request.data_types:
        filters["Data_Type"] = list(request.data_types)
    if request.access_types and request.report != "pr":
        filters["Access_Type"] = list(request.access_types)
    if request.access_methods:
        filters["Access_Method"] = list(request.access_methods)
    if request.yops and request.report != "pr":
        filters["YOP"] = [f"{a}" if a == b else f"{a}-{b}" for a, b in request.yops]
    return filters


def report_header(
    request: Request, *, institution_name: str, institution_id: dict, created: str, created_by: str
) -> dict:
    report_id, report_name = REPORTS[request.report]
    header = {
        "Release": "5.1",
        "Report_ID": report_id,
        "Report_Name": report_name,
        "Created": created,
        "Created_By": created_by,
        "Institution_ID": institution_id,
        "Institution_Name": institution_name,
        "Report_Filters": report_filters(request),
        # Khizana has no COUNTER Registry record: the schema requires the element, empty allowed
        "Registry_Record": "",
    }
    if request.attributes and request.report in SUPPORTED_ATTRIBUTES:
        header["Report_Attributes"] = {"Attributes_To_Show": list(request.attributes)}
    if request.exceptions:
        header["Exceptions"] = list(request.exceptions)
    return header


def build_report(rows: list[Usage], request: Request, titles, items, totals=(), **header) -> dict:
    """The report as COUNTER_SUSHI JSON (``totals``: the aggregate of the closed months asked for)."""
    return {
        "Report_Header": report_header(request, **header),
        "Report_Items": report_items(rows, request, titles, items, totals),
    }


# -- tabular form ---------------------------------------------------------------------------------------

ID_COLUMNS = ["DOI", "Proprietary_ID", "ISBN", "Print_ISSN", "Online_ISSN", "URI"]
ATTRIBUTE_COLUMNS = ["Data_Type", "YOP", "Access_Type", "Access_Method"]


def _joined(values: dict) -> str:
    parts = []
    for key, value in values.items():
        if key in ("Begin_Date", "End_Date", "Metric_Type"):
            continue
        parts.append(f"{key}={'|'.join(value) if isinstance(value, list) else value}")
    return "; ".join(parts)


def _month_label(month: str) -> str:
    year, number = month.split("-")
    return f"{MONTH_NAMES[int(number) - 1]}-{year}"


def tabular_rows(report: dict) -> list[list]:
    """The report laid out as the Code of Practice's tabular form: 13 header rows, a blank row, the
    column headings, then the body (one row per item, attributes and metric)."""
    header = report["Report_Header"]
    filters = header.get("Report_Filters", {})
    begin, end = filters["Begin_Date"], filters["End_Date"]
    months = months_between(date.fromisoformat(begin), date.fromisoformat(end))
    institution_ids = "; ".join(
        f"{namespace}:{value}"
        for namespace, values in header.get("Institution_ID", {}).items()
        for value in values
    )
    attributes = header.get("Report_Attributes", {})
    exceptions = "; ".join(
        f"{e['Code']}: {e['Message']}" + (f" ({e['Data']})" if e.get("Data") else "")
        for e in header.get("Exceptions", [])
    )
    rows: list[list] = [
        ["Report_Name", header["Report_Name"]],
        ["Report_ID", header["Report_ID"]],
        ["Release", header["Release"]],
        ["Institution_Name", header["Institution_Name"]],
        ["Institution_ID", institution_ids],
        ["Metric_Types", "; ".join(filters.get("Metric_Type", []))],
        ["Report_Filters", _joined(filters)],
        ["Report_Attributes", _joined({k: v for k, v in attributes.items()})],
        ["Exceptions", exceptions],
        ["Reporting_Period", f"Begin_Date={begin}; End_Date={end}"],
        ["Created", header["Created"]],
        ["Created_By", header["Created_By"]],
        ["Registry_Record", header.get("Registry_Record", "")],
        [],
    ]
    report_id = header["Report_ID"]
    if report_id.startswith("PR"):
        item_columns = ["Platform"]
    elif report_id == "IR":
        item_columns = ["Item", "Publisher", "Publisher_ID", "Platform", *ID_COLUMNS]
    else:
        item_columns = ["Title", "Publisher", "Publisher_ID", "Platform", *ID_COLUMNS]
    shown = set()
    entries = [entry for item in report["Report_Items"] for entry in item.get("Items", [item])]
    for item in entries:
        for attribute in item["Attribute_Performance"]:
            shown.update(attribute)
    if report_id.startswith("PR"):
        shown.add("Data_Type")  # a platform report's rows are per data type
    attribute_columns = [c for c in ATTRIBUTE_COLUMNS if c in shown]
    rows.append(
        item_columns
        + attribute_columns
        + ["Metric_Type", "Reporting_Period_Total"]
        + [_month_label(m) for m in months]
    )
    for item in entries:
        ids = item.get("Item_ID", {})
        values = {
            **{key: item.get(key, "") for key in ("Title", "Item", "Publisher", "Platform")},
            "Publisher_ID": "; ".join(
                f"{namespace}:{value}"
                for namespace, values in item.get("Publisher_ID", {}).items()
                for value in values
            ),
            **{
                column: ids.get("Proprietary" if column == "Proprietary_ID" else column, "")
                for column in ID_COLUMNS
            },
        }
        for attribute in item["Attribute_Performance"]:
            for metric, counts in attribute["Performance"].items():
                body = [values[c] for c in item_columns] + [attribute.get(c, "") for c in attribute_columns]
                rows.append(body + [metric, sum(counts.values())] + [counts.get(m, 0) for m in months])
    return rows
