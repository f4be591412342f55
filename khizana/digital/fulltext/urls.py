"""URLs of the digital library: fulltext part (search inside one item)."""

from django.urls import path

from khizana.digital.fulltext import views

urlpatterns = [
    path("<int:item_id>/search", views.search_inside, name="digital-search-inside"),
]
