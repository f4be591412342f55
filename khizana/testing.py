"""Factories and paths the tests of every app share (imported by tests only, never by the application).

- :data:`REPO`, :data:`DEMO`: the checkout and its demo network;
- :func:`shared_data_dir`: ``../shared/data`` (or ``$KHIZANA_SHARED_DATA``), None when absent;
- :func:`make_library`, :func:`make_user` (with :data:`PASSWORD`): a member library, a user with a role.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "demo"
PASSWORD = "une phrase de passe assez longue"


def shared_data_dir() -> Path | None:
    """$KHIZANA_SHARED_DATA, else ``../shared/data`` next to the repository; None when absent."""
    configured = os.environ.get("KHIZANA_SHARED_DATA")
    candidate = Path(configured) if configured else REPO.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


def make_library(code: str, **extra):
    """A member library (a university library in Rabat unless ``extra`` says otherwise)."""
    from khizana.libraries.models import Library

    defaults = {
        "name_fr": f"Bibliothèque {code}",
        "kind": Library.Kind.UNIVERSITY,
        "country": "MA",
        "city": "Rabat",
    }
    return Library.objects.create(code=code, **{**defaults, **extra})


def make_user(username: str, role: str | None = None, library=None, *, verified: bool = True, **extra):
    """A user (password :data:`PASSWORD`); with ``role``, its membership. Readers are verified members
    unless ``verified`` is False."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from khizana.accounts.models import Membership, Verification

    user = get_user_model().objects.create_user(username, f"{username}@example.org", PASSWORD, **extra)
    if role:
        vouched = verified and role == "reader"
        Membership.objects.create(
            user=user,
            role=role,
            library=library,
            verified_at=timezone.now() if vouched else None,
            verified_by=Verification.STAFF if vouched else "",
        )
    return user


def chart_on_page(html: str, chart_id: str) -> dict:
    """The Chart.js configuration of the chart ``chart_id`` on a page (khizana/core/charts.py), as the
    browser reads it, with the text of its canvas under ``"aria-label"``."""
    import json
    import re
    from html import unescape

    name = re.escape(chart_id)
    config = re.search(rf'<script type="application/json" id="{name}-config">(.*?)</script>', html)
    canvas = re.search(rf'<canvas id="{name}-canvas" role="img" aria-label="([^"]*)"', html)
    assert config and canvas, f"no chart {chart_id} on the page"
    return json.loads(config.group(1)) | {"aria-label": unescape(canvas.group(1))}
