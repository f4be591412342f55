"""URLs of theses: public pages (``urlpatterns``, at /heritage/theses/) and staff pages
(``staff_urlpatterns``, at /staff/heritage/theses/); both included by khizana/urls.py."""

from django.urls import path

from . import views

app_name = "theses"

urlpatterns: list = [path("<int:thesis_id>/", views.thesis_page, name="thesis")]

staff_urlpatterns = (
    [
        path("", views.staff_list, name="list"),
        path("deposit/", views.deposit, name="deposit"),
        path("<int:thesis_id>/embargo/", views.embargo, name="embargo"),
    ],
    "theses-staff",
)
