"""URLs of digitisation: public pages (``urlpatterns``, at /heritage/digitisation/) and staff pages
(``staff_urlpatterns``, at /staff/heritage/digitisation/); both included by khizana/urls.py."""

from django.urls import path

from . import views

app_name = "digitisation"

urlpatterns: list = [
    path("", views.published, name="published"),
]

staff_urlpatterns = (
    [
        path("", views.dashboard, name="dashboard"),
        path("candidates/", views.candidates, name="candidates"),
        path("candidates/from-plan", views.draw, name="draw"),
        path("candidates/<int:candidate_id>/clear", views.clear, name="clear"),
        path("candidates/<int:candidate_id>/select", views.select, name="select"),
        path("rounds/", views.rounds, name="rounds"),
        path("rounds/<int:round_id>/", views.round_detail, name="round"),
        path("items/<int:item_id>/", views.item_detail, name="item"),
        path("items/<int:item_id>/move", views.item_move, name="move"),
        path("import/", views.import_batch, name="import"),
    ],
    "digitisation-staff",
)
