"""HTTP byte ranges for serving stored files (RFC 9110 §14): the one-range subset that readers use.

PDF.js asks for one range at a time (``bytes=65536-131071``); several ranges in one request, or a header
we do not understand, are answered with the whole file, as the RFC allows a server to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SINGLE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


class UnsatisfiableRange(ValueError):
    """The range asks for bytes the file does not have (answered with 416)."""


@dataclass(frozen=True)
class ByteRange:
    start: int  # first byte, 0-based
    end: int  # last byte, inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The byte range asked for by a ``Range`` header on a file of ``size`` bytes.

    None means "send the whole file" (no header, several ranges, or a syntax we ignore);
    raises UnsatisfiableRange when the range starts past the end of the file."""
    if not header:
        return None
    match = _SINGLE.match(header)
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix: the last N bytes
        suffix = int(last)
        if suffix == 0:
            raise UnsatisfiableRange(header)
        return ByteRange(max(size - suffix, 0), size - 1) if size else _unsatisfiable(header)
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None  # invalid: ignore the header
    if start >= size:
        raise UnsatisfiableRange(header)
    return ByteRange(start, min(end, size - 1))


def _unsatisfiable(header: str) -> ByteRange:
    raise UnsatisfiableRange(header)


def etag_matches(header: str | None, etag: str) -> bool:
    """Does an ``If-None-Match`` (or ``If-Range``) header name ``etag`` (weak comparison)?"""
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))
