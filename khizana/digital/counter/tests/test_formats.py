"""The tabular TSV and Excel forms, compared with the Code of Practice's own sample report."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from khizana.digital.counter.formats import to_tsv, to_xlsx
from khizana.digital.counter.metrics import Usage, counted
from khizana.digital.counter.reports import Entry, Request, build_report, tabular_rows
from khizana.testing import shared_data_dir


def _sample(name: str):
    base = shared_data_dir()
    path = base / "digital" / "standards" / "counter" / name if base else None
    if path is None or not path.is_file():
        pytest.skip(f"{name} not found in ../shared/data (needs the shared data)")
    return path


@pytest.mark.shared_data
def test_tabular_form_of_the_sample_json_is_the_sample_tsv():
    report = json.loads(_sample("cop5_TR_sample_r51.json").read_text(encoding="utf-8"))
    expected = [
        line.split("\t")
        for line in _sample("cop5_TR_sample_r51.tsv").read_text(encoding="utf-8-sig").splitlines()
    ]
    ours = [[str(v) for v in row] for row in tabular_rows(report)]
    # the sample's header rows carry empty cells up to the width of the table; compare the cells written
    trimmed = [row[: len(ours[i])] if i < 14 else row for i, row in enumerate(expected)]
    assert [row[:2] for row in ours[:13]] == [row[:2] for row in trimmed[:13]]
    assert ours[14] == expected[14]  # column headings
    assert len(ours) == len(expected)
    assert ours[15:] == expected[15:]


def _small_report():
    rows = [
        Usage(
            at=datetime(2026, 3, 2, 9),
            user="u1",
            item=1,
            title=10,
            action="read",
            is_request=True,
            user_agent="Mozilla/5.0 Firefox/128.0",
        )
    ]
    titles = {10: Entry("كتاب العبر", "Bulaq", "1858", {"Proprietary": "Khizana:work-10"})}
    request = Request(
        report="tr",
        begin=date(2026, 2, 1),
        end=date(2026, 3, 31),
        months=["2026-02", "2026-03"],
        attributes=["YOP", "Access_Type", "Access_Method"],
    )
    return build_report(
        counted(rows),
        request,
        titles,
        {},
        institution_name="Bibliothèque X",
        institution_id={"Proprietary": ["Khizana:X"]},
        created="2026-04-01T00:00:00Z",
        created_by="Khizana",
    )


def test_tsv_and_excel_hold_the_same_rows():
    report = _small_report()
    tsv = to_tsv(report)
    lines = tsv.split("\r\n")
    assert lines[0] == "Report_Name\tTitle Report"
    assert lines[7] == "Report_Attributes\tAttributes_To_Show=YOP|Access_Type|Access_Method"
    assert lines[9] == "Reporting_Period\tBegin_Date=2026-02-01; End_Date=2026-03-31"
    assert lines[13] == ""
    assert lines[14].split("\t")[-4:] == ["Metric_Type", "Reporting_Period_Total", "Feb-2026", "Mar-2026"]
    body = [line.split("\t") for line in lines[15:] if line]
    requests = next(row for row in body if row[-4] == "Total_Item_Requests")
    assert requests[0] == "كتاب العبر" and requests[-3:] == ["1", "0", "1"]
    sheet = load_workbook(io.BytesIO(to_xlsx(report))).active
    assert sheet.title == "TR"

    def trimmed(row):
        values = ["" if c is None else str(c) for c in row]
        while values and values[-1] == "":
            values.pop()
        return values

    ours = [trimmed(row) for row in tabular_rows(report)]
    assert [trimmed(row) for row in sheet.iter_rows(values_only=True)] == ours
    assert sheet.cell(row=16, column=len(ours[15])).value == 1  # numbers are numbers in Excel
