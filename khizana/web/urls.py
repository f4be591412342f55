from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("search", views.search, name="search"),
    path("work/<int:work_id>/", views.work, name="work"),
    path("work/<int:work_id>/cite.ris", views.work_ris, name="work-ris"),
    path("work/<int:work_id>/cite.bib", views.work_bibtex, name="work-bibtex"),
    path("work/<int:work_id>/cite.txt", views.work_citation, name="work-citation"),
    path("work/<int:work_id>/marc.xml", views.work_marcxml, name="work-marcxml"),
    path("work/<int:work_id>/dc.xml", views.work_dublin_core, name="work-dc"),
    path("work/<int:work_id>/cite.csl.json", views.work_csl, name="work-csl"),
    path("work/<int:work_id>/marc.mrc", views.work_mrc, name="work-mrc"),
    path("work/<int:work_id>/schema.jsonld", views.work_jsonld, name="work-jsonld"),
    path("search/export.<str:fmt>", views.search_export, name="search-export"),
    path("libraries/", views.libraries, name="libraries"),
    path("libraries/<str:code>/", views.library, name="library"),
    path("help/", views.help_page, name="help"),
]
