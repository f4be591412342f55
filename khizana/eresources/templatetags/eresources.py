"""``{% load eresources %}{% campaign_banner %}``: the banner of the open-access campaigns running now
(the site's base template shows it on every page; it disappears by itself when a campaign ends)."""

from __future__ import annotations

from django import template
from django.db import DatabaseError

from khizana.eresources.services import active_campaigns

register = template.Library()


@register.inclusion_tag("eresources/_banner.html")
def campaign_banner() -> dict:
    try:
        return {"campaigns": list(active_campaigns().order_by("ends_at")[:3])}
    except DatabaseError:  # an error page while the database is away: no banner rather than no page
        return {"campaigns": []}
