"""``{% research_nav as nav %}``: what the research pages' menu shows the signed-in user (the staff
menu for staff; the research office's own links for an office's account)."""

from __future__ import annotations

from django import template

from khizana.visibility import permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def research_nav(context) -> dict:
    user = context.get("user")
    office = permissions.office(user)
    return {
        "staff": permissions.is_staff(user),
        "office": office,
        "manage_offices": permissions.can_manage_offices(user),
    }
