"""Reading settings from the environment: the one helper settings.py uses for every overridable value.
No Django here (settings.py imports it before Django is set up)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


class ConfigurationError(ValueError):
    """An environment variable holds a value its setting cannot take."""


def env(name: str, default: T) -> T:
    """The environment variable ``name`` read as the type of ``default``, or ``default`` when it is unset
    or empty. bool: 1/true/yes/on or 0/false/no/off; list: comma-separated, blanks dropped; Path: resolved;
    a default of None gives the text as it is (None when unset)."""
    raw = os.environ.get(name)
    if raw is None or (raw.strip() == "" and default is not None):
        return default
    try:
        return _cast(raw.strip(), default)
    except ValueError:
        kind = type(default).__name__
        raise ConfigurationError(f"{name}={raw!r}: expected {_EXPECTED.get(kind, kind)}") from None


_EXPECTED = {"int": "a whole number", "float": "a number", "bool": "1 or 0 (true or false)"}


def _cast(raw: str, default: Any) -> Any:
    if default is None or isinstance(default, str):
        return raw
    if isinstance(default, bool):
        if raw.lower() in TRUE | FALSE:
            return raw.lower() in TRUE
        raise ValueError(raw)
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, Path):
        return Path(raw).resolve()
    if isinstance(default, list | tuple):
        return [part.strip() for part in raw.split(",") if part.strip()]
    raise TypeError(f"no reading of environment variables for {type(default).__name__} settings")
