"""The scoring grid of a call, without Django: read the criteria an administrator types, one per line
(``weight ; highest mark ; name``), and turn the marks of a review into a score out of 100."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

MAX_SCALE = 100
MAX_WEIGHT = 100


class GridError(ValueError):
    """A line of the grid that cannot be read (the message names the line and the problem)."""


@dataclass(frozen=True)
class Criterion:
    name: str
    weight: int
    scale: int  # marks go from 0 to ``scale``


def _whole(text: str, what: str, number: int, highest: int) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise GridError(f"line {number}: the {what} “{text.strip()}” is not a whole number") from None
    if not 1 <= value <= highest:
        raise GridError(f"line {number}: the {what} must be between 1 and {highest}")
    return value


def parse_grid(text: str) -> list[Criterion]:
    """The criteria of ``text``: one per non-empty line, ``weight ; highest mark ; name``."""
    criteria: list[Criterion] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split(";", 2)
        if len(parts) != 3 or not parts[2].strip():
            raise GridError(f"line {number}: write “weight ; highest mark ; name”")
        weight = _whole(parts[0], "weight", number, MAX_WEIGHT)
        scale = _whole(parts[1], "highest mark", number, MAX_SCALE)
        name = parts[2].strip()
        if any(known.name.casefold() == name.casefold() for known in criteria):
            raise GridError(f"line {number}: the criterion “{name}” is already in the grid")
        criteria.append(Criterion(name=name[:200], weight=weight, scale=scale))
    if not criteria:
        raise GridError("the grid has no criterion")
    return criteria


def format_grid(criteria: Iterable[Criterion]) -> str:
    return "\n".join(f"{c.weight} ; {c.scale} ; {c.name}" for c in criteria)


def read_mark(text: str, criterion: Criterion) -> int:
    """A mark typed for ``criterion``: a whole number from 0 to its highest mark."""
    try:
        value = int(str(text).strip())
    except ValueError:
        raise GridError(f"{criterion.name}: the mark “{text}” is not a whole number") from None
    if not 0 <= value <= criterion.scale:
        raise GridError(f"{criterion.name}: the mark must be between 0 and {criterion.scale}")
    return value


def weighted_score(criteria: Iterable[Criterion], marks: Mapping[str, int]) -> Decimal:
    """Out of 100: each mark as a share of its scale, weighted. ``marks`` by criterion name; every
    criterion must be marked."""
    total_weight = 0
    points = Decimal(0)
    for criterion in criteria:
        if criterion.name not in marks:
            raise GridError(f"{criterion.name}: no mark")
        total_weight += criterion.weight
        points += Decimal(marks[criterion.name]) / criterion.scale * criterion.weight
    if not total_weight:
        raise GridError("the grid has no criterion")
    return (points * 100 / total_weight).quantize(Decimal("0.1"))
