"""The network's portal: news items and pages in French, Arabic and English, written by the network's
administrators, draft until published (from their publication date)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

LANGUAGES = ("fr", "ar", "en")


class Entry(models.Model):
    """A news item (dated, in the feeds and on the home page) or a page (at its own address)."""

    class Kind(models.TextChoices):
        NEWS = "news", _("news item")
        PAGE = "page", _("page")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.NEWS)
    slug = models.SlugField(
        _("address"),
        max_length=80,
        blank=True,
        help_text=_("The end of a page's address: letters, digits, -."),
    )
    title_fr = models.CharField(_("title (French)"), max_length=255, blank=True)
    title_ar = models.CharField(_("title (Arabic)"), max_length=255, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=255, blank=True)
    summary_fr = models.CharField(_("summary (French)"), max_length=500, blank=True)
    summary_ar = models.CharField(_("summary (Arabic)"), max_length=500, blank=True)
    summary_en = models.CharField(_("summary (English)"), max_length=500, blank=True)
    body_fr = models.TextField(
        _("text (French)"), blank=True, help_text=_("Plain text: a blank line between paragraphs.")
    )
    body_ar = models.TextField(_("text (Arabic)"), blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        _("publication date"), null=True, blank=True, help_text=_("Shown from this date; now when empty.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("portal entry")
        constraints = [
            models.UniqueConstraint(
                fields=["slug"], condition=Q(kind="page"), name="unique_portal_page_slug"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False), name="portal_published_dated"
            ),
        ]

    def __str__(self) -> str:
        return self.title_fr or self.title_en or self.title_ar

    def in_language(self, field: str, language: str | None = None) -> tuple[str, str]:
        """The text of ``field`` in ``language`` (the reader's), else the first written in fr, ar, en; with
        the language it is in (the page marks it ``lang``)."""
        wanted = (language or get_language() or "fr")[:2]
        for code in (wanted, *LANGUAGES):
            text = getattr(self, f"{field}_{code}", "")
            if text:
                return text, code
        return "", wanted

    @property
    def title(self) -> str:
        return self.in_language("title")[0]

    @property
    def title_language(self) -> str:
        return self.in_language("title")[1]

    @property
    def summary(self) -> str:
        return self.in_language("summary")[0]

    @property
    def summary_language(self) -> str:
        return self.in_language("summary")[1]

    @property
    def body(self) -> str:
        return self.in_language("body")[0]

    @property
    def body_language(self) -> str:
        return self.in_language("body")[1]
