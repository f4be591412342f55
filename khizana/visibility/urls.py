"""URLs of research visibility (at /research/): each feature's own urls.py, in the one ``visibility``
namespace."""

from django.urls import include, path

app_name = "visibility"
urlpatterns = [
    path("registry/", include("khizana.visibility.registry.urls")),
    path("affiliations/", include("khizana.visibility.affiliations.urls")),
]
