"""Public URLs of the digital library (at /digital/); IIIF is at /iiif/, staff pages at /staff/digital/."""

from django.urls import include, path

urlpatterns = [
    path("", include("khizana.digital.urls_reader")),
    path("", include("khizana.digital.urls_fulltext")),
    path("", include("khizana.digital.urls_loans")),
    path("", include("khizana.digital.urls_viewer")),
]
