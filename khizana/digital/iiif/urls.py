"""URLs of the digital library: iiif part. ``urlpatterns``: the IIIF Image API 3.0 and Presentation 3
manifests, at /iiif/ (khizana/urls.py); ``viewer_urlpatterns``: the page-image viewer, at /digital/
(khizana/digital/urls.py)."""

from django.urls import path

from khizana.digital.iiif import viewer, views

urlpatterns = [
    path("3/<str:identifier>", views.base, name="digital-iiif-base"),
    path("3/<str:identifier>/info.json", views.info, name="digital-iiif-info"),
    path(
        "3/<str:identifier>/<str:region>/<str:size>/<str:rotation>/<str:filename>",
        views.image,
        name="digital-iiif-image",
    ),
    path("manifest/<int:item_id>.json", views.manifest, name="digital-iiif-manifest"),
]

viewer_urlpatterns = [
    path("<int:item_id>/pages/", viewer.viewer, name="digital-viewer"),
]
