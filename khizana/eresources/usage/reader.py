"""Reads a provider's COUNTER usage report into normalised rows (no Django import).

Four layouts are read, as the Code of Practice lays them out:

- COUNTER_SUSHI JSON, release 5: ``Report_Items[]`` with ``Item_ID`` as a list of ``{Type, Value}``, the
  attributes (``Data_Type``, ``YOP``, ``Access_Type``…) on the item and ``Performance[]`` as periods
  holding ``Instance[]`` of ``{Metric_Type, Count}``;
- COUNTER_SUSHI JSON, release 5.1: ``Item_ID`` as an object, ``Attribute_Performance[]`` holding the
  attributes and ``Performance`` as ``{metric: {"yyyy-mm": count}}``; an item report (IR) nests its
  items under a parent's ``Items[]``;
- tabular TSV and Excel (both releases): the header rows (``Report_Name``, ``Report_ID``, ``Release``,
  ``Exceptions``…) down to a blank row, the column headings, then one row per metric with a column per
  month (``Jan-2022``).

The SUSHI exceptions are read wherever a server puts them: a 200 body that is one exception or a list of
them, ``Report_Header.Exceptions``, an ``Exception`` member (early R5 servers), or the body of an HTTP
4xx/5xx answer (:func:`exceptions_in`). Bad input raises :class:`ReportFileError` naming the file and the
line (or JSON path) and the problem.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime

MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_COLUMN = re.compile(r"^([A-Za-z]{3})-(\d{4})$")
MONTH_ID = re.compile(r"^(\d{4})-(\d{2})(?:-\d{2})?$")
IDENTIFIERS = ("DOI", "ISBN", "Print_ISSN", "Online_ISSN", "Proprietary", "URI")
# tabular column -> identifier
TABULAR_IDENTIFIERS = {
    "DOI": "DOI",
    "ISBN": "ISBN",
    "Print_ISSN": "Print_ISSN",
    "Online_ISSN": "Online_ISSN",
    "Proprietary_ID": "Proprietary",
    "URI": "URI",
}
ATTRIBUTES = ("Data_Type", "Access_Type", "Access_Method", "YOP")
EXCEPTION_TEXT = re.compile(r"(\d{1,4})\s*:\s*([^;(]*?)\s*(?:\(([^)]*)\))?\s*(?:;|$)")

# what a client does with an exception (see khizana.eresources.usage.harvest)
RETRY_LATER = {1000, 1010, 1011, 1020, 3031}  # not available, busy, queued, too many requests, not ready
CREDENTIALS_REFUSED = {2000, 2010, 2020}
NO_USAGE = 3030


class ReportFileError(ValueError):
    """The report cannot be read; the message names the file, the line or path, and the problem."""


@dataclass(frozen=True)
class SushiException:
    code: int
    message: str = ""
    data: str = ""
    severity: str = ""

    def __str__(self) -> str:
        text = f"{self.code} {self.message}".strip()
        return f"{text} ({self.data})" if self.data else text


@dataclass(frozen=True)
class UsageRow:
    """One count: a metric of one title, database or platform, with its attributes, in one month."""

    report_id: str
    month: str  # yyyy-mm
    metric_type: str
    count: int
    title: str = ""  # the Title, Database or Item; the Platform in a platform report
    platform: str = ""
    publisher: str = ""
    identifiers: tuple[tuple[str, str], ...] = ()
    data_type: str = ""
    access_type: str = ""
    access_method: str = ""
    yop: str = ""

    def identifier(self, kind: str) -> str:
        return dict(self.identifiers).get(kind, "")


@dataclass
class UsageReport:
    """What a report says: its header, the rows and the exceptions."""

    source: str
    report_id: str = ""
    release: str = ""
    institution_name: str = ""
    customer_id: str = ""
    begin: str = ""  # yyyy-mm
    end: str = ""
    rows: list[UsageRow] = field(default_factory=list)
    exceptions: list[SushiException] = field(default_factory=list)

    @property
    def months(self) -> list[str]:
        """Every month of the reporting period (from the header, else those with a count)."""
        if self.begin and self.end:
            return months_between(self.begin, self.end)
        return sorted({row.month for row in self.rows})


def month_id(value: date) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def months_between(begin: str, end: str) -> list[str]:
    """``"2022-11", "2023-02"`` → the four months, in order."""
    year, month = int(begin[:4]), int(begin[5:7])
    last = (int(end[:4]), int(end[5:7]))
    found = []
    while (year, month) <= last:
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def parse_month(value: str) -> str | None:
    """``yyyy-mm`` or ``yyyy-mm-dd`` → ``yyyy-mm``; None when it is not one."""
    found = MONTH_ID.match((value or "").strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        return None
    return f"{found.group(1)}-{found.group(2)}"


# --- exceptions -------------------------------------------------------------------------------------------


def _exception(value) -> SushiException | None:
    if not isinstance(value, dict) or "Code" not in value:
        return None
    try:
        code = int(value["Code"])
    except (TypeError, ValueError):
        return None
    data = value.get("Data", "")
    return SushiException(
        code=code,
        message=str(value.get("Message", "") or ""),
        data=data if isinstance(data, str) else json.dumps(data, ensure_ascii=False),
        severity=str(value.get("Severity", "") or ""),
    )


def exceptions_in(payload) -> list[SushiException]:
    """The SUSHI exceptions of a decoded JSON body: an exception, a list of them, an ``Exception`` or
    ``Exceptions`` member, or those of a report's header."""
    found: list[SushiException] = []
    candidates: list = []
    if isinstance(payload, list):
        candidates = payload
    elif isinstance(payload, dict):
        candidates = [payload]
        for key in ("Exception", "Exceptions"):
            value = payload.get(key)
            candidates.extend(value if isinstance(value, list) else [value])
        header = payload.get("Report_Header")
        if isinstance(header, dict):
            value = header.get("Exceptions")
            if isinstance(value, list):
                candidates.extend(value)
    for candidate in candidates:
        exception = _exception(candidate)
        if exception is not None and exception not in found:
            found.append(exception)
    return found


def exceptions_in_text(text: str) -> list[SushiException]:
    """The exceptions of a tabular header's ``Exceptions`` cell: ``3031: Usage Not Ready (2023-01); …``."""
    return [
        SushiException(int(code), message.strip(), (data or "").strip())
        for code, message, data in EXCEPTION_TEXT.findall(text or "")
    ]


# --- any file ---------------------------------------------------------------------------------------------


def read_report(data: bytes, source: str) -> UsageReport:
    """A report from a file's bytes: JSON, Excel (a zip) or tab-separated text, whatever its name says."""
    if data.startswith(b"PK\x03\x04"):
        return read_xlsx(data, source)
    text = _decode(data, source)
    if text.lstrip()[:1] in ("{", "["):
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as error:
            raise ReportFileError(f"{source}, line {error.lineno}: not valid JSON ({error.msg})") from None
        return read_json(payload, source)
    return read_tsv(text, source)


def _decode(data: bytes, source: str) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReportFileError(f"{source}: not a text file (neither UTF-8 nor Windows-1252)")


def _count(value, where: str) -> int:
    if isinstance(value, bool):
        raise ReportFileError(f"{where}: the count {value!r} is not a whole number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        text = str(value).strip().replace(",", "") if value is not None else ""
        if not re.fullmatch(r"\d+", text):
            raise ReportFileError(f"{where}: the count {value!r} is not a whole number")
        number = int(text)
    if number < 0:
        raise ReportFileError(f"{where}: the count {number} is negative")
    return number


# --- JSON -------------------------------------------------------------------------------------------------


def read_json(payload, source: str) -> UsageReport:
    """A decoded COUNTER_SUSHI body: a report (R5 or R5.1), or only exceptions (a list or one)."""
    report = UsageReport(source=source, exceptions=exceptions_in(payload))
    if not isinstance(payload, dict) or "Report_Header" not in payload:
        if report.exceptions:
            return report
        raise ReportFileError(f"{source}: neither a COUNTER report (no Report_Header) nor SUSHI exceptions")
    header = payload["Report_Header"]
    if not isinstance(header, dict):
        raise ReportFileError(f"{source}: Report_Header is not an object")
    report.report_id = str(header.get("Report_ID", "")).upper()
    report.release = str(header.get("Release", ""))
    report.institution_name = str(header.get("Institution_Name", ""))
    report.customer_id = str(header.get("Customer_ID", ""))
    if not report.report_id:
        raise ReportFileError(f"{source}: Report_Header.Report_ID is missing")
    filters = header.get("Report_Filters")
    if isinstance(filters, list):  # R5: [{Name, Value}]
        filters = {f.get("Name"): f.get("Value") for f in filters if isinstance(f, dict)}
    if isinstance(filters, dict):
        report.begin = parse_month(str(filters.get("Begin_Date", ""))) or ""
        report.end = parse_month(str(filters.get("End_Date", ""))) or ""
    items = payload.get("Report_Items", [])
    if items is None:
        items = []
    if not isinstance(items, list):
        raise ReportFileError(f"{source}: Report_Items is not a list")
    r51 = report.release.startswith("5.1") or any(
        isinstance(item, dict) and ("Attribute_Performance" in item or "Items" in item) for item in items
    )
    for index, item in enumerate(items):
        where = f"{source}, Report_Items[{index}]"
        if not isinstance(item, dict):
            raise ReportFileError(f"{where}: not an object")
        if r51:
            report.rows.extend(_r51_rows(report.report_id, item, where))
        else:
            report.rows.extend(_r5_rows(report.report_id, item, where))
    return report


def _r5_identifiers(value, where: str) -> tuple[tuple[str, str], ...]:
    if value in (None, ""):
        return ()
    if not isinstance(value, list):
        raise ReportFileError(f"{where}.Item_ID: a release 5 Item_ID is a list of {{Type, Value}}")
    found = {}
    for entry in value:
        if isinstance(entry, dict) and entry.get("Value"):
            kind = str(entry.get("Type", ""))
            found.setdefault(kind, str(entry["Value"]))
    return tuple((kind, found[kind]) for kind in IDENTIFIERS if kind in found)


def _name(item: dict) -> str:
    for key in ("Title", "Item", "Database", "Platform"):
        if item.get(key):
            return str(item[key])
    return ""


def _r5_rows(report_id: str, item: dict, where: str) -> list[UsageRow]:
    base = {
        "report_id": report_id,
        "title": _name(item),
        "platform": str(item.get("Platform", "")),
        "publisher": str(item.get("Publisher", "")),
        "identifiers": _r5_identifiers(item.get("Item_ID"), where),
        "data_type": str(item.get("Data_Type", "")),
        "access_type": str(item.get("Access_Type", "")),
        "access_method": str(item.get("Access_Method", "")),
        "yop": str(item.get("YOP", "")),
    }
    periods = item.get("Performance", [])
    if not isinstance(periods, list):
        raise ReportFileError(f"{where}.Performance: a release 5 Performance is a list of periods")
    rows = []
    for p, period in enumerate(periods):
        at = f"{where}.Performance[{p}]"
        begin = period.get("Period", {}).get("Begin_Date", "") if isinstance(period, dict) else ""
        month = parse_month(str(begin))
        if month is None:
            raise ReportFileError(f"{at}.Period.Begin_Date: {begin!r} is not a date")
        for i, instance in enumerate(period.get("Instance") or []):
            metric = instance.get("Metric_Type", "") if isinstance(instance, dict) else ""
            if not metric:
                raise ReportFileError(f"{at}.Instance[{i}]: Metric_Type is missing")
            count = _count(instance.get("Count"), f"{at}.Instance[{i}].Count")
            rows.append(UsageRow(month=month, metric_type=str(metric), count=count, **base))
    return rows


def _r51_identifiers(value, where: str) -> tuple[tuple[str, str], ...]:
    if value in (None, ""):
        return ()
    if not isinstance(value, dict):
        raise ReportFileError(f"{where}.Item_ID: a release 5.1 Item_ID is an object")
    found = {}
    for kind, found_value in value.items():
        if isinstance(found_value, list):
            found_value = found_value[0] if found_value else ""
        if found_value:
            found[kind] = str(found_value)
    return tuple((kind, found[kind]) for kind in IDENTIFIERS if kind in found)


def _r51_rows(report_id: str, item: dict, where: str, parent: dict | None = None) -> list[UsageRow]:
    if isinstance(item.get("Items"), list):
        rows = []
        for i, child in enumerate(item["Items"]):
            if not isinstance(child, dict):
                raise ReportFileError(f"{where}.Items[{i}]: not an object")
            rows.extend(_r51_rows(report_id, child, f"{where}.Items[{i}]", parent=item))
        return rows
    parent = parent or {}
    identifiers = _r51_identifiers(item.get("Item_ID"), where) or _r51_identifiers(
        parent.get("Item_ID"), where
    )
    base = {
        "report_id": report_id,
        "title": _name(item) or _name(parent),
        "platform": str(item.get("Platform", "") or parent.get("Platform", "")),
        "publisher": str(item.get("Publisher", "") or parent.get("Publisher", "")),
        "identifiers": identifiers,
    }
    attributes = item.get("Attribute_Performance", [])
    if not isinstance(attributes, list):
        raise ReportFileError(f"{where}.Attribute_Performance: not a list")
    rows = []
    for a, attribute in enumerate(attributes):
        at = f"{where}.Attribute_Performance[{a}]"
        if not isinstance(attribute, dict) or not isinstance(attribute.get("Performance"), dict):
            raise ReportFileError(f"{at}: Performance is missing or not an object")
        shown = {
            "data_type": str(attribute.get("Data_Type", "") or item.get("Data_Type", "")),
            "access_type": str(attribute.get("Access_Type", "")),
            "access_method": str(attribute.get("Access_Method", "")),
            "yop": str(attribute.get("YOP", "")),
        }
        for metric, by_month in attribute["Performance"].items():
            if not isinstance(by_month, dict):
                raise ReportFileError(f"{at}.Performance.{metric}: not an object of months")
            for month_value, count in by_month.items():
                month = parse_month(month_value)
                if month is None:
                    raise ReportFileError(f"{at}.Performance.{metric}: {month_value!r} is not a month")
                rows.append(
                    UsageRow(
                        month=month,
                        metric_type=metric,
                        count=_count(count, f"{at}.Performance.{metric}.{month_value}"),
                        **base,
                        **shown,
                    )
                )
    return rows


# --- tabular ----------------------------------------------------------------------------------------------


def read_tsv(text: str, source: str) -> UsageReport:
    rows = list(csv.reader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))
    return read_tabular(rows, source)


def read_xlsx(data: bytes, source: str) -> UsageReport:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds (zip, XML, key errors)
        raise ReportFileError(f"{source}: not a readable Excel workbook ({error})") from None
    try:
        sheet = workbook.worksheets[0]
        rows = [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    return read_tabular(rows, source)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):  # a month heading typed as a date
        return f"{MONTH_NAMES[value.month - 1].capitalize()}-{value.year:04d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _blank(row: list[str]) -> bool:
    return not any(cell.strip() for cell in row)


def read_tabular(rows: list[list[str]], source: str) -> UsageReport:
    """The header rows down to the first blank row, then the column headings, then the body."""
    report = UsageReport(source=source)
    header: dict[str, str] = {}
    line = 0
    while line < len(rows) and not _blank(rows[line]):
        key = rows[line][0].strip().lstrip("\ufeff")
        header[key] = rows[line][1].strip() if len(rows[line]) > 1 else ""
        line += 1
    if "Report_ID" not in header:
        raise ReportFileError(f"{source}, line 1: not a COUNTER tabular report (no Report_ID header row)")
    report.report_id = header["Report_ID"].upper()
    report.release = header.get("Release", "")
    report.institution_name = header.get("Institution_Name", "")
    report.exceptions = exceptions_in_text(header.get("Exceptions", ""))
    period = dict(
        part.strip().split("=", 1) for part in header.get("Reporting_Period", "").split(";") if "=" in part
    )
    report.begin = parse_month(period.get("Begin_Date", "")) or ""
    report.end = parse_month(period.get("End_Date", "")) or ""
    while line < len(rows) and _blank(rows[line]):
        line += 1
    if line >= len(rows):
        return report  # header only: no usage
    headings = [cell.strip() for cell in rows[line]]
    heading_line = line + 1
    if "Metric_Type" not in headings:
        raise ReportFileError(f"{source}, line {heading_line}: no Metric_Type column in the column headings")
    months: list[tuple[int, str]] = []
    for index, heading in enumerate(headings):
        found = MONTH_COLUMN.match(heading)
        if found:
            name = found.group(1).lower()
            if name not in MONTH_NAMES:
                raise ReportFileError(f"{source}, line {heading_line}: {heading!r} is not a month")
            months.append((index, f"{found.group(2)}-{MONTH_NAMES.index(name) + 1:02d}"))
    if not months:
        raise ReportFileError(f"{source}, line {heading_line}: no month column (Mmm-yyyy)")
    position = {name: index for index, name in enumerate(headings) if name}
    name_column = next((c for c in ("Title", "Item", "Database", "Platform") if c in position), None)

    def value(row: list[str], name: str | None) -> str:
        index = position.get(name) if name else None
        return row[index].strip() if index is not None and index < len(row) else ""

    for offset, row in enumerate(rows[line + 1 :]):
        number = heading_line + 1 + offset
        if _blank(row):
            continue
        metric = value(row, "Metric_Type")
        if not metric:
            raise ReportFileError(f"{source}, line {number}: the Metric_Type is empty")
        identifiers = tuple(
            (kind, value(row, column)) for column, kind in TABULAR_IDENTIFIERS.items() if value(row, column)
        )
        base = {
            "report_id": report.report_id,
            "title": value(row, name_column),
            "platform": value(row, "Platform"),
            "publisher": value(row, "Publisher"),
            "identifiers": identifiers,
            "data_type": value(row, "Data_Type"),
            "access_type": value(row, "Access_Type"),
            "access_method": value(row, "Access_Method"),
            "yop": value(row, "YOP"),
        }
        for index, month in months:
            cell = row[index].strip() if index < len(row) else ""
            if cell == "":
                continue
            count = _count(cell, f"{source}, line {number}, column {headings[index]}")
            report.rows.append(UsageRow(month=month, metric_type=metric, count=count, **base))
    return report
