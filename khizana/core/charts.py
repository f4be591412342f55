"""Accessible SVG charts drawn on the server (no Django import, no JavaScript, no inline style).

:func:`column_chart_svg` draws one vertical bar per value, :func:`grouped_column_chart_svg` a group of
bars per label, one per series (before and after, this year and last), told apart by colour and a
legend: the ``<svg>`` is an image (``role="img"``)
named by its ``<title>`` and described by its ``<desc>`` (every label with its value), each bar carries
its own ``<title>`` (a tooltip), and the page shows the same figures in a table beside it. The chart is
sized by the stylesheet (class ``bar-chart``): a Content-Security-Policy without inline styles allows it.
Every text is escaped; the numbers are the caller's, already formatted for the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Bar:
    """One column: ``label`` names it in full (its tooltip and the description), ``tick`` is the short
    text under it (may be empty), ``group`` a second line under it, written where it changes (the year
    under the months)."""

    label: str
    value: float
    tick: str = ""
    group: str = ""


def _nice_top(value: float, whole: bool = False) -> float:
    """The top of the value axis: the first of 1, 2, 2.5, 5 × 10ⁿ at or above ``value``; for ``whole``
    numbers (counts) the first of 1, 2, 4, 6, 8 × 10ⁿ whose half is whole too (the middle line)."""
    if value <= 0:
        return 2 if whole else 1
    magnitude = 1.0
    while magnitude * 10 <= value:
        magnitude *= 10
    while magnitude > value and not (whole and magnitude == 1):
        magnitude /= 10
    steps = ((1, 2, 4, 6, 8, 10) if magnitude >= 10 else (2, 4, 6, 8, 10)) if whole else (1, 2, 2.5, 5, 10)
    for step in steps:
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover (the loop always returns)


def _opening(
    width: float, height: float, title: str, description: str, summary: str, chart_id: str, css_class: str
) -> list[str]:
    """The ``<svg>`` element with its title, and a description that ends with every value."""
    desc = f"{description} {summary}".strip() if description else summary
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{escape(title_id)}" '
        f'aria-describedby="{escape(desc_id)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12" direction="ltr" '
        f'class="{escape(css_class)}">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(desc)}</desc>',
    ]


def _value_axis(
    left: float,
    width: float,
    base: float,
    plot_height: float,
    top_value: float,
    whole: bool,
    number: Callable[[float], str],
) -> list[str]:
    """The value axis: 0, half and top, with light grid lines."""
    parts = []
    for fraction in (0, 0.5, 1):
        y = round(base - plot_height * fraction, 1)
        stroke = "#4a4a4a" if fraction == 0 else "#c8ced6"
        parts.append(
            f'<line x1="{left}" y1="{y}" x2="{width - 4}" y2="{y}" stroke="{stroke}"/>'
            f'<text x="{left - 6}" y="{y + 4}" text-anchor="end" fill="#1b1b1b">'
            f"{escape(number(int(top_value * fraction) if whole else top_value * fraction))}</text>"
        )
    return parts


def column_chart_svg(
    bars: Sequence[Bar],
    *,
    title: str,
    description: str = "",
    chart_id: str = "chart",
    number: Callable[[float], str] = lambda value: f"{value:g}",
    css_class: str = "bar-chart",
) -> str:
    """A vertical bar chart of ``bars`` as SVG markup. ``chart_id`` prefixes the ids of its title and
    description (two charts on one page need two prefixes); ``number`` formats the values (the axis and
    the texts)."""
    bar_width, gap, plot_height = 22, 6, 160
    left, top, bottom = 56, 28, 44
    whole = all(float(bar.value).is_integer() for bar in bars)
    top_value = _nice_top(max((bar.value for bar in bars), default=0), whole)
    width = left + len(bars) * (bar_width + gap) + gap + 8
    height = top + plot_height + bottom
    base = top + plot_height
    summary = "; ".join(f"{bar.label}: {number(bar.value)}" for bar in bars)
    parts = _opening(width, height, title, description, summary, chart_id, css_class)
    parts += _value_axis(left, width, base, plot_height, top_value, whole, number)
    previous_group = None
    for index, bar in enumerate(bars):
        x = left + gap + index * (bar_width + gap)
        length = round(plot_height * max(bar.value, 0) / top_value, 1)
        y = round(base - length, 1)
        parts.append(
            f'<g class="bar"><title>{escape(bar.label)}: {escape(number(bar.value))}</title>'
            f'<rect x="{x}" y="{y}" width="{bar_width}" height="{length}" fill="#1f5f8b"/></g>'
        )
        if bar.tick:
            parts.append(
                f'<text x="{x + bar_width / 2}" y="{base + 15}" text-anchor="middle" fill="#1b1b1b">'
                f"{escape(bar.tick)}</text>"
            )
        if bar.group and bar.group != previous_group:
            parts.append(
                f'<text x="{x}" y="{base + 32}" fill="#1b1b1b" font-weight="bold">{escape(bar.group)}</text>'
            )
        previous_group = bar.group
    parts.append("</svg>")
    return "\n".join(parts)


@dataclass(frozen=True)
class Group:
    """One group of columns, a value per series: ``label`` names it in full (the tooltips and the
    description), ``tick`` is the short text under it (may be empty)."""

    label: str
    values: tuple[float, ...]
    tick: str = ""


# colours that stay apart for the common colour blindnesses, and from the grid (the table says it all)
SERIES_COLOURS = ("#1f5f8b", "#d17a00", "#5b8c2a", "#7a4e9c")


def grouped_column_chart_svg(
    groups: Sequence[Group],
    series: Sequence[str],
    *,
    title: str,
    description: str = "",
    chart_id: str = "chart",
    number: Callable[[float], str] = lambda value: f"{value:g}",
    top: float | None = None,
    css_class: str = "bar-chart",
) -> str:
    """A vertical bar chart of ``groups``, one column per series in each, as SVG markup, with a legend
    naming the ``series`` (at most four). ``top`` fixes the top of the value axis (100 for
    percentages), else it is the first round value above the largest; ``chart_id`` and ``number`` as in
    :func:`column_chart_svg`."""
    if not 1 <= len(series) <= len(SERIES_COLOURS):
        raise ValueError(f"between 1 and {len(SERIES_COLOURS)} series, not {len(series)}")
    if any(len(group.values) != len(series) for group in groups):
        raise ValueError("every group has one value per series")
    bar_width, inner_gap, gap, plot_height = 18, 2, 12, 160
    left, legend_height, bottom = 56, 22, 28
    top_margin = 16 + legend_height
    values = [value for group in groups for value in group.values]
    whole = top is None and all(float(value).is_integer() for value in values)
    top_value = top if top and top > 0 else _nice_top(max(values, default=0), whole)
    group_width = len(series) * (bar_width + inner_gap) - inner_gap
    legend_width = sum(24 + 7 * len(name) + 16 for name in series)
    width = max(left + len(groups) * (group_width + gap) + gap + 8, left + legend_width)
    height = top_margin + plot_height + bottom
    base = top_margin + plot_height
    summary = "; ".join(
        f"{group.label}: "
        + ", ".join(f"{name} {number(value)}" for name, value in zip(series, group.values, strict=True))
        for group in groups
    )
    parts = _opening(width, height, title, description, summary, chart_id, css_class)
    x = left
    for index, name in enumerate(series):  # the legend, above the plot
        parts.append(
            f'<g class="legend"><rect x="{x}" y="4" width="14" height="14" fill="{SERIES_COLOURS[index]}"/>'
            f'<text x="{x + 20}" y="15" fill="#1b1b1b">{escape(name)}</text></g>'
        )
        x += 24 + 7 * len(name) + 16
    parts += _value_axis(left, width, base, plot_height, top_value, whole, number)
    for index, group in enumerate(groups):
        start = left + gap + index * (group_width + gap)
        for position, (name, value) in enumerate(zip(series, group.values, strict=True)):
            x = start + position * (bar_width + inner_gap)
            length = round(plot_height * min(max(value, 0), top_value) / top_value, 1)
            tooltip = f"{escape(group.label)}, {escape(name)}: {escape(number(value))}"
            parts.append(
                f'<g class="bar"><title>{tooltip}</title>'
                f'<rect x="{x}" y="{round(base - length, 1)}" width="{bar_width}" height="{length}" '
                f'fill="{SERIES_COLOURS[position]}"/></g>'
            )
        if group.tick:
            parts.append(
                f'<text x="{start + group_width / 2}" y="{base + 16}" text-anchor="middle" fill="#1b1b1b">'
                f"{escape(group.tick)}</text>"
            )
    parts.append("</svg>")
    return "\n".join(parts)
