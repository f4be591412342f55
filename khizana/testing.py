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
