"""The affiliation reports pages, at /research/affiliations/ (included by ../urls.py)."""

from django.urls import path, re_path

from . import correction_views, office_views, progress_views, views

urlpatterns = [
    path("", views.affiliation_reports, name="affiliations"),
    path("<int:report_id>/", views.affiliation_report, name="affiliations-report"),
    re_path(
        r"^(?P<report_id>\d+)/(?P<name>report\.csv|corrections\.csv|corrections\.xlsx|anomalies\.html)$",
        views.report_file,
        name="affiliations-file",
    ),
    path("<int:report_id>/again/", correction_views.report_again, name="affiliations-again"),
    path("<int:report_id>/addresses/", correction_views.addresses, name="affiliations-addresses"),
    re_path(
        r"^(?P<report_id>\d+)/addresses/(?P<key>[0-9a-f]{16})/$",
        correction_views.address,
        name="affiliations-address",
    ),
    re_path(
        r"^(?P<report_id>\d+)/addresses/(?P<key>[0-9a-f]{16})/link/$",
        correction_views.address_link,
        name="affiliations-address-link",
    ),
    re_path(
        r"^(?P<report_id>\d+)/addresses/(?P<key>[0-9a-f]{16})/new/$",
        correction_views.address_new_institution,
        name="affiliations-address-new",
    ),
    path("corrections/", correction_views.correction_list, name="affiliations-corrections"),
    path("corrections/<int:correction_id>/undo/", correction_views.correction_undo, name="affiliations-undo"),
    path("progress/", progress_views.progress_index, name="affiliations-progress"),
    path(
        "progress/<int:institution_id>/",
        progress_views.progress_institution,
        name="affiliations-progress-institution",
    ),
    path("offices/", office_views.office_list, name="affiliations-offices"),
    path("offices/<int:office_id>/remove/", office_views.office_remove, name="affiliations-office-remove"),
]
