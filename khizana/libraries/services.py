"""The member libraries as the other parts name them."""

from __future__ import annotations

from .models import Library


def library_names() -> dict[str, str]:
    """Library code -> its name in the current language."""
    return {library.code: library.name for library in Library.objects.all()}
