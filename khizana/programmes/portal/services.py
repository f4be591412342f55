"""What the portal shows and who may write it: the network's administrators write news and pages;
everyone reads what is published. The portal also gathers what the other programmes offer (open and
coming calls, coming events, open surveys) and the themed lists of free resources."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from khizana.accounts import permissions
from khizana.accounts.audit import audit
from khizana.eresources.models import FreeList
from khizana.programmes.calls.models import Call
from khizana.programmes.events.services import visible_events
from khizana.programmes.surveys.services import open_surveys

from .models import LANGUAGES, Entry

LATEST_NEWS = 5  # news items on the home page
FEED_ITEMS = 20  # news items in the RSS and Atom feeds


class PortalError(Exception):
    """A write refused, with a message for the writer."""


class NotAllowed(PortalError):
    pass


def may_write(user) -> bool:
    return permissions.is_network_admin(user)


def published(now: datetime | None = None) -> QuerySet[Entry]:
    now = now or timezone.now()
    return Entry.objects.filter(status=Entry.Status.PUBLISHED, published_at__lte=now)


def latest_news(count: int = LATEST_NEWS) -> list[Entry]:
    return list(published().filter(kind=Entry.Kind.NEWS)[:count])


def pages() -> QuerySet[Entry]:
    return published().filter(kind=Entry.Kind.PAGE).order_by("title_fr", "id")


@dataclass
class EntryText:
    kind: str
    slug: str
    texts: dict[str, str]  # title_fr, summary_ar, body_en…
    status: str
    published_at: datetime | None


def save_entry(user, values: EntryText, entry: Entry | None = None) -> Entry:
    """Create or change a news item or page. Refused (with the reason) when the user is not a network
    administrator, when no title is written in any language, or when a page has no address or another
    page's address."""
    if not may_write(user):
        raise NotAllowed(_("Only the network's administrators write the portal."))
    if not any(values.texts.get(f"title_{code}", "").strip() for code in LANGUAGES):
        raise PortalError(_("Title: write it in one language at least."))
    slug = values.slug.strip() if values.kind == Entry.Kind.PAGE else ""
    if values.kind == Entry.Kind.PAGE:
        if not slug:
            raise PortalError(_("Address: a page needs one."))
        taken = Entry.objects.filter(kind=Entry.Kind.PAGE, slug=slug)
        if entry is not None:
            taken = taken.exclude(pk=entry.pk)
        if taken.exists():
            raise PortalError(_("Address: another page already has “%(slug)s”.") % {"slug": slug})
    with transaction.atomic():
        entry = entry or Entry(created_by=user)
        entry.kind, entry.slug, entry.status = values.kind, slug, values.status
        for name, text in values.texts.items():
            setattr(entry, name, text.strip())
        entry.published_at = values.published_at
        if entry.status == Entry.Status.PUBLISHED and entry.published_at is None:
            entry.published_at = timezone.now()
        entry.save()
        audit(user, None, "portal.save", f"{entry.kind} {entry.pk}", status=entry.status)
    return entry


def delete_entry(user, entry: Entry) -> None:
    if not may_write(user):
        raise NotAllowed(_("Only the network's administrators write the portal."))
    with transaction.atomic():
        audit(user, None, "portal.delete", f"{entry.kind} {entry.pk}", title=str(entry))
        entry.delete()


def paragraphs(text: str) -> list[str]:
    """A plain text's paragraphs (split at blank lines); the template escapes them and keeps line breaks."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return [block for block in blocks if block]


# ---- what the other programmes offer ---------------------------------------------------------------------


def programme_listing(user, now: datetime | None = None) -> dict[str, list]:
    """Open and coming calls, coming events, open surveys the user may answer, and the free lists."""
    now = now or timezone.now()
    return {
        "calls": list(Call.objects.filter(closes_at__gt=now).order_by("closes_at")[:10]),
        "events": list(visible_events().filter(ends_at__gt=now).order_by("starts_at")[:10]),
        "surveys": list(open_surveys(user)[:10]),
        "free_lists": list(FreeList.objects.order_by("title_fr")[:20]),
    }
