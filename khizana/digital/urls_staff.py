"""URLs of the digital library: staff part (at /staff/digital/)."""

from django.urls import path

from . import staff_views

urlpatterns = [
    path("", staff_views.items, name="digital-staff"),
    path("<int:item_id>/", staff_views.item_detail, name="digital-staff-item"),
]
