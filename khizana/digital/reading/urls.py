"""URLs of the digital library: reader part (item page, online readers, file delivery to them)."""

from django.urls import path

from khizana.digital.reading import views

urlpatterns = [
    path("<int:item_id>/", views.item_page, name="digital-item"),
    path("<int:item_id>/read", views.read, name="digital-read"),
    path("<int:item_id>/content", views.content, name="digital-content"),
]
