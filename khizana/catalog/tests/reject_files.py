"""ISO 2709 files with rejects in them, made of real demo records and records no reader can read."""

from __future__ import annotations

from pathlib import Path

from khizana.testing import DEMO

SOURCES = [
    DEMO / "records" / "BULAC" / "evergreen_lul_fre_500-subset.mrc",
    DEMO / "records" / "BULAC" / "traject_test_data.utf8.mrc",
    DEMO / "records" / "IMIST" / "medialab_periouni-subset.mrc",
    DEMO / "records" / "IMIST" / "medialab_cotes8.mrc",
]
BAD_RECORDS = [
    b"this is not a record\x1e\x1d",  # shorter than a leader
    b"00000nam  2200000   4500\x1e\x1d",  # no fields
    b"x" * 30 + b"\x1d",  # no field terminator after the directory
]


def records_of(path: Path) -> list[bytes]:
    """The records of an ISO 2709 file, each with its terminator."""
    return [part + b"\x1d" for part in path.read_bytes().split(b"\x1d") if part.strip()]


def file_with_rejects(
    target: Path, *, every: int = 3, copies: int = 1, sources: list[Path] = SOURCES
) -> Path:
    """The records of ``sources`` with a bad record after every ``every`` good ones; the whole ``copies``
    times (the later copies' good records are unchanged, their bad ones are rejects again)."""
    good = [record for source in sources for record in records_of(source)]
    mixed: list[bytes] = []
    for number, record in enumerate(good, start=1):
        mixed.append(record)
        if number % every == 0:
            mixed.append(BAD_RECORDS[(number // every) % len(BAD_RECORDS)])
    target.write_bytes(b"".join(mixed) * copies)
    return target
