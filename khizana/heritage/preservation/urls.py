"""URLs of preservation: no public page (``urlpatterns``, at /heritage/preservation/) and the staff pages
(``staff_urlpatterns``, at /staff/heritage/preservation/); both included by khizana/urls.py."""

from django.urls import path

from . import views

app_name = "preservation"

urlpatterns: list = []

staff_urlpatterns = (
    [
        path("", views.overview, name="overview"),
        path("audit", views.run_audit, name="audit"),
        path("items/<int:item_id>/", views.item_page, name="item"),
        path("items/<int:item_id>/premis.xml", views.premis_xml, name="premis"),
        path("items/<int:item_id>/preserve", views.preserve, name="preserve"),
        path("items/<int:item_id>/check", views.check, name="check"),
        path("items/<int:item_id>/restore", views.restore, name="restore"),
    ],
    "preservation-staff",
)
