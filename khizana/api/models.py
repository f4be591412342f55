"""API tokens: a member of staff's key for writes through the API (holdings, imports)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is kept; the token itself is shown once, when created.

    A token acts for its user: what it may write is what the user's role allows on the object's library
    (khizana.accounts.permissions), checked at every request, so a changed role applies at once.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for."))
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=16, help_text=_("First characters of the token, to recognise it."))
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("API token")

    def __str__(self) -> str:
        state = " (revoked)" if self.revoked else ""
        return f"{self.prefix}… {self.name} of {self.user}{state}"
