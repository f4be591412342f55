from django.contrib import admin
from django.urls import include, path

from khizana.digital.counter import urls as counter_urls
from khizana.staff import views as staff_views

urlpatterns = [
    path("", include("khizana.web.urls")),
    path("account/", include("khizana.accounts.urls")),
    path("staff/", include("khizana.staff.urls")),
    path("staff/records/<int:record_id>/raw", staff_views.source_record_raw, name="source-record-raw"),
    path("oai", include("khizana.oai.urls")),
    path("api/", include("khizana.api.urls")),
    path("sru", include("khizana.sru.urls")),
    path("staff/harvest/", include("khizana.harvest.urls")),
    path("research/", include("khizana.visibility.urls")),
    path("digital/", include("khizana.digital.urls")),
    path("iiif/", include("khizana.digital.iiif.urls")),
    path("staff/digital/", include("khizana.digital.ingest.urls")),
    path("staff/digital/usage/", include(counter_urls.staff_urlpatterns)),
    path("r51/", include("khizana.digital.counter.urls")),
    path("resources/", include("khizana.eresources.urls")),
    path("ill/", include("khizana.ill.urls")),
    path("sso/", include("khizana.federation.urls")),
    # django-oauth-toolkit reverses its own "oauth2_provider:" names: mounted here, not inside federation
    path("sso/oidc/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
