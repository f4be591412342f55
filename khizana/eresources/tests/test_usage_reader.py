"""The COUNTER report reader (pure): the Code of Practice's samples of ../shared/data (R5.1 JSON of every
report, TSV, Excel; the COUNTER validator's R5 JSON and TSV) with exact numbers, the demo files, the SUSHI
exceptions wherever a server puts them, and clear errors."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from khizana.eresources.usage.reader import (
    ReportFileError,
    exceptions_in,
    exceptions_in_text,
    read_json,
    read_report,
)
from khizana.testing import DEMO, shared_data_dir

COUNTER_DEMO = DEMO / "eresources" / "counter"


def _samples() -> Path:
    base = shared_data_dir()
    folder = base / "digital" / "standards" / "counter" if base else None
    if folder is None or not folder.is_dir():
        pytest.skip("the COUNTER samples are in ../shared/data (absent)")
    return folder


def _totals(report) -> dict[str, int]:
    found: Counter = Counter()
    for row in report.rows:
        found[row.metric_type] += row.count
    return dict(found)


def _read(path: Path):
    return read_report(path.read_bytes(), path.name)


TR_TOTALS = {
    "Limit_Exceeded": 13304,
    "No_License": 12843,
    "Total_Item_Investigations": 425035,
    "Total_Item_Requests": 255023,
    "Unique_Item_Investigations": 318478,
    "Unique_Item_Requests": 193175,
    "Unique_Title_Investigations": 30361,
    "Unique_Title_Requests": 23444,
}


@pytest.mark.parametrize(
    "name", ["cop5_TR_sample_r51.json", "cop5_TR_sample_r51.tsv", "cop5_TR_sample_r51.xlsx"]
)
def test_r51_title_report_reads_the_same_in_json_tsv_and_excel(name):
    report = _read(_samples() / name)
    assert (report.report_id, report.release) == ("TR", "5.1")
    assert (report.begin, report.end) == ("2022-01", "2022-12")
    assert report.institution_name == "Sample Institution"
    assert len(report.rows) == 1872
    assert _totals(report) == TR_TOTALS
    first = next(
        r
        for r in report.rows
        if r.title == "Title 1" and r.metric_type == "Total_Item_Requests" and r.month == "2022-01"
    )
    assert first.count == 662
    assert first.identifier("DOI") == "10.9999/xxxxt01"
    assert first.identifier("ISBN") == "979-8-88888-888-8"
    assert first.identifier("Proprietary") == "P1:T01"
    assert (first.data_type, first.yop, first.access_type, first.access_method) == (
        "Book",
        "2022",
        "Controlled",
        "Regular",
    )
    assert first.platform == "Platform 1" and first.publisher == "Sample Publisher"


def test_r51_database_platform_and_item_reports():
    folder = _samples()
    dr = _read(folder / "cop5_DR_sample_r51.json")
    assert dr.report_id == "DR"
    totals = _totals(dr)
    assert totals["Searches_Regular"] == 572319
    assert totals["Unique_Item_Requests"] == 209717
    assert {r.title for r in dr.rows} >= {"Database 1"}
    pr = _read(folder / "cop5_PR_sample_r51.json")
    assert _totals(pr)["Searches_Platform"] == 392072
    assert {r.title for r in pr.rows} == {r.platform for r in pr.rows}
    ir = _read(folder / "cop5_IR_sample_r51.json")  # items nested under their parent
    assert len(ir.rows) == 3120 and _totals(ir)["Total_Item_Requests"] == 512553
    assert "Item 3" in {r.title for r in ir.rows}
    assert _totals(_read(folder / "cop5_TRJ1_sample_r51.json")) == {
        "Total_Item_Requests": 8844,
        "Unique_Item_Requests": 3792,
    }


@pytest.mark.parametrize("name", ["countervalidator_50-Sample-TR.json", "countervalidator_50-Sample-TR.tsv"])
def test_r5_title_report_json_and_tsv(name):
    report = _read(_samples() / name)
    assert (report.report_id, report.release, report.begin, report.end) == ("TR", "5", "2016-01", "2016-03")
    assert _totals(report) == {
        "Limit_Exceeded": 1,
        "No_License": 6,
        "Total_Item_Investigations": 83,
        "Total_Item_Requests": 53,
        "Unique_Item_Investigations": 58,
        "Unique_Item_Requests": 50,
        "Unique_Title_Investigations": 5,
        "Unique_Title_Requests": 5,
    }
    book = [r for r in report.rows if r.title == "Book 1715" and r.month == "2016-03" and r.count]
    assert {r.identifier("ISBN") for r in book} == {"978-0-300-94426-6"}
    assert {r.identifier("Proprietary") for r in book} == {"ppdelta:1715"}


def test_demo_files_r5_and_r51():
    r5 = _read(COUNTER_DEMO / "tr_r5_demo.json")
    assert (r5.release, r5.customer_id, r5.months) == ("5", "RABAT", ["2024-11", "2024-12"])
    assert _totals(r5) == {
        "Total_Item_Investigations": 45,
        "Total_Item_Requests": 29,
        "Unique_Item_Requests": 21,
    }
    assert r5.rows[0].identifier("Print_ISSN") == "1234-5679"
    r51 = _read(COUNTER_DEMO / "tr_r51_demo.json")
    assert r51.release == "5.1"
    assert _totals(r51) == {
        "Total_Item_Investigations": 74,
        "Total_Item_Requests": 61,
        "Unique_Item_Requests": 41,
    }
    assert {r.access_type for r in r51.rows} == {"Controlled", "Open"}
    dr = _read(COUNTER_DEMO / "dr_r51_demo.tsv")
    assert (dr.report_id, dr.rows[0].title) == ("DR", "Demo Database")
    assert _totals(dr)["Searches_Regular"] == 150
    pr = _read(COUNTER_DEMO / "pr_r51_demo.xlsx")
    assert pr.report_id == "PR" and _totals(pr) == {
        "Searches_Platform": 180,
        "Total_Item_Requests": 61,
        "Unique_Item_Requests": 41,
    }


def test_exceptions_in_every_place_a_server_puts_them():
    one = {"Code": 3031, "Severity": "Warning", "Message": "Usage Not Ready for Requested Dates", "Data": "x"}
    assert [e.code for e in exceptions_in(one)] == [3031]
    assert [e.code for e in exceptions_in([one, {"Code": 3030, "Message": "No Usage"}])] == [3031, 3030]
    assert [e.code for e in exceptions_in({"Exception": {"Code": 2020, "Message": "APIKey Invalid"}})] == [
        2020
    ]
    report = {"Report_Header": {"Report_ID": "TR", "Release": "5.1", "Exceptions": [one]}, "Report_Items": []}
    parsed = read_json(report, "answer")
    assert [e.code for e in parsed.exceptions] == [3031] and parsed.rows == []
    assert str(parsed.exceptions[0]) == "3031 Usage Not Ready for Requested Dates (x)"
    # a body that is only exceptions (an HTTP 401 body, say) reads as no report
    only = read_json([{"Code": 2000, "Message": "Requestor Not Authorized to Access Service"}], "401 body")
    assert only.report_id == "" and only.exceptions[0].code == 2000
    text = "3031: Usage Not Ready for Requested Dates (2023-01); 3040: Partial Data Returned"
    assert [(e.code, e.data) for e in exceptions_in_text(text)] == [(3031, "2023-01"), (3040, "")]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b'{"Report_Header": {"Report_ID": "TR"', "t.json, line 1: not valid JSON"),
        (b'{"hello": 1}', "t.json: neither a COUNTER report"),
        (b"hello\tworld\n", "t.json, line 1: not a COUNTER tabular report"),
        (
            b'{"Report_Header": {"Report_ID": "TR", "Release": "5.1"}, "Report_Items": [{"Title": "A", '
            b'"Attribute_Performance": [{"Performance": {"Total_Item_Requests": {"2022-01": "many"}}}]}]}',
            "t.json, Report_Items[0].Attribute_Performance[0].Performance.Total_Item_Requests.2022-01: "
            "the count 'many' is not a whole number",
        ),
        (
            b'{"Report_Header": {"Report_ID": "TR", "Release": "5.1"}, "Report_Items": [{"Title": "A", '
            b'"Attribute_Performance": [{"Performance": {"Total_Item_Requests": {"January": 3}}}]}]}',
            "'January' is not a month",
        ),
        (
            b"Report_Name\tTR\nReport_ID\tTR\n\nTitle\tMetric_Type\tJan-2022\nA\tTotal_Item_Requests\t-4\n",
            "t.json, line 5, column Jan-2022: the count '-4' is not a whole number",
        ),
        (b"Report_ID\tTR\n\nTitle\tJan-2022\nA\t4\n", "t.json, line 3: no Metric_Type column"),
    ],
)
def test_bad_files_say_where_and_what(data, problem):
    with pytest.raises(ReportFileError) as caught:
        read_report(data, "t.json")
    assert problem in str(caught.value)


def test_r5_performance_that_is_not_a_list_is_refused():
    body = {
        "Report_Header": {"Report_ID": "TR", "Release": "5"},
        "Report_Items": [{"Title": "A", "Performance": {}}],
    }
    with pytest.raises(ReportFileError, match=r"Report_Items\[0\]\.Performance"):
        read_report(json.dumps(body).encode(), "r5.json")
