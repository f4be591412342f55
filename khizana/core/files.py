"""File names sent by browsers and programs, made harmless before they are shown or stored."""

from __future__ import annotations

import unicodedata


def safe_display_name(name: str) -> str:
    """The sent file name reduced to a harmless label: no directories, no control characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    return name[:200] or "upload"
