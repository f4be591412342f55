"""What the item page, the readers and the work page say about a digital item: its facts, its access
policy and, for this reader, whether and why not they may read it. Views stay thin; the words are here."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from khizana.catalog.models import Work
from khizana.core.vocabularies import language_name
from khizana.digital.access import Decision
from khizana.digital.extensions import access_restriction
from khizana.digital.models import DigitalItem
from khizana.digital.rights import Rights

READABLE_KINDS = {DigitalItem.Kind.PDF, DigitalItem.Kind.EPUB}


def access_in_words(item: DigitalItem) -> str:
    """The item's access policy as a sentence a reader understands."""
    library = item.library.name
    if item.access == DigitalItem.Access.OPEN:
        return _("Open to everyone.")
    if item.access == DigitalItem.Access.MEMBERS:
        return _("For the members of %(library)s: log in with your library account.") % {"library": library}
    if item.access == DigitalItem.Access.ON_SITE:
        return _(
            "On site only: on the computers and the Wi-Fi of %(library)s; its members may read it anywhere."
        ) % {"library": library}
    return _(
        "Lent under licence to the members of %(library)s: borrow it, then read it for the time of the loan."
    ) % {"library": library}


def access_short(item: DigitalItem) -> str:
    """A few words for lists (the work page)."""
    return {
        DigitalItem.Access.OPEN: _("open to everyone"),
        DigitalItem.Access.MEMBERS: _("members of the library"),
        DigitalItem.Access.ON_SITE: _("on site only"),
        DigitalItem.Access.LICENSED: _("to borrow"),
    }.get(item.access, item.access)


def refusal_in_words(item: DigitalItem, decision: Decision) -> str:
    """Why this reader may not read the item now, and what to do about it."""
    library = item.library.name
    reason = decision.reason
    if reason == "login_required":
        if item.access == DigitalItem.Access.ON_SITE:
            return _(
                "This book can be read on site at %(library)s, or anywhere by its members once logged in."
            ) % {"library": library}
        return _("Log in with your library account to read this book.")
    if reason == "not_member":
        return _(
            "This book is for the members of %(library)s. Your account belongs to another library: "
            "ask %(library)s about membership, or look for another copy."
        ) % {"library": library}
    if reason == "unverified":
        return _(
            "This book is for the members of %(library)s, who has not verified your membership yet: ask for "
            "verification on your account page."
        ) % {"library": library}
    if reason == "off_site":
        return _("This book can only be read on site, from the computers or the Wi-Fi of %(library)s.") % {
            "library": library
        }
    if reason == "no_loan":
        return _("This book is lent under licence: borrow it first, then read it for the time of the loan.")
    if reason == "restricted":
        return access_restriction(item) or _("You may not read this book.")
    return _("You may not read this book.")


def refusal_status(decision: Decision) -> int:
    """The status of a refused page: 401 when logging in may help, else 403."""
    return 401 if decision.reason == "login_required" else 403


def login_url(request: HttpRequest) -> str:
    """The login page, coming back to this page (its path URL-encoded in ``next``)."""
    return redirect_to_login(request.get_full_path()).url


def kind_label(item: DigitalItem) -> str:
    return str(item.get_kind_display())


def reader_url(item: DigitalItem) -> str:
    """Where this item is read: the PDF/EPUB reader, or the page-image viewer."""
    if item.kind == DigitalItem.Kind.IMAGES:
        return reverse("digital-viewer", args=[item.pk])
    return reverse("digital-read", args=[item.pk])


def item_facts(item: DigitalItem) -> list[dict[str, Any]]:
    """Label/value pairs describing the item (empty values left out)."""

    facts: list[dict[str, Any]] = [
        {"label": _("Format"), "value": kind_label(item)},
        {"label": _("Library"), "value": item.library.name},
    ]
    if item.label:
        facts.append({"label": _("Volume or edition"), "value": item.label})
    if item.page_count:
        facts.append({"label": _("Pages"), "value": str(item.page_count), "numeric": True})
    if item.language:
        facts.append({"label": _("Language"), "value": language_name(item.language)})
    if item.direction == DigitalItem.Direction.RTL:
        facts.append({"label": _("Reading direction"), "value": str(item.get_direction_display())})
    facts.append({"label": _("Access"), "value": access_in_words(item)})
    entry = item.rights_entry
    if entry:
        facts.append({"label": _("Rights"), "value": rights_label(entry), "link": entry.uri})
    return facts


def rights_label(entry: Rights) -> str:
    """ "CC BY 4.0 — Creative Commons Attribution 4.0", the label in the reader's language."""
    return f"{entry.code} — {_(entry.label)}"


def work_digital_copies(work: Work) -> list[dict[str, Any]]:
    """The digital copies of a work, for its page: format, library, access in words, where to read."""

    items = (
        DigitalItem.objects.filter(record__work=work)
        .select_related("library")
        .order_by("library__code", "id")
    )
    return [
        {
            "item": item,
            "format": kind_label(item),
            "label": item.label,
            "language": language_name(item.language) if item.language else "",
            "library": item.library.name,
            "access": access_short(item),
            "rights": rights_label(item.rights_entry) if item.rights_entry else "",
            "rights_url": item.rights,
            "item_url": reverse("digital-item", args=[item.pk]),
            "read_url": reader_url(item),
        }
        for item in items
    ]
