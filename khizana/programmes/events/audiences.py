"""Audience tags of events ("doctoral students", "women over 55"…) and the tallies of the figures page
(no Django import)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

MAX_TAGS = 12
MAX_TAG_LENGTH = 80


def parse_audiences(text: str) -> list[str]:
    """The tags of ``text`` (separated by commas, semicolons or new lines), spaces collapsed, lower case,
    each once, in their order (the form checks :data:`MAX_TAGS` and :data:`MAX_TAG_LENGTH`)."""
    tags: list[str] = []
    for part in re.split(r"[,;\n]", text or ""):
        tag = " ".join(part.split()).casefold()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


@dataclass(frozen=True)
class Session:
    """One event as the figures see it: ``month`` as ``YYYY-MM``, ``participants`` those who came."""

    provider: str
    topic: str
    month: str
    participants: int
    registered: int
    audiences: tuple[str, ...] = ()
    digital_inclusion: bool = False


@dataclass(frozen=True)
class Row:
    label: str
    sessions: int
    participants: int
    registered: int


def tally(sessions: Iterable[Session], key: str) -> list[Row]:
    """Sessions, participants and registrations per value of ``key`` (provider, topic or month): months
    in time order, the others by participants then name."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for session in sessions:
        total = totals[getattr(session, key)]
        total[0] += 1
        total[1] += session.participants
        total[2] += session.registered
    rows = [Row(label, *numbers) for label, numbers in totals.items()]
    if key == "month":
        return sorted(rows, key=lambda row: row.label)
    return sorted(rows, key=lambda row: (-row.participants, row.label))


def inclusion_reach(sessions: Iterable[Session]) -> list[Row]:
    """The digital-inclusion workshops per audience tag: a workshop counts for each of its tags; those
    without a tag under the empty label."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for session in sessions:
        if not session.digital_inclusion:
            continue
        for tag in session.audiences or ("",):
            total = totals[tag]
            total[0] += 1
            total[1] += session.participants
            total[2] += session.registered
    return sorted(
        (Row(label, *numbers) for label, numbers in totals.items()), key=lambda r: (-r.participants, r.label)
    )
