"""URLs of the digital library: iiif part (IIIF Image API 3.0 and Presentation 3 manifests, at /iiif/)."""

from django.urls import path

from . import iiif_views

urlpatterns = [
    path("3/<str:identifier>", iiif_views.base, name="digital-iiif-base"),
    path("3/<str:identifier>/info.json", iiif_views.info, name="digital-iiif-info"),
    path(
        "3/<str:identifier>/<str:region>/<str:size>/<str:rotation>/<str:filename>",
        iiif_views.image,
        name="digital-iiif-image",
    ),
    path("manifest/<int:item_id>.json", iiif_views.manifest, name="digital-iiif-manifest"),
]
