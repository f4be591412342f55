"""URLs of conservation: public pages (``urlpatterns``, at /heritage/conservation/) and staff pages
(``staff_urlpatterns``, at /staff/heritage/conservation/); both included by khizana/urls.py."""

from django.urls import path

from . import views

app_name = "conservation"

urlpatterns = [
    path("", views.public_plans, name="plans"),
    path("<int:plan_id>/", views.public_plan, name="plan"),
    path("<int:plan_id>/plan.csv", views.export_csv, name="export-csv"),
    path("<int:plan_id>/plan.mrc", views.export_marc, name="export-marc"),
]

staff_urlpatterns = (
    [
        path("", views.staff_plans, name="plans"),
        path("new/", views.plan_create, name="plan-create"),
        path("<int:plan_id>/", views.staff_plan, name="plan"),
        path("<int:plan_id>/titles/", views.title_add, name="title-add"),
        path("titles/<int:title_id>/", views.staff_title, name="title"),
        path("titles/<int:title_id>/statement/", views.statement_enter, name="statement"),
        path("titles/<int:title_id>/role/", views.role_assign, name="role"),
        path("roles/<int:commitment_id>/remove/", views.role_remove, name="role-remove"),
    ],
    "conservation-staff",
)
