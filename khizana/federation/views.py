"""Single sign-on pages: the SAML identity provider (metadata, single sign-on service) and the staff
pages where network administrators register service providers and OpenID Connect clients."""

from __future__ import annotations

import base64
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT

from khizana.accounts import permissions
from khizana.accounts.decorators import int_or_404, staff_required

from . import institutions, saml_idp, services
from .forms import InstitutionIdPForm, OIDCClientForm, ServiceProviderForm
from .models import InstitutionIdP, OIDCClient, ServiceProvider

PENDING = "federation.saml_pending"
MAX_PENDING = 5
MAX_RELAY_STATE = 1024  # SAML asks for 80 bytes at most; platforms send longer ones


def idp_address(request: HttpRequest) -> saml_idp.IdPAddress:
    metadata_url = request.build_absolute_uri(reverse("federation:saml-metadata"))
    return saml_idp.IdPAddress(
        entity_id=settings.KHIZANA_SAML_IDP_ENTITY_ID or metadata_url,
        sso_url=request.build_absolute_uri(reverse("federation:saml-sso")),
    )


@require_GET
def saml_metadata(request: HttpRequest) -> HttpResponse:
    xml = saml_idp.signed_metadata(idp_address(request))
    return HttpResponse(xml, content_type="application/samlmetadata+xml; charset=utf-8")


def _refuse(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "federation/saml_error.html", {"message": message}, status=status)


@csrf_exempt  # the service provider's page posts here (SAML HTTP-POST binding): nothing is changed
@never_cache
@require_http_methods(["GET", "POST"])
def saml_sso(request: HttpRequest) -> HttpResponse:
    """The single sign-on service: HTTP-Redirect (GET) and HTTP-POST bindings."""
    data = request.POST if request.method == "POST" else request.GET
    binding = BINDING_HTTP_POST if request.method == "POST" else BINDING_HTTP_REDIRECT
    message = data.get("SAMLRequest", "")
    if not message:
        return _refuse(request, _("SAMLRequest: missing. This address is used by service providers."))
    relay_state = data.get("RelayState", "")
    if len(relay_state) > MAX_RELAY_STATE:
        return _refuse(request, _("RelayState: longer than %(size)d characters.") % {"size": MAX_RELAY_STATE})
    try:  # an unknown service provider is refused before anyone is asked to sign in
        provider = _provider_of(message, binding)
        if not request.user.is_authenticated and saml_idp.is_passive(message, binding):
            destination, response = saml_idp.no_passive_answer(
                idp_address(request), provider, message, binding
            )
            return _post_page(request, provider, destination, response, relay_state)
    except saml_idp.SamlRequestError as error:
        return _refuse(request, str(error), error.status)
    if not request.user.is_authenticated:
        if binding == BINDING_HTTP_REDIRECT:
            return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
        # A POSTed request waits in the session while the member signs in.
        token = secrets.token_urlsafe(16)
        pending = dict(list(request.session.get(PENDING, {}).items())[-(MAX_PENDING - 1) :])
        pending[token] = {"message": message, "relay_state": relay_state}
        request.session[PENDING] = pending
        resume = f"{reverse('federation:saml-resume')}?request={token}"
        return redirect_to_login(resume, reverse("accounts:login"))
    return _answer(request, message, binding, relay_state)


@never_cache
@require_GET
def saml_resume(request: HttpRequest) -> HttpResponse:
    """After sign-in, answers the HTTP-POST request that waited in the session."""
    pending = request.session.get(PENDING, {})
    waiting = pending.pop(request.GET.get("request", ""), None)
    request.session[PENDING] = pending
    if waiting is None:
        return _refuse(request, _("The sign-in request has expired: go back to the platform and try again."))
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("accounts:login"))
    return _answer(request, waiting["message"], BINDING_HTTP_POST, waiting["relay_state"])


def _provider_of(message: str, binding: str) -> ServiceProvider:
    """The registered service provider that sent ``message``; SamlRequestError (with the status to
    answer) otherwise."""
    issuer = saml_idp.request_issuer(message, binding)
    provider = ServiceProvider.objects.filter(entity_id=issuer).first()
    if provider is None:
        reason = _("The service provider %(entity_id)s is not registered with Khizana.") % {
            "entity_id": issuer
        }
        raise saml_idp.SamlRequestError(reason, status=403)
    return provider


def _answer(request: HttpRequest, message: str, binding: str, relay_state: str) -> HttpResponse:
    address = idp_address(request)
    try:
        provider = _provider_of(message, binding)
    except saml_idp.SamlRequestError as error:
        return _refuse(request, str(error), error.status)
    try:
        destination, response = saml_idp.answer(address, provider, request.user, message, binding)
    except saml_idp.SamlRequestError as error:
        return _refuse(request, _("The sign-in request was refused: %(reason)s") % {"reason": error})
    return _post_page(request, provider, destination, response, relay_state)


def _post_page(request, provider, destination: str, response: str, relay_state: str) -> HttpResponse:
    """The page that posts the SAML ``response`` to the service provider's ``destination``."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(destination))
    page = render(
        request,
        "federation/saml_post.html",
        {
            "destination": destination,
            "saml_response": base64.b64encode(response.encode()).decode(),
            "relay_state": relay_state,
            "provider": provider,
        },
    )
    # The page posts the answer to the service provider: to that address only.
    page["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'self'; style-src 'self'; form-action {origin}; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    return page


# --- staff pages: network administrators only ------------------------------------------------------


def _network_admin(request: HttpRequest) -> None:
    if not permissions.is_network_admin(request.user):
        raise PermissionDenied(_("Single sign-on is managed by the network administrators."))


def _providers_page(request: HttpRequest, form, oidc_form, idp_form=None) -> HttpResponse:
    idp_form = idp_form or InstitutionIdPForm()
    context = {
        "form": form,
        "oidc_form": oidc_form,
        "idp_form": idp_form,
        "institution_idps": InstitutionIdP.objects.select_related("library"),
        "sp_metadata_url": request.build_absolute_uri(reverse("federation:institution-saml-metadata")),
        "oidc_callback_url": request.build_absolute_uri(reverse("federation:institution-oidc-callback")),
        "providers": ServiceProvider.objects.select_related("resource"),
        "clients": OIDCClient.objects.select_related("application", "resource"),
        "metadata_url": request.build_absolute_uri(reverse("federation:saml-metadata")),
        "discovery_url": request.build_absolute_uri(reverse("oauth2_provider:oidc-connect-discovery-info")),
    }
    status = 400 if form.errors or oidc_form.errors or idp_form.errors else 200
    return render(request, "federation/providers.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required
def providers(request: HttpRequest) -> HttpResponse:
    _network_admin(request)
    form = ServiceProviderForm(request.POST if request.method == "POST" else None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            provider = services.register_service_provider(
                request.user, form.metadata(), resource_id=form.cleaned_data["resource"]
            )
        except services.RegistrationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("The service provider %(entity_id)s is registered.") % {"entity_id": provider.entity_id},
            )
            return redirect("federation:providers")
    return _providers_page(request, form, OIDCClientForm())


@require_POST
@staff_required
def provider_remove(request: HttpRequest, provider_id: str) -> HttpResponse:
    _network_admin(request)
    try:
        services.remove_service_provider(request.user, int_or_404(provider_id))
    except services.RegistrationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The service provider has been removed."))
    return redirect("federation:providers")


@require_POST
@staff_required
def client_add(request: HttpRequest) -> HttpResponse:
    _network_admin(request)
    form = OIDCClientForm(request.POST)
    if form.is_valid():
        try:
            client, secret = services.register_oidc_client(
                request.user,
                name=form.cleaned_data["name"],
                redirect_uris=form.cleaned_data["redirect_uris"],
                resource_id=form.cleaned_data["resource"],
            )
        except services.RegistrationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return render(request, "federation/client_secret.html", {"client": client, "secret": secret})
    return _providers_page(request, ServiceProviderForm(), form)


@require_POST
@staff_required
def client_remove(request: HttpRequest, client_id: str) -> HttpResponse:
    _network_admin(request)
    try:
        services.remove_oidc_client(request.user, int_or_404(client_id))
    except services.RegistrationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The OpenID Connect client has been removed."))
    return redirect("federation:providers")


@require_POST
@staff_required
def institution_add(request: HttpRequest) -> HttpResponse:
    _network_admin(request)
    form = InstitutionIdPForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            idp = institutions.register_institution_idp(
                request.user,
                library_id=data["library"],
                kind=data["kind"],
                name=data["name"],
                scopes=data["scopes"],
                metadata_url=data["metadata_url"],
                metadata_xml=data["metadata_xml"],
                client_id=data["client_id"],
                client_secret=data["client_secret"],
                category_map=data["category_map"],
            )
        except services.RegistrationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("The identity provider %(name)s is registered.") % {"name": idp.name})
            return redirect("federation:providers")
    return _providers_page(request, ServiceProviderForm(), OIDCClientForm(), form)


@require_POST
@staff_required
def institution_remove(request: HttpRequest, idp_id: str) -> HttpResponse:
    _network_admin(request)
    try:
        institutions.remove_institution_idp(request.user, int_or_404(idp_id))
    except services.RegistrationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The identity provider has been removed."))
    return redirect("federation:providers")
