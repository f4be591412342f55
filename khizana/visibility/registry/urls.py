"""Staff pages of the institution registry, at /research/registry/ (included by ../urls.py)."""

from django.urls import path, re_path

from . import views

urlpatterns = [
    path("", views.registry_list, name="registry"),
    path("new/", views.institution_add, name="registry-add"),
    path("<int:institution_id>/", views.institution_detail, name="registry-institution"),
    path("<int:institution_id>/names/", views.name_add, name="registry-add-name"),
    path("<int:institution_id>/names/<int:name_id>/remove/", views.name_remove, name="registry-remove-name"),
    path("<int:institution_id>/parent/", views.parent_change, name="registry-set-parent"),
    re_path(r"^export\.(?P<export_format>jsonl|csv)$", views.registry_export, name="registry-export"),
]
