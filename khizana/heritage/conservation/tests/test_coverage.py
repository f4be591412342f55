"""The network's coverage of a title: union of the libraries' years against the title's span."""

from khizana.heritage.conservation.formats.coverage import (
    coverage,
    format_intervals,
    merge,
    title_span,
    volume_intervals,
    year_intervals,
)
from khizana.heritage.conservation.formats.statements import Extent, parse_textual


def test_merge_joins_overlapping_and_touching_runs():
    assert merge([(1970, 1980), (1950, 1960), (1961, 1965), (1979, 1985)]) == [(1950, 1965), (1970, 1985)]


def test_gaps_within_the_span_of_the_title():
    held = [(1950, 1960), (1955, 1970), (1975, 1980)]
    found = coverage(held, (1945, 1990))
    assert found.held == [(1945 + 5, 1970), (1975, 1980)]
    assert found.gaps == [(1945, 1949), (1971, 1974), (1981, 1990)]
    assert found.missing_count == 5 + 4 + 10
    assert format_intervals(found.gaps) == "1945-1949, 1971-1974, 1981-1990"


def test_without_span_the_widest_holdings_give_it():
    assert coverage([(1960, 1965), (1970, 1971)]).gaps == [(1966, 1969)]
    assert coverage([]).span is None


def test_open_runs_last_until_this_year_and_runs_without_years_count_no_year():
    extents = parse_textual("v.1 (1990) - v.3 (1992) ; v.10 (1999) - ; v.30").extents
    assert year_intervals(extents, 2026) == [(1990, 1992), (1999, 2026)]
    assert volume_intervals(extents, last_volume=40) == [(1, 3), (10, 40), (30, 30)]


def test_span_from_what_staff_entered_else_the_numbering():
    numbering = [Extent(first_year=1891, open_end=True)]
    assert title_span(numbering, None, None, 2026) == (1891, 2026)
    assert title_span(numbering, 1900, 1950, 2026) == (1900, 1950)
    assert title_span([], None, None, 2026) is None
