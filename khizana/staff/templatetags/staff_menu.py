"""The staff space's menu (``staff/_nav.html``, included by every staff page of every app): the links
grouped by task, each group open when it holds the page shown, the page shown marked ``aria-current``."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from khizana.accounts import permissions
from khizana.accounts.models import Role

register = template.Library()

# (key, heading, [(URL name, label, who sees it: None = every member of staff, "manage_staff" = library
# and network administrators, "network_admin" = network administrators)])
MENU = [
    (
        "catalog",
        _("Catalog"),
        [
            ("staff:imports", _("Imports"), None),
            ("staff:import-upload", _("Upload a file"), None),
            ("staff:records", _("Records and holdings"), None),
            ("staff:works", _("Split or join works"), None),
            ("staff:review-list", _("Review queue"), None),
            ("ai-staff:subjects", _("Subject suggestions"), None),
            ("ai-staff:languages", _("Language suggestions"), None),
        ],
    ),
    (
        "digital",
        _("Digital library"),
        [
            ("digital-staff", _("Digital items"), None),
            ("digital-staff-alerts", _("Licence alerts"), None),
            ("counter-staff:dashboard", _("Use of the digital library"), "manage_staff"),
            ("counter-staff:reports", _("COUNTER reports"), "manage_staff"),
            ("counter-staff:credentials", _("SUSHI credentials"), "manage_staff"),
        ],
    ),
    (
        "research",
        _("Research"),
        [
            ("visibility:registry", _("Institution registry"), None),
            ("visibility:affiliations", _("Affiliation reports"), None),
            ("visibility:affiliations-progress", _("Progress over time"), None),
            ("visibility:affiliations-corrections", _("Corrections of the matches"), None),
            ("visibility:affiliations-offices", _("Research office accounts"), "network_admin"),
        ],
    ),
    (
        "network",
        _("Network"),
        [
            ("harvest:index", _("Harvesting"), None),
            ("staff:members", _("Readers' memberships"), None),
            ("staff:users", _("Staff accounts"), "manage_staff"),
        ],
    ),
    (
        "ill",
        _("Interlibrary loan"),
        [
            ("ill:staff-supplying", _("Requests to supply"), None),
            ("ill:pick-list", _("Pick list"), None),
            ("ill:staff-requesting", _("Our requests"), None),
            ("ill:stats", _("Interlibrary loan statistics"), None),
            ("ill:policy", _("Routing policy"), "network_admin"),
        ],
    ),
    (
        "eresources",
        _("Electronic resources"),
        [
            ("eresources:staff", _("Resources"), "manage_staff"),
            ("eresources:staff-links", _("Link checks"), "manage_staff"),
            ("eresources:staff-usage", _("Usage and cost per use"), "manage_staff"),
            ("federation:providers", _("Single sign-on"), "network_admin"),
        ],
    ),
    (
        "heritage",
        _("Heritage"),
        [
            ("conservation-staff:plans", _("Conservation plans"), None),
            ("theses-staff:list", _("Theses of the school"), None),
            ("theses-staff:deposit", _("Deposit a thesis"), None),
            ("digitisation-staff:dashboard", _("Digitisation programme"), None),
            ("digitisation-staff:candidates", _("Digitisation candidates"), None),
            ("digitisation-staff:import", _("Import a digitisation batch"), None),
            ("preservation-staff:overview", _("Digital preservation"), None),
        ],
    ),
    (
        "programmes",
        _("Network programmes"),
        [
            ("calls-staff:calls", _("Calls for projects"), "network_admin"),
            ("calls:mine", _("Our applications to calls"), None),
            ("calls:reviews", _("My reviews of applications"), None),
            ("labelling-staff:index", _("Labelling campaigns"), None),
            ("labelling:reviews", _("My reviews of collections"), None),
            ("events-staff:events", _("Training and events"), None),
            ("events-staff:figures", _("Figures of the events"), None),
            ("events-staff:rooms", _("Reading rooms"), None),
            ("surveys-staff:surveys", _("Needs surveys"), None),
            ("portal-staff:entries", _("News and pages of the portal"), "network_admin"),
        ],
    ),
]


def _may_manage_staff(user) -> bool:
    """A library administrator (their library's accounts) or a network administrator."""
    return permissions.role(user) in (Role.LIBRARY_ADMIN, Role.NETWORK_ADMIN)


@register.simple_tag(takes_context=True)
def staff_menu(context) -> dict:
    """``home`` (url, current) and ``groups``: each with its key, heading, ``open`` and its ``items``
    (url, label, current)."""
    request = context.get("request")
    path = request.path if request is not None else ""
    user = context.get("user")
    home = reverse("staff:home")
    groups = []
    for key, heading, entries in MENU:
        items = []
        for name, label, audience in entries:
            if audience == "manage_staff" and not _may_manage_staff(user):
                continue
            if audience == "network_admin" and not permissions.is_network_admin(user):
                continue
            try:
                url = reverse(name)
            except NoReverseMatch:  # an app left out of this installation
                continue
            items.append({"url": url, "label": label, "current": path == url})
        if items:
            inside = any(path.startswith(item["url"]) for item in items)
            groups.append({"key": key, "heading": heading, "items": items, "open": inside})
    return {"home": {"url": home, "current": path == home}, "groups": groups}
