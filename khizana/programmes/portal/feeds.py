"""The portal's news as RSS 2.0 and Atom 1.0 feeds (Django's syndication framework), in the reader's
language (each text falls back to the first written in French, Arabic, English)."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from . import services
from .models import Entry


class NewsRss(Feed):
    feed_type = Rss201rev2Feed

    def title(self) -> str:
        return _("News of the Khizana network")

    def link(self) -> str:
        return reverse("portal:index")

    def description(self) -> str:
        return _("What the network of libraries announces: calls, events, services, results.")

    def items(self):
        return services.published().filter(kind=Entry.Kind.NEWS)[: services.FEED_ITEMS]

    def item_title(self, item: Entry) -> str:
        return item.title

    def item_description(self, item: Entry) -> str:
        # plain text written by staff, escaped: readers show it as HTML
        paragraphs = services.paragraphs(item.body)
        return escape(item.summary or (paragraphs[0] if paragraphs else ""))

    def item_link(self, item: Entry) -> str:
        return reverse("portal:news", args=[item.pk])

    def item_pubdate(self, item: Entry):
        return item.published_at

    def item_updateddate(self, item: Entry):
        return item.updated_at


class NewsAtom(NewsRss):
    feed_type = Atom1Feed

    def subtitle(self) -> str:
        return self.description()
