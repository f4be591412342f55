"""URLs of the COUNTER reports: the SUSHI server (at /r51/, see :mod:`.sushi`) and the staff pages (at
/staff/digital/usage/, ``staff_urlpatterns``); both included by khizana/urls.py."""

from django.urls import path

from . import sushi, views

app_name = "counter"

urlpatterns = [
    path("status", sushi.status, name="sushi-status"),
    path("members", sushi.members, name="sushi-members"),
    path("reports", sushi.report_list, name="sushi-reports"),
    path("reports/<str:report_path>", sushi.report, name="sushi-report"),
]

staff_urlpatterns = (
    [
        path("", views.dashboard, name="dashboard"),
        path("reports/", views.run_report, name="reports"),
        path("sushi/", views.credentials, name="credentials"),
        path("sushi/<int:credential_id>/", views.credential_change, name="credential-change"),
    ],
    "counter-staff",
)
