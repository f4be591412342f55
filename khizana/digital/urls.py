"""Public URLs of the digital library (at /digital/): each feature's own urls.py; IIIF is at /iiif/
(iiif/urls.py), staff pages at /staff/digital/ (ingest/urls.py), both included by khizana/urls.py."""

from django.urls import include, path

from khizana.digital.iiif.urls import viewer_urlpatterns

urlpatterns = [
    path("", include("khizana.digital.reading.urls")),
    path("", include("khizana.digital.fulltext.urls")),
    path("", include("khizana.digital.lending.urls")),
    path("", include(viewer_urlpatterns)),
]
