"""URLs of the digital library: fulltext part (search inside one item)."""

from django.urls import path

from . import search_views

urlpatterns = [
    path("<int:item_id>/search", search_views.search_inside, name="digital-search-inside"),
]
