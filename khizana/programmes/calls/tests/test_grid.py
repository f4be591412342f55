from decimal import Decimal

import pytest

from khizana.programmes.calls.grid import (
    Criterion,
    GridError,
    format_grid,
    parse_grid,
    read_mark,
    weighted_score,
)


def test_a_grid_is_read_line_by_line():
    criteria = parse_grid("3 ; 5 ; Relevance\n\n 2;10;Feasibility ")
    assert criteria == [Criterion("Relevance", 3, 5), Criterion("Feasibility", 2, 10)]
    assert parse_grid(format_grid(criteria)) == criteria


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "no criterion"),
        ("3 ; 5", "line 1: write"),
        ("x ; 5 ; Relevance", "line 1: the weight “x” is not a whole number"),
        ("1 ; 5 ; A\n3 ; 0 ; B", "line 2: the highest mark must be between 1 and 100"),
        ("1 ; 5 ; Same\n1 ; 5 ; same", "already in the grid"),
    ],
)
def test_a_bad_grid_names_the_line_and_the_problem(text, problem):
    with pytest.raises(GridError, match=problem):
        parse_grid(text)


def test_the_score_weights_each_mark_as_a_share_of_its_scale():
    criteria = [Criterion("A", 3, 5), Criterion("B", 1, 10)]
    assert weighted_score(criteria, {"A": 5, "B": 0}) == Decimal("75.0")
    assert weighted_score(criteria, {"A": 4, "B": 5}) == Decimal("72.5")  # (0.8*3 + 0.5*1) / 4
    with pytest.raises(GridError, match="B: no mark"):
        weighted_score(criteria, {"A": 1})


def test_a_mark_stays_on_its_scale():
    assert read_mark(" 4 ", Criterion("A", 1, 5)) == 4
    with pytest.raises(GridError, match="between 0 and 5"):
        read_mark("6", Criterion("A", 1, 5))
    with pytest.raises(GridError, match="not a whole number"):
        read_mark("4.5", Criterion("A", 1, 5))
