"""URLs of the digital library: reader part (item page, online readers, file delivery to them)."""

from django.urls import path

from . import reader_views

urlpatterns = [
    path("<int:item_id>/", reader_views.item_page, name="digital-item"),
    path("<int:item_id>/read", reader_views.read, name="digital-read"),
    path("<int:item_id>/content", reader_views.content, name="digital-content"),
]
