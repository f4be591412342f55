"""Who Khizana's identity providers answer (service providers, OpenID Connect clients), and the
institutions' identity providers members may sign in to Khizana through."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings

from .release import ANONYMOUS, PSEUDONYMOUS, RESEARCH_AND_SCHOLARSHIP


class ServiceProvider(models.Model):
    """A SAML 2.0 service provider (a publisher's platform) registered by a network administrator."""

    entity_id = models.CharField(_("entity ID"), max_length=1024, unique=True)
    name = models.CharField(_("name"), max_length=255, blank=True)
    metadata_xml = models.TextField(_("metadata"))
    categories = models.JSONField(
        _("entity categories"), default=list, blank=True, help_text=_("Read from the metadata.")
    )
    resource = models.ForeignKey(
        "eresources.Resource",
        verbose_name=_("electronic resource"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The licensed resource whose entitlements this service provider receives."),
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "entity_id"]
        verbose_name = _("SAML service provider")

    def __str__(self) -> str:
        return self.name or self.entity_id

    @property
    def category_labels(self) -> list[str]:
        labels = {
            RESEARCH_AND_SCHOLARSHIP: _("Research and Scholarship"),
            ANONYMOUS: _("Anonymous Authorization"),
            PSEUDONYMOUS: _("Pseudonymous Authorization"),
        }
        return [str(labels[category]) for category in self.categories if category in labels]


class OIDCClient(models.Model):
    """A platform that signs members in with OpenID Connect: the django-oauth-toolkit application, and
    the resource whose entitlements it receives."""

    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="khizana_client",
    )
    resource = models.ForeignKey(
        "eresources.Resource",
        verbose_name=_("electronic resource"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("OpenID Connect client")

    def __str__(self) -> str:
        return self.application.name


class InstitutionIdP(models.Model):
    """A member institution's identity provider its members may sign in to Khizana through."""

    class Kind(models.TextChoices):
        SAML = "saml", _("SAML 2.0")
        OIDC = "oidc", _("OpenID Connect")

    library = models.ForeignKey(
        "libraries.Library", verbose_name=_("library"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=255)
    entity_id = models.CharField(
        _("entity ID or issuer"), max_length=1024, unique=True, help_text=_("SAML entity ID, OIDC issuer.")
    )
    metadata_url = models.URLField(_("metadata or discovery URL"), max_length=1024, blank=True)
    metadata_xml = models.TextField(_("SAML metadata"), blank=True)
    discovery = models.JSONField(_("OpenID Connect discovery document"), default=dict, blank=True)
    client_id = models.CharField(_("client ID"), max_length=255, blank=True)
    client_secret = models.CharField(_("client secret"), max_length=255, blank=True)
    scopes = models.CharField(
        _("scopes"),
        max_length=500,
        help_text=_("The DNS domains whose scoped affiliations this provider may assert, space-separated."),
    )
    attribute_mapping = models.JSONField(
        _("affiliation to category"),
        default=dict,
        blank=True,
        help_text=_('Affiliation values mapped to a reader category, e.g. {"faculty": "researcher"}.'),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("institution identity provider")

    def __str__(self) -> str:
        return self.name

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()


class FederatedIdentity(models.Model):
    """A person as their institution's identity provider names them, and their Khizana account."""

    idp = models.ForeignKey(InstitutionIdP, on_delete=models.CASCADE, related_name="identities")
    subject = models.CharField(max_length=512)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idp", "subject"], name="unique_federated_subject")]

    def __str__(self) -> str:
        return f"{self.subject} @ {self.idp_id}"
