"""Every chart of Khizana, as a Chart.js configuration built on the server (no Django import).

:func:`column_chart` makes one vertical bar per value, :func:`horizontal_bar_chart` the same lying
down (long labels), :func:`grouped_column_chart` a group of bars per label, one per series (before and
after, this year and last), and :func:`line_chart` one line per series (trends over months). Each
returns a :class:`Chart`: its Chart.js configuration (``config``, a JSON-ready dict: type, labels,
datasets, axis titles, colours from :data:`SERIES_COLOURS`, locale and direction), the text that names
it with every label and its value (``label``) and its markup (``str(chart)``, safe in a template):

- a ``<figure>`` holding a ``<canvas role="img" aria-label="title: every label with its value">``;
- the configuration in a ``<script type="application/json">`` block, which browsers do not run: the
  Content-Security-Policy without inline scripts allows it (``<``, ``>`` and ``&`` are written as
  ``\\u003c``… so no ``</script>`` in a label can end it).

The static file ``web/khizana-charts.js``, loaded after Chart.js (``web/vendor/chartjs/``, copied from
npm by ``make vendor``) by the template include ``charts/scripts.html``, finds those blocks and draws
them. The page shows the same figures in a table beside each chart (the callers' job): without
JavaScript the table is what there is. :func:`standalone_page` writes charts, with their tables and
the scripts inlined, as one HTML file that opens offline. The numbers in texts are the caller's,
formatted for the reader's language by ``number``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

# The static files that draw the charts (the template include charts/scripts.html loads both).
CHART_JS = "web/vendor/chartjs/chart.umd.min.js"
CHART_DRAWER = "web/khizana-charts.js"

# Colours that stay apart for the common colour blindnesses and stand out from a white page at 3:1 or
# more (WCAG 1.4.11); lines also differ by their point shape (the table says it all).
SERIES_COLOURS = ("#1f5f8b", "#d17a00", "#5b8c2a", "#7a4e9c", "#b8336a", "#4a4a4a")
POINT_STYLES = ("circle", "rect", "triangle", "rectRot", "crossRot", "star")

Number = Callable[[float], str]


def _plain_number(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class Bar:
    """One column: ``label`` names it in full (its tooltip and the text), ``tick`` is the short text
    under it (the label when empty), ``group`` a second line under it, written where it changes (the
    year under the months)."""

    label: str
    value: float
    tick: str = ""
    group: str = ""


@dataclass(frozen=True)
class Group:
    """One group of columns (or one point of each line), a value per series: ``label`` names it in full,
    ``tick`` is the short text under it (the label when empty), ``group`` as in :class:`Bar`."""

    label: str
    values: tuple[float, ...]
    tick: str = ""
    group: str = ""


class Markup(str):
    """Markup whose every text is already escaped: Django templates print it as it is (``__html__``)."""

    def __html__(self) -> Markup:
        return self


@dataclass(frozen=True)
class Chart:
    """A chart: ``config`` for Chart.js, ``label`` the text of its canvas, ``chart_id`` the prefix of its
    ids, and ``series``/``rows`` its figures as formatted texts (the table of :func:`standalone_page`)."""

    chart_id: str
    title: str
    config: dict[str, Any]
    label: str
    series: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]

    def config_json(self) -> str:
        """The configuration as JSON that may stand inside a ``<script>`` element."""
        text = json.dumps(self.config, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")

    def markup(self) -> Markup:
        chart_id = escape(self.chart_id)
        return Markup(
            f'<figure class="chart-figure" id="{chart_id}">'
            f'<div class="chart-canvas"><canvas id="{chart_id}-canvas" role="img" '
            f'aria-label="{escape(self.label)}" data-chart-config="{chart_id}-config"></canvas></div>'
            f'<script type="application/json" id="{chart_id}-config">{self.config_json()}</script>'
            "</figure>"
        )

    __str__ = markup  # a template prints str(chart): the markup, as it is
    __html__ = markup


def _ticks(items: Sequence[Bar | Group]) -> list[str | list[str]]:
    """The text under each column: its tick (or label), with the group under it where the group changes."""
    ticks: list[str | list[str]] = []
    previous = None
    for item in items:
        tick = item.tick or item.label
        ticks.append([tick, item.group] if item.group and item.group != previous else tick)
        previous = item.group
    return ticks


def _check(values: Sequence[float], what: str) -> list[float]:
    numbers = []
    for value in values:
        number = float(value)
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(f"{what}: {value!r} is not a finite number")
        numbers.append(int(number) if number.is_integer() else number)
    return numbers


def _build(
    kind: str,
    items: Sequence[Bar | Group],
    series: Sequence[str],
    columns: list[list[float]],
    *,
    title: str,
    description: str,
    chart_id: str,
    number: Number,
    top: float | None,
    value_title: str,
    label_title: str,
    language: str,
    rtl: bool,
    horizontal: bool = False,
) -> Chart:
    whole = all(float(value).is_integer() for column in columns for value in column)
    texts = [[number(value) for value in column] for column in columns]
    datasets = []
    for index, (name, column) in enumerate(zip(series, columns, strict=True)):
        colour = SERIES_COLOURS[index]
        dataset: dict[str, Any] = {"label": name, "data": column, "borderColor": colour}
        if kind == "line":
            dataset |= {
                "backgroundColor": colour,
                "pointStyle": POINT_STYLES[index],
                "pointRadius": 4,
                "borderWidth": 2,
                "tension": 0,
            }
        else:
            dataset["backgroundColor"] = colour
        datasets.append(dataset)
    value_scale: dict[str, Any] = {"beginAtZero": True, "ticks": {"precision": 0} if whole else {}}
    if top is not None:
        value_scale["max"] = top
    if value_title:
        value_scale["title"] = {"display": True, "text": value_title}
    label_scale: dict[str, Any] = {"grid": {"display": False}}
    if label_title:
        label_scale["title"] = {"display": True, "text": label_title}
    if horizontal:  # labels read down, values grow towards the reading direction
        label_scale["position"] = "right" if rtl else "left"
        value_scale["reverse"] = rtl
    else:  # time and order run in the reading direction; the value axis stands where reading starts
        label_scale["reverse"] = rtl
        value_scale["position"] = "right" if rtl else "left"
    label_axis, value_axis = ("y", "x") if horizontal else ("x", "y")
    options: dict[str, Any] = {
        "responsive": True,
        "maintainAspectRatio": False,
        "animation": False,  # drawn at once: nothing moves for readers who asked for less motion
        # Western digits in every language, as in the tables beside (Django's number formats)
        "locale": f"{language or 'en'}-u-nu-latn",
        "scales": {label_axis: label_scale, value_axis: value_scale},
        "plugins": {
            "title": {"display": False, "text": title},
            "legend": {"display": len(series) > 1, "rtl": rtl, "textDirection": "rtl" if rtl else "ltr"},
            "tooltip": {"rtl": rtl, "textDirection": "rtl" if rtl else "ltr"},
            # read by web/khizana-charts.js, not by Chart.js: the short texts under the columns and
            # the values as the page writes them (tooltips)
            "khizana": {"ticks": _ticks(items), "texts": texts},
        },
    }
    if horizontal:
        options["indexAxis"] = "y"
    config = {
        "type": kind,
        "data": {"labels": [item.label for item in items], "datasets": datasets},
        "options": options,
    }
    rows = tuple((item.label, tuple(text[position] for text in texts)) for position, item in enumerate(items))
    if len(series) == 1:
        summary = "; ".join(f"{label}: {values[0]}" for label, values in rows)
    else:
        summary = "; ".join(
            f"{label}: " + ", ".join(f"{name} {value}" for name, value in zip(series, values, strict=True))
            for label, values in rows
        )
    text = ". ".join(part for part in (title, description.strip()) if part)
    label = f"{text}: {summary}" if summary else text
    return Chart(chart_id, title, config, label, tuple(series), rows)


def column_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    description: str = "",
    chart_id: str = "chart",
    number: Number = _plain_number,
    value_title: str = "",
    label_title: str = "",
    series_name: str = "",
    top: float | None = None,
    language: str = "en",
    rtl: bool = False,
) -> Chart:
    """A vertical bar chart of ``bars``. ``chart_id`` prefixes its ids (two charts on one page need two);
    ``number`` formats the values in its texts; ``value_title``/``label_title`` name the axes;
    ``series_name`` names the values in tooltips (the title when empty); ``top`` fixes the top of the
    value axis (100 for percentages); ``language`` and ``rtl`` are the page's."""
    return _build(
        "bar",
        bars,
        [series_name or title],
        [_check([bar.value for bar in bars], title)],
        title=title,
        description=description,
        chart_id=chart_id,
        number=number,
        top=top,
        value_title=value_title,
        label_title=label_title,
        language=language,
        rtl=rtl,
    )


def horizontal_bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    description: str = "",
    chart_id: str = "chart",
    number: Number = _plain_number,
    value_title: str = "",
    label_title: str = "",
    series_name: str = "",
    top: float | None = None,
    language: str = "en",
    rtl: bool = False,
) -> Chart:
    """A bar chart of ``bars`` lying down, for long labels; the arguments as in :func:`column_chart`."""
    return _build(
        "bar",
        bars,
        [series_name or title],
        [_check([bar.value for bar in bars], title)],
        title=title,
        description=description,
        chart_id=chart_id,
        number=number,
        top=top,
        value_title=value_title,
        label_title=label_title,
        language=language,
        rtl=rtl,
        horizontal=True,
    )


def _series_columns(groups: Sequence[Group], series: Sequence[str], title: str) -> list[list[float]]:
    if not 1 <= len(series) <= len(SERIES_COLOURS):
        raise ValueError(f"{title}: between 1 and {len(SERIES_COLOURS)} series, not {len(series)}")
    for group in groups:
        if len(group.values) != len(series):
            raise ValueError(
                f"{title}: “{group.label}” has {len(group.values)} values for {len(series)} series"
            )
    return [_check([group.values[index] for group in groups], title) for index in range(len(series))]


def grouped_column_chart(
    groups: Sequence[Group],
    series: Sequence[str],
    *,
    title: str,
    description: str = "",
    chart_id: str = "chart",
    number: Number = _plain_number,
    value_title: str = "",
    label_title: str = "",
    top: float | None = None,
    language: str = "en",
    rtl: bool = False,
) -> Chart:
    """A vertical bar chart of ``groups``, one column per series in each, with a legend naming the
    ``series`` (one to six); the arguments as in :func:`column_chart`."""
    return _build(
        "bar",
        groups,
        series,
        _series_columns(groups, series, title),
        title=title,
        description=description,
        chart_id=chart_id,
        number=number,
        top=top,
        value_title=value_title,
        label_title=label_title,
        language=language,
        rtl=rtl,
    )


def line_chart(
    points: Sequence[Group],
    series: Sequence[str],
    *,
    title: str,
    description: str = "",
    chart_id: str = "chart",
    number: Number = _plain_number,
    value_title: str = "",
    label_title: str = "",
    top: float | None = None,
    language: str = "en",
    rtl: bool = False,
) -> Chart:
    """One line per series (one to six) through ``points`` (a :class:`Group` per month, say, holding a
    value per series), told apart by colour and point shape, with a legend; the arguments as in
    :func:`column_chart`."""
    return _build(
        "line",
        points,
        series,
        _series_columns(points, series, title),
        title=title,
        description=description,
        chart_id=chart_id,
        number=number,
        top=top,
        value_title=value_title,
        label_title=label_title,
        language=language,
        rtl=rtl,
    )


def data_table(chart: Chart, caption: str = "") -> str:
    """The chart's figures as an accessible HTML table (one row per label, one column per series)."""
    head = "".join(f'<th scope="col">{escape(name)}</th>' for name in chart.series)
    body = "".join(
        f'<tr><th scope="row">{escape(label)}</th>'
        + "".join(f"<td>{escape(value)}</td>" for value in values)
        + "</tr>"
        for label, values in chart.rows
    )
    return (
        f'<table class="chart-data"><caption>{escape(caption or chart.title)}</caption>'
        f"<thead><tr><td></td>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _inline_script(source: str) -> str:
    return "<script>" + source.replace("</script", "<\\/script") + "</script>"


STANDALONE_STYLE = """body { font-family: sans-serif; margin: 1.5rem; color: #1b1b1b; }
.chart-canvas { position: relative; block-size: 22rem; max-inline-size: 60rem; }
table { border-collapse: collapse; margin-block: 1rem; } th, td { padding: .25rem .6rem; }
td { text-align: end; } caption { text-align: start; font-weight: bold; }"""


def standalone_page(
    charts: Sequence[Chart],
    *,
    title: str,
    scripts: Sequence[str],
    language: str = "en",
    rtl: bool = False,
    note: str = "",
) -> str:
    """One HTML document showing ``charts``, each with its table, that opens offline: ``scripts`` are the
    texts of :data:`CHART_JS` and :data:`CHART_DRAWER`, written into it (no Content-Security-Policy
    applies to a file opened from disk; without them the tables are still there)."""
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(language)}" dir="{"rtl" if rtl else "ltr"}">',
        '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{STANDALONE_STYLE}</style></head>",
        f"<body><main><h1>{escape(title)}</h1>",
    ]
    if note:
        parts.append(f"<p>{escape(note)}</p>")
    for chart in charts:
        parts += [f"<h2>{escape(chart.title)}</h2>", chart.markup(), data_table(chart)]
    parts.append("</main>")
    parts += [_inline_script(source) for source in scripts]
    parts.append("</body></html>")
    return "\n".join(parts)
