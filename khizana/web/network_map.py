"""The SVG map of the member libraries: an equirectangular projection around those that have
coordinates, with a graticule and one label per city."""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import pgettext_lazy

_COMPASS = {
    "E": pgettext_lazy("compass point", "E"),
    "W": pgettext_lazy("compass point", "W"),
    "N": pgettext_lazy("compass point", "N"),
    "S": pgettext_lazy("compass point", "S"),
}


def _compass(degrees: float, positive: str, negative: str) -> str:
    return str(_COMPASS[positive]) if degrees > 0 else str(_COMPASS[negative]) if degrees < 0 else ""


def _box(lats: list[float], lons: list[float], width: int, height: int) -> tuple[float, float, float, float]:
    """(south, north, west, east) around the points, with a margin, grown to the drawing's proportions
    at the same scale on both axes (at the middle latitude)."""
    margin = 2.0
    south, north = math.floor(min(lats) - margin), math.ceil(max(lats) + margin)
    west, east = math.floor(min(lons) - margin), math.ceil(max(lons) + margin)
    cos = math.cos(math.radians((south + north) / 2))
    span_x, span_y = (east - west) * cos, north - south
    if span_x / span_y < width / height:
        grow = (span_y * width / height - span_x) / cos / 2
        west, east = west - grow, east + grow
    else:
        grow = (span_x * height / width - span_y) / 2
        south, north = south - grow, north + grow
    return south, north, west, east


def network_map(rows: list[dict[str, Any]], width: int = 600, height: int = 400) -> dict[str, Any] | None:
    """Points of an equirectangular map around the libraries that have coordinates, and a graticule."""
    placed = [r for r in rows if r["library"].latitude is not None and r["library"].longitude is not None]
    if not placed:
        return None
    lats = [r["library"].latitude for r in placed]
    lons = [r["library"].longitude for r in placed]
    south, north, west, east = _box(lats, lons, width, height)

    def x(lon: float) -> float:
        return round((lon - west) / (east - west) * width, 1)

    def y(lat: float) -> float:
        return round((north - lat) / (north - south) * height, 1)

    step = 5 if max(east - west, north - south) > 12 else 2
    meridians = [
        {"x": x(lon), "label": f"{abs(lon)}°{_compass(lon, 'E', 'W')}"}
        for lon in range(math.ceil(west / step) * step, math.floor(east) + 1, step)
    ]
    parallels = [
        {"y": y(lat), "label": f"{abs(lat)}°{_compass(lat, 'N', 'S')}"}
        for lat in range(math.ceil(south / step) * step, math.floor(north) + 1, step)
    ]
    points = []
    for row in placed:
        library = row["library"]
        points.append(
            {
                "x": x(library.longitude),
                "y": y(library.latitude),
                "row": row,
                "label_y": y(library.latitude) - 9,
            }
        )
    return {
        "width": width,
        "height": height,
        "points": points,
        "cities": _city_labels(points),
        "meridians": meridians,
        "parallels": parallels,
    }


def _city_labels(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Libraries in one city share a label."""
    cities: dict[str, dict[str, Any]] = {}
    for point in points:
        city = point["row"]["library"].city
        if city and city not in cities:
            cities[city] = {"x": point["x"] + 8, "y": point["y"] + 4, "name": city}
    return list(cities.values())
