"""COUNTER R5.1 metrics from usage rows (pure: no Django).

What is counted, as the Code of Practice (section 7) says:

- robots and crawlers are left out: a row whose user agent matches a pattern of the COUNTER robots list
  (``data/counterrobots_COUNTER_Robots_list.json``, matched case-insensitively) is not counted; a row
  recorded without a user agent (``None``) is kept;
- the double-click rule: the same action on the same item by the same user (or session) within 30
  seconds of the previous one is one action (the later is kept, so a chain of quick clicks is one);
- a user session is the user (or their browser session) within one hour of the clock (COUNTER's
  "user + date + hour"), so Unique_Item_* count each item once per session, Unique_Title_* each title;
- every request (content read or downloaded) is also an investigation.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

DOUBLE_CLICK_SECONDS = 30
ROBOTS_FILE = Path(__file__).resolve().parent / "data" / "counterrobots_COUNTER_Robots_list.json"

INVESTIGATIONS = ("Total_Item_Investigations", "Unique_Item_Investigations", "Unique_Title_Investigations")
REQUESTS = ("Total_Item_Requests", "Unique_Item_Requests", "Unique_Title_Requests")
ALL_METRICS = (
    "Total_Item_Investigations",
    "Total_Item_Requests",
    "Unique_Item_Investigations",
    "Unique_Item_Requests",
    "Unique_Title_Investigations",
    "Unique_Title_Requests",
)


class Usage(NamedTuple):
    """One recorded access. ``user`` is who it was (user id or session key), ``title`` the work (or the
    item when it has none), ``user_agent`` None when it was not recorded."""

    at: datetime
    user: str
    item: int
    title: int
    action: str
    is_request: bool
    access_type: str = "Controlled"
    access_method: str = "Regular"
    user_agent: str | None = None
    library: int | None = None  # the reader's institution (None: anonymous or none)


def load_robot_patterns(path: Path = ROBOTS_FILE) -> list[str]:
    """The patterns of the COUNTER robots list (JSON: a list of {"pattern": ...})."""
    with open(path, encoding="utf-8") as handle:
        entries = json.load(handle)
    return [entry["pattern"] for entry in entries if entry.get("pattern")]


@lru_cache(maxsize=4)
def _robot_regex(path: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in load_robot_patterns(Path(path))), re.IGNORECASE)


class RobotFilter:
    """Is this user agent a robot? Remembers its answers (a few thousand agents make most traffic)."""

    def __init__(self, path: Path = ROBOTS_FILE):
        self._regex = _robot_regex(str(path))
        self._seen: dict[str, bool] = {}

    def __call__(self, user_agent: str | None) -> bool:
        if user_agent is None:
            return False
        found = self._seen.get(user_agent)
        if found is None:
            found = self._seen[user_agent] = self._regex.search(user_agent) is not None
            if len(self._seen) > 100_000:
                self._seen.clear()
        return found


def month_of(at: datetime) -> str:
    return f"{at.year:04d}-{at.month:02d}"


def session_of(usage: Usage) -> tuple:
    """COUNTER's session: the user within one hour of the clock."""
    at = usage.at
    return (usage.user, at.year, at.month, at.day, at.hour)


def counted(rows: Iterable[Usage], is_robot: Callable[[str | None], bool] | None = None) -> list[Usage]:
    """The rows that count: robots out, then the double-click rule (a repeat of the same action on the
    same item by the same user within 30 seconds of the previous click replaces it)."""
    is_robot = is_robot or RobotFilter()
    kept: dict[tuple, Usage] = {}
    result: list[Usage | None] = []
    index: dict[tuple, int] = {}
    for row in sorted((r for r in rows if not is_robot(r.user_agent)), key=lambda r: r.at):
        key = (row.user, row.item, row.action)
        previous = kept.get(key)
        if previous is not None and (row.at - previous.at).total_seconds() <= DOUBLE_CLICK_SECONDS:
            result[index[key]] = None  # the earlier click of a double click is not counted
        kept[key] = row
        index[key] = len(result)
        result.append(row)
    return [row for row in result if row is not None]


def measure(
    rows: Iterable[Usage], group: Callable[[Usage], Hashable]
) -> dict[Hashable, dict[str, dict[str, int]]]:
    """The six metrics of counted rows, per group and month: ``{group: {metric: {"YYYY-MM": n}}}``.
    ``rows`` must already be :func:`counted`. Zero counts are left out, as COUNTER's JSON does."""
    totals: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    unique: dict = defaultdict(set)
    for row in rows:
        key = group(row)
        month = month_of(row.at)
        session = session_of(row)
        metrics = totals[key]
        metrics["Total_Item_Investigations"][month] += 1
        unique[(key, month, "Unique_Item_Investigations")].add((session, row.item))
        unique[(key, month, "Unique_Title_Investigations")].add((session, row.title))
        if row.is_request:
            metrics["Total_Item_Requests"][month] += 1
            unique[(key, month, "Unique_Item_Requests")].add((session, row.item))
            unique[(key, month, "Unique_Title_Requests")].add((session, row.title))
    for (key, month, metric), pairs in unique.items():
        totals[key][metric][month] = len(pairs)
    return {
        key: {metric: dict(months) for metric, months in metrics.items()} for key, metrics in totals.items()
    }


# -- the monthly aggregate ---------------------------------------------------------------------------------

ALL_ACCESS_TYPES = "*"  # the access type of the aggregate rows that count across every access type
NETWORK = None  # the scope of the aggregate rows of the whole network


class MonthTotal(NamedTuple):
    """One row of a closed month's aggregate. ``scope`` is a library id, or NETWORK for every event.
    An item row (``item`` set) has the item metrics; a title row (``item`` None) the Unique_Title ones.
    ``access_type`` is one access type, or ALL_ACCESS_TYPES for the counts across all of them (unique
    counts do not add up across access types: the same session may open an item as Open and Controlled).
    """

    month: str
    scope: int | None
    item: int | None
    title: int
    access_type: str
    access_method: str
    metrics: dict[str, int]


ITEM_METRICS = ALL_METRICS[:4]
TITLE_METRICS = ALL_METRICS[4:]


def month_totals(rows: Iterable[Usage]) -> list[MonthTotal]:
    """The aggregate rows of counted usage (already :func:`counted`, month by month): per month and
    scope (the network, each reader's institution), per item and per title, per access type and across
    all access types, and access method. The reports built from them are those built from the rows.
    One pass: with the item (or title) in the key, its unique counts are its distinct sessions."""
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    sessions: dict[tuple, set] = defaultdict(set)
    for row in rows:
        month, session = month_of(row.at), session_of(row)
        scopes = (NETWORK,) if row.library is None else (NETWORK, row.library)
        for scope in scopes:
            for access in (row.access_type, ALL_ACCESS_TYPES):
                item_key = (month, scope, row.item, row.title, access, row.access_method)
                title_key = (month, scope, None, row.title, access, row.access_method)
                counts = totals[item_key]
                counts[0] += 1
                sessions[(item_key, "Unique_Item_Investigations")].add(session)
                sessions[(title_key, "Unique_Title_Investigations")].add(session)
                if row.is_request:
                    counts[1] += 1
                    sessions[(item_key, "Unique_Item_Requests")].add(session)
                    sessions[(title_key, "Unique_Title_Requests")].add(session)
    metrics: dict[tuple, dict[str, int]] = defaultdict(dict)
    for key, (investigations, requests) in totals.items():
        metrics[key]["Total_Item_Investigations"] = investigations
        if requests:
            metrics[key]["Total_Item_Requests"] = requests
    for (key, name), found in sessions.items():
        metrics[key][name] = len(found)
    return [MonthTotal(*key, counts) for key, counts in metrics.items()]
