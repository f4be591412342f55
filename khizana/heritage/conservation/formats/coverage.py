"""What the network holds of a serial and what it lacks: the union of every library's years (and
volumes) against the title's full span (pure: no Django)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .statements import Extent

Interval = tuple[int, int]


@dataclass(frozen=True)
class Coverage:
    """The span of the title, what the network holds of it and the gaps (inclusive intervals)."""

    span: Interval | None
    held: list[Interval]
    gaps: list[Interval]

    @property
    def missing_count(self) -> int:
        return sum(last - first + 1 for first, last in self.gaps)


def year_intervals(extents: Iterable[Extent], current_year: int) -> list[Interval]:
    """The years of some extents; an open run lasts until ``current_year``; a run without years, none."""
    intervals = []
    for extent in extents:
        first = extent.first_year if extent.first_year is not None else extent.last_year
        if first is None:
            continue
        last = current_year if extent.open_end else (extent.last_year or first)
        intervals.append((first, max(first, last)))
    return intervals


def volume_intervals(extents: Iterable[Extent], last_volume: int | None = None) -> list[Interval]:
    """The volumes of some extents; an open run lasts until ``last_volume`` (the highest known)."""
    intervals = []
    for extent in extents:
        first = extent.first_volume if extent.first_volume is not None else extent.last_volume
        if first is None:
            continue
        last = (last_volume or first) if extent.open_end else (extent.last_volume or first)
        intervals.append((first, max(first, last)))
    return intervals


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, overlapping or touching intervals joined: (1950, 1960) + (1961, 1970) -> (1950, 1970)."""
    merged: list[list[int]] = []
    for first, last in sorted(intervals):
        if merged and first <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    return [(first, last) for first, last in merged]


def coverage(held: Iterable[Interval], span: Interval | None = None) -> Coverage:
    """The gaps of ``held`` within ``span``; without a span, the widest of what is held."""
    union = merge(held)
    if span is None:
        if not union:
            return Coverage(None, [], [])
        span = (union[0][0], union[-1][1])
    first, last = span
    inside = [(max(a, first), min(b, last)) for a, b in union if b >= first and a <= last]
    gaps, cursor = [], first
    for a, b in inside:
        if a > cursor:
            gaps.append((cursor, a - 1))
        cursor = max(cursor, b + 1)
    if cursor <= last:
        gaps.append((cursor, last))
    return Coverage(span, inside, gaps)


def title_span(
    numbering: Iterable[Extent], first_year: int | None, last_year: int | None, current_year: int
) -> Interval | None:
    """The title's years from what is known of it: the years staff entered, else its numbering (362/207),
    else None (then the widest holdings give the span)."""
    years = year_intervals(numbering, current_year)
    start = first_year if first_year is not None else (min(a for a, _b in years) if years else None)
    end = last_year if last_year is not None else (max(b for _a, b in years) if years else None)
    if start is None:
        return None
    return (start, max(start, end if end is not None else current_year))


def format_intervals(intervals: Iterable[Interval]) -> str:
    """``1950-1959, 1962, 1965-1970``."""
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in intervals)
