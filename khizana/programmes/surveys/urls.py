"""URLs of surveys: public pages (``urlpatterns``, at /network/surveys/) and staff pages
(``staff_urlpatterns``, at /staff/network/surveys/); both included by khizana/urls.py."""

from django.urls import path

from . import views

app_name = "surveys"

urlpatterns: list = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.answer, name="answer"),
]

staff_urlpatterns = (
    [
        path("", views.staff_surveys, name="surveys"),
        path("new/", views.staff_edit, name="new"),
        path("<int:pk>/", views.staff_survey, name="survey"),
        path("<int:pk>/edit/", views.staff_edit, name="edit"),
        path("<int:pk>/results/", views.staff_results, name="results"),
        path("<int:pk>/results.csv", views.staff_csv, name="csv"),
    ],
    "surveys-staff",
)
