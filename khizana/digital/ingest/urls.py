"""URLs of the digital library: staff part (at /staff/digital/): adding items, access and rights."""

from django.urls import path

from khizana.digital.ingest import views

urlpatterns = [
    path("", views.items, name="digital-staff"),
    path("<int:item_id>/", views.item_detail, name="digital-staff-item"),
]
