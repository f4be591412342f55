"""Signing in to Khizana through a member institution's identity provider: the chooser page and the
OpenID Connect client (mozilla-django-oidc's views, configured per provider); the SAML service provider is
in :mod:`.saml_sp`."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from mozilla_django_oidc import views as oidc_views

from .models import InstitutionIdP

OIDC_STATES = "federation.oidc_idp"


@require_GET
def choose(request: HttpRequest) -> HttpResponse:
    """The institutions whose members may sign in through their own identity provider."""
    next_url = request.GET.get("next", "")
    providers = InstitutionIdP.objects.filter(enabled=True).select_related("library")
    return render(request, "federation/institutions.html", {"providers": providers, "next": next_url})


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
