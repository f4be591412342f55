"""Accessible SVG charts drawn on the server (no Django import, no JavaScript, no inline style).

:func:`column_chart_svg` draws one vertical bar per value: the ``<svg>`` is an image (``role="img"``)
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
    desc = f"{description} {summary}".strip() if description else summary
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{escape(title_id)}" '
        f'aria-describedby="{escape(desc_id)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12" direction="ltr" '
        f'class="{escape(css_class)}">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(desc)}</desc>',
        # the value axis: 0, half and top, with light grid lines
    ]
    for fraction in (0, 0.5, 1):
        y = round(base - plot_height * fraction, 1)
        stroke = "#4a4a4a" if fraction == 0 else "#c8ced6"
        parts.append(
            f'<line x1="{left}" y1="{y}" x2="{width - 4}" y2="{y}" stroke="{stroke}"/>'
            f'<text x="{left - 6}" y="{y + 4}" text-anchor="end" fill="#1b1b1b">'
            f"{escape(number(int(top_value * fraction) if whole else top_value * fraction))}</text>"
        )
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
