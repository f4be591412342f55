import functools

from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from . import institution_views, oidc_views, views


def _saml_sp_view(name: str, *, exempt: bool = False):
    """The view class ``name`` of :mod:`.saml_sp`, imported at its first request (djangosaml2 and pysaml2
    cost half a second at every start otherwise); ``exempt``: the view takes cross-site POSTs (the
    assertion consumer service, which djangosaml2 exempts from CSRF itself)."""

    def view(request, *args, **kwargs):
        return _saml_sp_class_view(name)(request, *args, **kwargs)

    return csrf_exempt(view) if exempt else view


@functools.cache
def _saml_sp_class_view(name: str):
    from . import saml_sp

    return getattr(saml_sp, name).as_view()


app_name = "federation"
urlpatterns = [
    # the same address as django-oauth-toolkit's (mounted at sso/oidc/ in khizana/urls.py): this one wins
    path("oidc/authorize/", oidc_views.KhizanaAuthorizationView.as_view(), name="oidc-authorize"),
    path("saml/metadata", views.saml_metadata, name="saml-metadata"),
    path("saml/sso", views.saml_sso, name="saml-sso"),
    path("saml/resume", views.saml_resume, name="saml-resume"),
    path("staff/", views.providers, name="providers"),
    path("staff/providers/<str:provider_id>/remove", views.provider_remove, name="provider-remove"),
    path("staff/clients/", views.client_add, name="client-add"),
    path("staff/clients/<str:client_id>/remove", views.client_remove, name="client-remove"),
    path("staff/institutions/", views.institution_add, name="institution-add"),
    path("staff/institutions/<str:idp_id>/remove", views.institution_remove, name="institution-remove"),
    # signing in to Khizana through a member institution's identity provider
    path("institution/", institution_views.choose, name="institutions"),
    path("institution/saml/login/", _saml_sp_view("SamlLogin"), name="institution-saml-login"),
    path("institution/saml/acs/", _saml_sp_view("SamlAcs", exempt=True), name="institution-saml-acs"),
    path(
        "institution/saml/metadata/",
        _saml_sp_view("SamlMetadata"),
        name="institution-saml-metadata",
    ),
    path(
        "institution/oidc/<int:idp_id>/login",
        institution_views.OIDCLogin.as_view(),
        name="institution-oidc-login",
    ),
    path(
        "institution/oidc/callback/",
        institution_views.OIDCCallback.as_view(),
        name="institution-oidc-callback",
    ),
]
