from django.contrib import admin
from django.urls import include, path

from khizana.ai import urls as ai_urls
from khizana.digital.counter import urls as counter_urls
from khizana.heritage.conservation import urls as conservation_urls
from khizana.heritage.digitisation import urls as digitisation_urls
from khizana.heritage.preservation import urls as preservation_urls
from khizana.heritage.theses import urls as theses_urls
from khizana.programmes.calls import urls as calls_urls
from khizana.programmes.events import urls as events_urls
from khizana.programmes.labelling import urls as labelling_urls
from khizana.programmes.portal import urls as portal_urls
from khizana.programmes.surveys import urls as surveys_urls
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
    path("heritage/conservation/", include("khizana.heritage.conservation.urls")),
    path("staff/heritage/conservation/", include(conservation_urls.staff_urlpatterns)),
    path("heritage/digitisation/", include("khizana.heritage.digitisation.urls")),
    path("staff/heritage/digitisation/", include(digitisation_urls.staff_urlpatterns)),
    path("heritage/preservation/", include("khizana.heritage.preservation.urls")),
    path("staff/heritage/preservation/", include(preservation_urls.staff_urlpatterns)),
    path("heritage/theses/", include("khizana.heritage.theses.urls")),
    path("staff/heritage/theses/", include(theses_urls.staff_urlpatterns)),
    path("network/calls/", include("khizana.programmes.calls.urls")),
    path("staff/network/calls/", include(calls_urls.staff_urlpatterns)),
    path("network/labelling/", include("khizana.programmes.labelling.urls")),
    path("staff/network/labelling/", include(labelling_urls.staff_urlpatterns)),
    path("network/events/", include("khizana.programmes.events.urls")),
    path("staff/network/events/", include(events_urls.staff_urlpatterns)),
    path("network/portal/", include("khizana.programmes.portal.urls")),
    path("staff/network/portal/", include(portal_urls.staff_urlpatterns)),
    path("network/surveys/", include("khizana.programmes.surveys.urls")),
    path("staff/network/surveys/", include(surveys_urls.staff_urlpatterns)),
    path("ai/", include("khizana.ai.urls")),
    path("staff/ai/", include(ai_urls.staff_urlpatterns)),
    path("sso/", include("khizana.federation.urls")),
    # django-oauth-toolkit reverses its own "oauth2_provider:" names: mounted here, not inside federation
    path("sso/oidc/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("khizana.operations.urls")),  # /health/ and /metrics (khizana/operations)
    path("admin/", admin.site.urls),
]
