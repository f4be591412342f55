"""Signing in to Khizana through a member institution's SAML identity provider: djangosaml2's views,
configured from the registrations (``SAML_CONFIG_LOADER``).

Kept apart from the other sign-in views and imported at the first request that needs it
(khizana/federation/urls.py): djangosaml2 and pysaml2 build XML schemas at import, half a second at every
start of the command line and of the web and queue workers.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import decorator_from_middleware, method_decorator
from django.utils.translation import gettext as _
from djangosaml2 import views as saml_views
from djangosaml2.middleware import SamlSessionMiddleware
from saml2 import BINDING_HTTP_POST
from saml2.config import SPConfig
from saml2.saml import NAMEID_FORMAT_PERSISTENT
from saml2.sigver import get_xmlsec_binary

from . import keys
from .models import InstitutionIdP

saml_session = decorator_from_middleware(SamlSessionMiddleware)


def sp_config(request: HttpRequest | None = None) -> SPConfig:
    """djangosaml2's configuration: Khizana as a service provider of every enabled SAML registration."""
    key_file, cert_file = keys.saml_key_pair(Path(settings.KHIZANA_SSO_DIR) / "sp", "Khizana SAML SP")
    metadata_url = reverse("federation:institution-saml-metadata")
    acs_url = reverse("federation:institution-saml-acs")
    if request is not None:
        metadata_url, acs_url = request.build_absolute_uri(metadata_url), request.build_absolute_uri(acs_url)
    registered = InstitutionIdP.objects.filter(kind=InstitutionIdP.Kind.SAML, enabled=True)
    config = SPConfig()
    config.load(
        {
            "entityid": settings.KHIZANA_SAML_SP_ENTITY_ID or metadata_url,
            "xmlsec_binary": get_xmlsec_binary(["/usr/bin", "/usr/local/bin"]),
            "key_file": str(key_file),
            "cert_file": str(cert_file),
            "metadata": {"inline": [idp.metadata_xml for idp in registered]},
            "accepted_time_diff": 60,
            "allow_unknown_attributes": True,
            "service": {
                "sp": {
                    "name": "Khizana",
                    "endpoints": {"assertion_consumer_service": [(acs_url, BINDING_HTTP_POST)]},
                    "want_assertions_signed": True,
                    "want_response_signed": False,
                    "authn_requests_signed": False,
                    "allow_unsolicited": False,
                    "name_id_format": NAMEID_FORMAT_PERSISTENT,
                    "name_id_format_allow_create": True,
                }
            },
        }
    )
    return config


def _failure(request: HttpRequest, message: str, status: int = 403) -> HttpResponse:
    return render(request, "federation/saml_error.html", {"message": message}, status=status)


@method_decorator(saml_session, name="dispatch")
class SamlLogin(saml_views.LoginView):
    def unknown_idp(self, request, idp):
        return _failure(
            request, _("The identity provider %(idp)s is not registered with Khizana.") % {"idp": idp}
        )

    def get(self, request, *args, **kwargs):
        if not InstitutionIdP.objects.filter(
            kind=InstitutionIdP.Kind.SAML, enabled=True, entity_id=request.GET.get("idp", "")
        ).exists():
            return self.unknown_idp(request, request.GET.get("idp", ""))
        return super().get(request, *args, **kwargs)


@method_decorator(saml_session, name="dispatch")
class SamlAcs(saml_views.AssertionConsumerServiceView):
    def handle_acs_failure(self, request, exception=None, status=403, **kwargs):
        return _failure(request, _("The sign-in through your institution failed."), status)


@method_decorator(saml_session, name="dispatch")
class SamlMetadata(saml_views.MetadataView):
    pass
