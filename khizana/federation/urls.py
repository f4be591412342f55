from django.urls import path

from . import institution_views, oidc_views, views

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
    path("institution/saml/login/", institution_views.SamlLogin.as_view(), name="institution-saml-login"),
    path("institution/saml/acs/", institution_views.SamlAcs.as_view(), name="institution-saml-acs"),
    path(
        "institution/saml/metadata/",
        institution_views.SamlMetadata.as_view(),
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
