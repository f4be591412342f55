from django.urls import path

from . import staff_views, views
from .usage import views as usage_views

app_name = "eresources"
urlpatterns = [
    path("", views.resource_list, name="list"),
    path("journals/", views.journal_list, name="journals"),
    path("free/", views.free_lists, name="free"),
    path("mine/", views.my_resources, name="mine"),
    path("staff/", staff_views.index, name="staff"),
    path("staff/links/", staff_views.link_report, name="staff-links"),
    path("staff/resource/<str:pk>/titles/", staff_views.upload_titles, name="staff-titles"),
    path("staff/usage/", usage_views.usage, name="staff-usage"),
    path("staff/usage/<str:pk>/", usage_views.resource_usage, name="staff-usage-resource"),
    path("staff/usage/<str:pk>/sushi/new/", usage_views.account_edit, name="staff-usage-account-new"),
    path(
        "staff/usage/<str:pk>/sushi/<str:account_pk>/", usage_views.account_edit, name="staff-usage-account"
    ),
    path(
        "staff/usage/<str:pk>/sushi/<str:account_pk>/delete/",
        usage_views.account_delete,
        name="staff-usage-account-delete",
    ),
    path(
        "staff/usage/<str:pk>/sushi/<str:account_pk>/harvest/",
        usage_views.account_harvest,
        name="staff-usage-account-harvest",
    ),
    path("staff/usage/<str:pk>/upload/", usage_views.upload, name="staff-usage-upload"),
    path("staff/<str:kind>/new/", staff_views.edit, name="staff-new"),
    path("staff/<str:kind>/<str:pk>/", staff_views.edit, name="staff-edit"),
    path("staff/<str:kind>/<str:pk>/<str:part>/add/", staff_views.add_part, name="staff-part-add"),
    path(
        "staff/<str:kind>/<str:pk>/<str:part>/<str:part_pk>/delete/",
        staff_views.delete_part,
        name="staff-part-delete",
    ),
    path("<slug:code>/", views.resource_detail, name="detail"),
    path("<slug:code>/access/", views.access, name="access"),
]
