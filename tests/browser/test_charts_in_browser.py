"""The charts in a real browser: the staff home's chart (khizana/core/charts.py) is drawn by Chart.js from
its JSON block under the Content-Security-Policy (no refusal), paints the canvas, reads from the right in
Arabic, keeps its table beside it, and the page passes axe-core."""

import re

import pytest

from tests.support import REPO

from .conftest import axe_violations, watch_csp

PASSWORD = "Khizana-charts-2026!"
USERNAME = "charts-admin"
CHART_JS = REPO / "khizana" / "web" / "static" / "web" / "vendor" / "chartjs" / "chart.umd.min.js"

pytestmark = pytest.mark.skipif(not CHART_JS.exists(), reason="Chart.js is not copied: run `make vendor`")


@pytest.fixture(scope="module")
def admin(site):
    site.env["KHIZANA_STAFF_PASSWORD"] = PASSWORD
    try:
        site.khizana("create-staff", USERNAME, "--role", "network_admin")
    finally:
        del site.env["KHIZANA_STAFF_PASSWORD"]
    return USERNAME


def signed_in_page(page_in, site, language: str):
    page = page_in(language)
    page.goto(site.base_url + "/account/login/")
    page.locator("#id_username").fill(USERNAME)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/account/$"))
    return page


DRAWN = """() => {
    const canvas = document.querySelector("canvas[data-chart-config]");
    const chart = window.Chart && Chart.getChart(canvas);
    if (!chart) return null;
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
    return {type: chart.config.type, labels: chart.data.labels.length, values: chart.data.datasets[0].data,
            reverse: chart.options.scales.x.reverse, painted: painted, width: canvas.width,
            label: canvas.getAttribute("aria-label")};
}"""


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_the_staff_home_chart_is_drawn_by_chart_js(page_in, site, admin, language):
    page = signed_in_page(page_in, site, language)
    refusals = watch_csp(page)
    page.goto(site.base_url + "/staff/")
    page.wait_for_function(DRAWN)
    drawn = page.evaluate(DRAWN)
    assert drawn["type"] == "bar" and drawn["labels"] == 24 and len(drawn["values"]) == 24
    assert drawn["width"] > 200 and drawn["painted"] > 1000  # axes, ticks and bars on the canvas
    assert drawn["reverse"] is (language == "ar")  # Arabic reads the months from the right
    counts = page.locator("table.chart-data tbody td").all_inner_texts()
    assert len(counts) == 24  # the table beside it, with the same figures
    assert [int(re.sub(r"\D", "", count) or 0) for count in counts] == drawn["values"]
    assert drawn["label"].count(":") >= 24  # the canvas's text names every month with its value
    assert refusals == []
    assert axe_violations(page) == []


def test_the_offline_report_page_draws_its_chart_from_disk(browser, tmp_path):
    """anomalies.html (the affiliations report): Chart.js written into it, opened from a file, no network."""
    from khizana.core.charts import Bar, horizontal_bar_chart, standalone_page

    drawer = REPO / "khizana" / "web" / "static" / "web" / "khizana-charts.js"
    chart = horizontal_bar_chart(
        [Bar("institution not found", 14.3), Bar("no country", 0)], title="Shares", top=100
    )
    page_file = tmp_path / "anomalies.html"
    scripts = [CHART_JS.read_text(encoding="utf-8"), drawer.read_text(encoding="utf-8")]
    page_file.write_text(standalone_page([chart], title="Report", scripts=scripts), encoding="utf-8")
    context = browser.new_context(offline=True)
    try:
        page = context.new_page()
        page.goto(page_file.as_uri())
        page.wait_for_function(DRAWN)
        drawn = page.evaluate(DRAWN)
        assert drawn["values"] == [14.3, 0] and drawn["painted"] > 1000
        assert axe_violations(page) == []
    finally:
        context.close()
