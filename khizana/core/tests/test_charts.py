"""The one chart builder (khizana/core/charts.py): exact Chart.js configurations, the canvas's text, the
markup a Content-Security-Policy without inline scripts allows, and the page that opens offline."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from lxml import html as lxml_html

from khizana.core.charts import (
    SERIES_COLOURS,
    Bar,
    Group,
    column_chart,
    data_table,
    grouped_column_chart,
    horizontal_bar_chart,
    line_chart,
    standalone_page,
)


def config_in(markup: str) -> dict:
    """The configuration as a browser reads it: the text of the JSON block."""
    block = lxml_html.fragment_fromstring(markup).xpath("//script[@type='application/json']")[0]
    return json.loads(block.text)


def canvas_label(markup: str) -> str:
    return unescape(re.search(r'<canvas [^>]*aria-label="([^"]*)"', markup).group(1))


def test_a_column_chart_is_its_bars_exactly():
    chart = column_chart(
        [Bar("janvier 2026", 3, "01", "2026"), Bar("février 2026", 7, "02", "2026"), Bar("mars", 0, "03")],
        title="Notices ajoutées",
        chart_id="c1",
        series_name="Notices",
        value_title="notices",
        language="fr",
    )
    config = chart.config
    assert config["type"] == "bar"
    assert config["data"]["labels"] == ["janvier 2026", "février 2026", "mars"]
    assert config["data"]["datasets"] == [
        {"label": "Notices", "data": [3, 7, 0], "borderColor": "#1f5f8b", "backgroundColor": "#1f5f8b"}
    ]
    options = config["options"]
    assert options["locale"] == "fr-u-nu-latn" and "indexAxis" not in options
    assert options["scales"]["y"] == {
        "beginAtZero": True,
        "ticks": {"precision": 0},  # counts: no 2.5 on the axis
        "title": {"display": True, "text": "notices"},
        "position": "left",
    }
    assert options["scales"]["x"] == {"grid": {"display": False}, "reverse": False}
    assert options["plugins"]["legend"]["display"] is False  # one series: the title says it
    # the year under the first month of the year only; the values as the page writes them
    assert options["plugins"]["khizana"] == {
        "ticks": [["01", "2026"], "02", "03"],
        "texts": [["3", "7", "0"]],
    }
    assert chart.label == "Notices ajoutées: janvier 2026: 3; février 2026: 7; mars: 0"
    assert chart.rows == (("janvier 2026", ("3",)), ("février 2026", ("7",)), ("mars", ("0",)))


def test_the_markup_is_a_figure_a_canvas_and_data_no_browser_runs():
    chart = column_chart(
        [Bar('</script><script>alert("x")</script>', 2.5), Bar("a & b", 1)],
        title="T <b>",
        chart_id="c2",
        number=lambda value: f"{value:.1f} %",
    )
    markup = str(chart)
    assert markup == chart.__html__() and markup.__html__() == markup  # printed as it is by templates
    assert markup.startswith('<figure class="chart-figure" id="c2"><div class="chart-canvas">')
    assert '<canvas id="c2-canvas" role="img" aria-label="' in markup
    assert 'data-chart-config="c2-config"' in markup
    assert '<script type="application/json" id="c2-config">' in markup
    # one <script> only, the data block, which no label can end or escape from
    assert markup.count("<script") == 1 and markup.count("</script>") == 1
    assert "<b>" not in markup and "style=" not in markup
    assert "\\u003c/script\\u003e" in markup and "a \\u0026 b" in markup
    assert config_in(markup) == chart.config  # the browser reads back exactly the configuration
    assert canvas_label(markup) == 'T <b>: </script><script>alert("x")</script>: 2.5 %; a & b: 1.0 %'
    assert chart.config["data"]["datasets"][0]["data"] == [2.5, 1]
    assert chart.config["options"]["scales"]["y"]["ticks"] == {}  # not whole numbers: Chart.js's ticks


def test_a_grouped_chart_has_a_dataset_per_series_and_a_legend():
    chart = grouped_column_chart(
        [Group("Report <1>", (50.0, 25.0), "#1"), Group("2022", (100.0, 130.0), "2022")],
        ["before", "after & now"],
        title="Share <%>",
        description="per report",
        chart_id="g1",
        number=lambda value: f"{value:.1f} %",
        top=100,
    )
    datasets = chart.config["data"]["datasets"]
    assert [d["label"] for d in datasets] == ["before", "after & now"]
    assert [d["data"] for d in datasets] == [[50, 100], [25, 130]]
    assert [d["backgroundColor"] for d in datasets] == list(SERIES_COLOURS[:2])
    assert chart.config["options"]["scales"]["y"]["max"] == 100  # 130 % stops at the top
    assert chart.config["options"]["plugins"]["legend"]["display"] is True
    assert chart.config["options"]["plugins"]["khizana"]["ticks"] == ["#1", "2022"]
    assert chart.label == (
        "Share <%>. per report: Report <1>: before 50.0 %, after & now 25.0 %; "
        "2022: before 100.0 %, after & now 130.0 %"
    )
    with pytest.raises(ValueError, match="“x” has 1 values for 2 series"):
        grouped_column_chart([Group("x", (1.0,))], ["a", "b"], title="t")
    with pytest.raises(ValueError, match="between 1 and 6 series, not 0"):
        grouped_column_chart([], [], title="t")
    with pytest.raises(ValueError, match="t: nan is not a finite number"):
        grouped_column_chart([Group("x", (float("nan"),))], ["a"], title="t")
    empty = grouped_column_chart([], ["a"], title="Empty")
    assert empty.label == "Empty" and empty.config["data"] == {
        "labels": [],
        "datasets": [{"label": "a", "data": [], "borderColor": "#1f5f8b", "backgroundColor": "#1f5f8b"}],
    }


def test_a_line_chart_has_a_line_per_series_told_apart_by_shape_too():
    months = [Group(f"2026-{m:02d}", (m, 10 - m, 2), f"{m:02d}", "2026") for m in (1, 2, 3)]
    chart = line_chart(months, ["views", "downloads", "loans"], title="Use", chart_id="l1")
    assert chart.config["type"] == "line"
    datasets = chart.config["data"]["datasets"]
    assert [d["data"] for d in datasets] == [[1, 2, 3], [9, 8, 7], [2, 2, 2]]
    assert [d["pointStyle"] for d in datasets] == ["circle", "rect", "triangle"]
    assert [d["borderColor"] for d in datasets] == list(SERIES_COLOURS[:3])
    assert chart.config["options"]["plugins"]["khizana"]["ticks"] == [["01", "2026"], "02", "03"]
    assert chart.label.startswith("Use: 2026-01: views 1, downloads 9, loans 2; 2026-02: views 2")
    with pytest.raises(ValueError, match="between 1 and 6 series, not 7"):
        line_chart([], [str(n) for n in range(7)], title="t")


def test_right_to_left_pages_read_the_chart_from_the_right():
    bars = [Bar("يناير", 4), Bar("فبراير", 5)]
    options = column_chart(bars, title="الطلبات", language="ar", rtl=True).config["options"]
    assert options["locale"] == "ar-u-nu-latn"  # the digits of the tables beside
    assert options["scales"]["x"]["reverse"] is True and options["scales"]["y"]["position"] == "right"
    assert (
        options["plugins"]["legend"]["rtl"] is True and options["plugins"]["legend"]["textDirection"] == "rtl"
    )
    assert options["plugins"]["tooltip"] == {"rtl": True, "textDirection": "rtl"}
    left_to_right = column_chart(bars, title="x").config["options"]
    assert left_to_right["scales"]["x"]["reverse"] is False
    assert left_to_right["plugins"]["tooltip"] == {"rtl": False, "textDirection": "ltr"}
    lying = horizontal_bar_chart(bars, title="x", top=100, rtl=True).config["options"]
    assert lying["indexAxis"] == "y"
    assert lying["scales"]["y"]["position"] == "right" and lying["scales"]["x"]["reverse"] is True
    assert lying["scales"]["x"]["max"] == 100


def test_the_offline_page_holds_the_charts_their_tables_and_the_scripts():
    chart = column_chart([Bar("a <1>", 1), Bar("b", 2)], title="Shares", chart_id="s1")
    table = data_table(chart)
    assert table == (
        '<table class="chart-data"><caption>Shares</caption><thead><tr><td></td><th scope="col">Shares</th>'
        '</tr></thead><tbody><tr><th scope="row">a &lt;1&gt;</th><td>1</td></tr>'
        '<tr><th scope="row">b</th><td>2</td></tr></tbody></table>'
    )
    page = standalone_page(
        [chart], title="Report", scripts=["var a = '</script>';", "draw();"], language="ar", rtl=True
    )
    assert page.startswith('<!DOCTYPE html>\n<html lang="ar" dir="rtl">')
    assert str(chart) in page and table in page
    assert "<script>var a = '<\\/script>';</script>\n<script>draw();</script>" in page
    tree = lxml_html.document_fromstring(page)
    assert [s.get("type") for s in tree.xpath("//script")] == ["application/json", None, None]
    assert "https://" not in page and "src=" not in page  # nothing to fetch: it opens offline
