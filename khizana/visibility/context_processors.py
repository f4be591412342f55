"""Template context that visibility gives the pages of lower layers (registered in settings), so that
they show research-office links without importing visibility: ``research_office_url`` is the address of
the affiliation reports for a user with a research office account, else empty (looked up only when a
template uses it)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from khizana.visibility import permissions


def research_office(request: HttpRequest) -> dict:
    found: list[str] = []

    def research_office_url() -> str:
        if not found:
            user = getattr(request, "user", None)
            found.append(reverse("visibility:affiliations") if permissions.office(user) is not None else "")
        return found[0]

    return {"research_office_url": research_office_url}
