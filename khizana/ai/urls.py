"""URLs of the AI capability: public pages (``urlpatterns``, at /ai/) and staff pages
(``staff_urlpatterns``, at /staff/ai/); both included by khizana/urls.py."""

from django.urls import path

from . import language_views, subjects_views

app_name = "ai"

urlpatterns: list = []

staff_urlpatterns = (
    [
        path("subjects/", subjects_views.records, name="subjects"),
        path("subjects/batch", subjects_views.suggest_library, name="subjects-batch"),
        path("subjects/record/<int:record_id>/", subjects_views.record, name="subjects-record"),
        path("subjects/record/<int:record_id>/suggest", subjects_views.suggest, name="subjects-suggest"),
        path("subjects/suggestion/<int:suggestion_id>/decide", subjects_views.decide, name="subjects-decide"),
        path("languages/", language_views.language_suggestions, name="languages"),
    ],
    "ai-staff",
)
