from django.urls import include, path, re_path

from . import views

app_name = "visibility"
urlpatterns = [
    path("registry/", views.registry_list, name="registry"),
    path("registry/new/", views.institution_add, name="registry-add"),
    path("registry/<int:institution_id>/", views.institution_detail, name="registry-institution"),
    path("registry/<int:institution_id>/names/", views.name_add, name="registry-add-name"),
    path("registry/<int:institution_id>/parent/", views.parent_change, name="registry-set-parent"),
    re_path(
        r"^registry/export\.(?P<export_format>jsonl|csv)$", views.registry_export, name="registry-export"
    ),
    path("affiliations/", include("khizana.visibility.analysis_urls")),
]
