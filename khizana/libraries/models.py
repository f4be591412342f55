from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Library(models.Model):
    """A member of the network."""

    class Kind(models.TextChoices):
        NATIONAL = "national", _("National library")
        UNIVERSITY = "university", _("University library")
        RESEARCH = "research", _("Research library")
        PUBLIC = "public", _("Public or sectoral library")

    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9][A-Z0-9_-]*$", _("Upper-case letters, digits, - and _ only."))],
    )
    name_fr = models.CharField(_("name in French"), max_length=255)
    name_ar = models.CharField(_("name in Arabic"), max_length=255, blank=True)
    name_en = models.CharField(_("name in English"), max_length=255, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    city = models.CharField(_("city"), max_length=128, blank=True)
    country = models.CharField(
        _("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2 code, e.g. MA, DZ, TN, FR.")
    )
    address = models.TextField(_("address"), blank=True)
    latitude = models.FloatField(
        _("latitude"), null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact telephone"), max_length=64, blank=True)
    website = models.URLField(_("website"), blank=True)
    oai_endpoint = models.URLField(_("OAI-PMH endpoint"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("library")
        verbose_name_plural = _("libraries")

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def name(self) -> str:
        """The name in the active language, falling back to French."""
        language = (get_language() or "fr")[:2]
        return getattr(self, f"name_{language}", "") or self.name_fr
