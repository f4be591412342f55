from django.contrib import admin
from django.urls import include, path

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
    path("resources/", include("khizana.eresources.urls")),
    path("sso/", include("khizana.federation.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
