"""Where the shared test data (../shared/data) lives, for tests that read real files."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]


def shared_data_dir() -> Path | None:
    """$KHIZANA_SHARED_DATA, else ``../shared/data`` next to the repository; None when absent."""
    configured = os.environ.get("KHIZANA_SHARED_DATA")
    candidate = Path(configured) if configured else REPO_ROOT.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None
