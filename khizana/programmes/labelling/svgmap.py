"""The map of labelled collections, drawn on the server as SVG: an equirectangular projection of the box
around the libraries that hold them (at one scale on both axes at the middle latitude), a graticule every
2 or 5 degrees, a point per library sized by its number of labelled collections. No Django: the page
writes the SVG from these numbers and always lists the same libraries beside it."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    key: str
    latitude: float
    longitude: float
    count: int


@dataclass(frozen=True)
class Point:
    key: str
    x: float
    y: float
    radius: float
    count: int


@dataclass(frozen=True)
class Map:
    width: int
    height: int
    points: tuple[Point, ...]
    meridians: tuple[tuple[float, int], ...]  # (x, longitude)
    parallels: tuple[tuple[float, int], ...]  # (y, latitude)


def _box(places: list[Place], width: int, height: int) -> tuple[float, float, float, float]:
    """(south, north, west, east) around the places with a 2° margin, grown to the drawing's proportions."""
    margin = 2.0
    south = math.floor(min(p.latitude for p in places) - margin)
    north = math.ceil(max(p.latitude for p in places) + margin)
    west = math.floor(min(p.longitude for p in places) - margin)
    east = math.ceil(max(p.longitude for p in places) + margin)
    cos = math.cos(math.radians((south + north) / 2))
    span_x, span_y = (east - west) * cos, north - south
    if span_x / span_y < width / height:
        grow = (span_y * width / height - span_x) / cos / 2
        west, east = west - grow, east + grow
    else:
        grow = (span_x * height / width - span_y) / 2
        south, north = south - grow, north + grow
    return south, north, west, east


def draw(places: list[Place], width: int = 600, height: int = 420) -> Map | None:
    """The map of ``places`` (None when there is none); a point's area grows with its count."""
    if not places:
        return None
    south, north, west, east = _box(places, width, height)

    def x(lon: float) -> float:
        return round((lon - west) / (east - west) * width, 1)

    def y(lat: float) -> float:
        return round((north - lat) / (north - south) * height, 1)

    step = 5 if max(east - west, north - south) > 12 else 2
    meridians = tuple(
        (x(lon), lon) for lon in range(math.ceil(west / step) * step, math.floor(east) + 1, step)
    )
    parallels = tuple(
        (y(lat), lat) for lat in range(math.ceil(south / step) * step, math.floor(north) + 1, step)
    )
    points = tuple(
        Point(p.key, x(p.longitude), y(p.latitude), round(5 + 3 * math.sqrt(max(p.count, 1) - 1), 1), p.count)
        for p in sorted(places, key=lambda p: -p.count)
    )
    return Map(width, height, points, meridians, parallels)
