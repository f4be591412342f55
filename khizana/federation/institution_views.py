"""Signing in to Khizana through a member institution's identity provider: the chooser page, the SAML
service provider (djangosaml2's views, configured from the registrations) and the OpenID Connect client
(mozilla-django-oidc's views, configured per provider)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import decorator_from_middleware, method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from djangosaml2 import views as saml_views
from djangosaml2.middleware import SamlSessionMiddleware
from mozilla_django_oidc import views as oidc_views
from saml2 import BINDING_HTTP_POST
from saml2.config import SPConfig
from saml2.saml import NAMEID_FORMAT_PERSISTENT
from saml2.sigver import get_xmlsec_binary

from . import keys
from .models import InstitutionIdP

OIDC_STATES = "federation.oidc_idp"
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


@require_GET
def choose(request: HttpRequest) -> HttpResponse:
    """The institutions whose members may sign in through their own identity provider."""
    next_url = request.GET.get("next", "")
    providers = InstitutionIdP.objects.filter(enabled=True).select_related("library")
    return render(request, "federation/institutions.html", {"providers": providers, "next": next_url})


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


class OIDCLogin(oidc_views.OIDCAuthenticationRequestView):
    SETTINGS = {
        "OIDC_AUTHENTICATION_CALLBACK_URL": "federation:institution-oidc-callback",
        "OIDC_USE_PKCE": True,
        "OIDC_USE_NONCE": True,
    }

    def __init__(self, *args, **kwargs):
        oidc_views.View.__init__(self, *args, **kwargs)
        self.idp: InstitutionIdP | None = None

    def get_settings(self, attr, *args):
        if attr == "OIDC_RP_SCOPES":
            return "openid email profile eduperson"
        if attr in self.SETTINGS:
            return self.SETTINGS[attr]
        return oidc_views.import_from_settings(attr, *args)

    def get(self, request, idp_id: int):
        self.idp = get_object_or_404(InstitutionIdP, pk=idp_id, kind=InstitutionIdP.Kind.OIDC, enabled=True)
        self.OIDC_OP_AUTH_ENDPOINT = self.idp.discovery["authorization_endpoint"]
        self.OIDC_RP_CLIENT_ID = self.idp.client_id
        response = super().get(request)
        state = next(reversed(request.session["oidc_states"]))  # the state this request just added
        request.session[OIDC_STATES] = {**request.session.get(OIDC_STATES, {}), state: self.idp.pk}
        return response


class OIDCCallback(oidc_views.OIDCAuthenticationCallbackView):
    def get_settings(self, attr, *args):
        return oidc_views.import_from_settings(attr, *args)

    @property
    def failure_url(self):
        return reverse("federation:institutions")

    def login_failure(self):
        messages.error(self.request, _("The sign-in through your institution failed."))
        return super().login_failure()

    def get(self, request):
        states = request.session.get(OIDC_STATES, {})
        idp_id = states.pop(request.GET.get("state", ""), None)
        request.session[OIDC_STATES] = states
        if idp_id is None:
            return self.login_failure()
        request.federation_oidc_idp = (
            InstitutionIdP.objects.filter(pk=idp_id, kind=InstitutionIdP.Kind.OIDC, enabled=True)
            .select_related("library")
            .first()
        )
        if request.federation_oidc_idp is None:
            raise Http404
        return super().get(request)
