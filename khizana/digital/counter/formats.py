"""A COUNTER report as tabular TSV or Excel, laid out as the Code of Practice does (pure: no Django)."""

from __future__ import annotations

import io

from openpyxl import Workbook

from .reports import tabular_rows


def _cell(value) -> str:
    return str(value).replace("\t", " ").replace("\r", " ").replace("\n", " ")


def to_tsv(report: dict) -> str:
    """Tab-separated values, UTF-8 text, one line per row (the blank row after the header included)."""
    return "".join("\t".join(_cell(v) for v in row) + "\r\n" for row in tabular_rows(report))


def to_xlsx(report: dict) -> bytes:
    """An Excel workbook with one sheet named after the report, the same rows as the TSV."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = report["Report_Header"]["Report_ID"]
    for row in tabular_rows(report):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
