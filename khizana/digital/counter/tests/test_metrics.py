"""Exact COUNTER counts on crafted event sequences (pure: no database)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from khizana.digital.counter.metrics import RobotFilter, Usage, counted, load_robot_patterns, measure
from khizana.digital.counter.reports import Entry, Request, build_report

T0 = datetime(2026, 3, 10, 9, 0, 0)
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def usage(seconds=0, user="u1", item=1, title=10, action="read", request=True, **extra):
    return Usage(
        at=T0 + timedelta(seconds=seconds),
        user=user,
        item=item,
        title=title,
        action=action,
        is_request=request,
        user_agent=extra.pop("user_agent", BROWSER),
        **extra,
    )


def totals(rows):
    measured = measure(counted(rows), lambda r: "all")
    return {metric: sum(months.values()) for metric, months in measured.get("all", {}).items()}


@pytest.mark.parametrize(("gap", "expected"), [(29, 1), (30, 1), (31, 2)])
def test_double_click_rule_at_29_30_31_seconds(gap, expected):
    assert totals([usage(0), usage(gap)])["Total_Item_Requests"] == expected


def test_a_chain_of_quick_clicks_is_one_and_the_later_click_is_kept():
    rows = counted([usage(0), usage(20), usage(40), usage(60)])  # each within 30 s of the previous
    assert [r.at for r in rows] == [T0 + timedelta(seconds=60)]


def test_double_click_is_per_user_item_and_action():
    rows = [
        usage(0),
        usage(5, user="u2"),
        usage(6, item=2),
        usage(7, action="download"),
        usage(8, action="view", request=False),
    ]
    assert totals(rows)["Total_Item_Investigations"] == 5


def test_unique_item_and_unique_title_within_a_session():
    # one user reads two items (volumes) of the same title in one hour, each twice (a minute apart)
    rows = [usage(0, item=1), usage(60, item=1), usage(120, item=2), usage(180, item=2)]
    counts = totals(rows)
    assert counts["Total_Item_Requests"] == 4
    assert counts["Unique_Item_Requests"] == 2
    assert counts["Unique_Title_Requests"] == 1
    assert counts["Total_Item_Investigations"] == 4  # a request is an investigation too
    assert counts["Unique_Item_Investigations"] == 2
    assert counts["Unique_Title_Investigations"] == 1


def test_two_sessions_an_hour_apart_and_two_users():
    # same user at 09:59 and 10:01: two sessions (user + date + hour); another user: a third
    rows = [usage(59 * 60), usage(61 * 60), usage(0, user="u2")]
    counts = totals(rows)
    assert counts["Unique_Item_Requests"] == 3
    assert counts["Unique_Title_Requests"] == 3


def test_investigation_only_has_no_request_metrics():
    counts = totals([usage(0, action="view", request=False)])
    assert counts == {
        "Total_Item_Investigations": 1,
        "Unique_Item_Investigations": 1,
        "Unique_Title_Investigations": 1,
    }


def test_robots_are_left_out_by_the_counter_list():
    robots = RobotFilter()
    assert robots("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
    assert robots("python-requests/2.31.0") is robots("python-requests/2.31.0")
    assert robots("")  # COUNTER's ^.?$: an empty user agent is a robot
    assert not robots(BROWSER)
    assert not robots(None)  # recorded before user agents were kept
    rows = [usage(0), usage(100, user="crawler", user_agent="Mozilla/5.0 (compatible; bingbot/2.0)")]
    assert totals(rows)["Total_Item_Requests"] == 1


def test_the_shipped_robots_list_is_the_counter_list():
    patterns = load_robot_patterns()
    assert len(patterns) > 300
    assert "bot" in patterns and "spider" in patterns and "crawl" in patterns


def test_months_are_counted_apart():
    rows = [
        usage(0),
        usage(0, user="u2").__class__(
            at=datetime(2026, 4, 2, 8),
            user="u2",
            item=1,
            title=10,
            action="read",
            is_request=True,
            user_agent=BROWSER,
        ),
    ]
    measured = measure(counted(rows), lambda r: "all")["all"]
    assert measured["Total_Item_Requests"] == {"2026-03": 1, "2026-04": 1}


def _report(path, rows, **extra):
    titles = {
        10: Entry("Kitab al-Ibar", "BNRM", "1858", {"Proprietary": "Khizana:work-10"}),
        20: Entry("Les Misérables", "BnF", "1862", {"Proprietary": "Khizana:work-20"}),
    }
    items = {
        1: Entry("Kitab al-Ibar (vol. 1)", "BNRM", "1858", {"Proprietary": "Khizana:item-1"}),
        2: Entry("Kitab al-Ibar (vol. 2)", "BNRM", "1858", {"Proprietary": "Khizana:item-2"}),
        3: Entry("Les Misérables", "BnF", "1862", {"Proprietary": "Khizana:item-3"}),
    }
    request = Request(report=path, begin=date(2026, 3, 1), end=date(2026, 3, 31), months=["2026-03"], **extra)
    return build_report(
        counted(rows),
        request,
        titles,
        items,
        institution_name="Bibliothèque X",
        institution_id={"Proprietary": ["Khizana:X"]},
        created="2026-04-01T00:00:00Z",
        created_by="Khizana",
    )


SEQUENCE = [
    usage(0, item=1),
    usage(120, item=2),
    usage(180, item=1, action="view", request=False),
    usage(0, user="u2", item=3, title=20, access_type="Open"),
    usage(0, user="u3", item=3, title=20, access_type="Open", action="view", request=False),
]


def test_title_report_per_title_and_access_type():
    report = _report("tr", SEQUENCE, attributes=["YOP", "Access_Type", "Access_Method"])
    by_title = {i["Title"]: i["Attribute_Performance"] for i in report["Report_Items"]}
    ibar = by_title["Kitab al-Ibar"][0]
    assert (
        ibar["Access_Type"] == "Controlled" and ibar["YOP"] == "1858" and ibar["Access_Method"] == "Regular"
    )
    assert ibar["Performance"]["Total_Item_Requests"] == {"2026-03": 2}
    assert ibar["Performance"]["Unique_Item_Requests"] == {"2026-03": 2}
    assert ibar["Performance"]["Unique_Title_Requests"] == {"2026-03": 1}
    assert ibar["Performance"]["Total_Item_Investigations"] == {"2026-03": 3}
    assert ibar["Performance"]["Unique_Item_Investigations"] == {"2026-03": 2}
    misérables = by_title["Les Misérables"][0]
    assert misérables["Access_Type"] == "Open"
    assert misérables["Performance"]["Unique_Title_Investigations"] == {"2026-03": 2}
    assert misérables["Performance"]["Unique_Title_Requests"] == {"2026-03": 1}


def test_standard_views_fix_their_filters():
    b1 = _report("tr_b1", SEQUENCE)
    assert [i["Title"] for i in b1["Report_Items"]] == ["Kitab al-Ibar"]  # Controlled only
    assert set(b1["Report_Items"][0]["Attribute_Performance"][0]["Performance"]) == {
        "Total_Item_Requests",
        "Unique_Title_Requests",
    }
    assert b1["Report_Header"]["Report_Filters"]["Access_Type"] == ["Controlled"]
    b3 = _report("tr_b3", SEQUENCE)
    assert {a["Access_Type"] for i in b3["Report_Items"] for a in i["Attribute_Performance"]} == {
        "Controlled",
        "Open",
    }
    p1 = _report("pr_p1", SEQUENCE)
    performance = p1["Report_Items"][0]["Attribute_Performance"][0]["Performance"]
    assert performance == {
        "Total_Item_Requests": {"2026-03": 3},
        "Unique_Item_Requests": {"2026-03": 3},
        "Unique_Title_Requests": {"2026-03": 2},
    }


def test_platform_and_item_reports():
    pr = _report("pr", SEQUENCE)
    performance = pr["Report_Items"][0]["Attribute_Performance"][0]["Performance"]
    assert performance["Total_Item_Investigations"] == {"2026-03": 5}
    assert performance["Unique_Title_Investigations"] == {"2026-03": 3}
    ir = _report("ir", SEQUENCE, metric_types=["Total_Item_Requests", "Unique_Item_Requests"])
    (group,) = ir["Report_Items"]
    by_item = {i["Item"]: i["Attribute_Performance"][0]["Performance"] for i in group["Items"]}
    assert by_item["Les Misérables"] == {
        "Total_Item_Requests": {"2026-03": 1},
        "Unique_Item_Requests": {"2026-03": 1},
    }
    assert set(by_item) == {"Kitab al-Ibar (vol. 1)", "Kitab al-Ibar (vol. 2)", "Les Misérables"}


def test_access_type_and_yop_filters():
    report = _report("tr", SEQUENCE, access_types=["Open"])
    assert [i["Title"] for i in report["Report_Items"]] == ["Les Misérables"]
    report = _report("tr", SEQUENCE, yops=[(1850, 1860)])
    assert [i["Title"] for i in report["Report_Items"]] == ["Kitab al-Ibar"]
