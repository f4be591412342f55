"""The affiliation reports page, at /research/affiliations/ (included by ../urls.py)."""

from django.urls import path, re_path

from . import views

urlpatterns = [
    path("", views.affiliation_reports, name="affiliations"),
    path("<int:report_id>/", views.affiliation_report, name="affiliations-report"),
    re_path(
        r"^(?P<report_id>\d+)/(?P<name>report\.csv|corrections\.csv|corrections\.xlsx|anomalies\.svg)$",
        views.report_file,
        name="affiliations-file",
    ),
]
