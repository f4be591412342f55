"""URLs of the digital library: the page-image viewer (iiif part), at /digital/."""

from django.urls import path

from . import viewer_views

urlpatterns = [
    path("<int:item_id>/pages/", viewer_views.viewer, name="digital-viewer"),
]
