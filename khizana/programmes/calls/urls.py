"""URLs of calls: public pages (``urlpatterns``, at /network/calls/) and staff pages
(``staff_urlpatterns``, at /staff/network/calls/); both included by khizana/urls.py."""

from django.urls import path

from . import views

app_name = "calls"

urlpatterns: list = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.call_page, name="call"),
    path("<int:pk>/apply/", views.apply, name="apply"),
    path("mine/", views.mine, name="mine"),
    path("applications/<int:pk>/", views.application_page, name="application"),
    path("files/<int:pk>/", views.download, name="file"),
    path("reviews/", views.my_reviews, name="reviews"),
    path("reviews/<int:pk>/", views.review_page, name="review"),
]

staff_urlpatterns = (
    [
        path("", views.staff_calls, name="calls"),
        path("new/", views.staff_edit_call, name="new"),
        path("<int:pk>/", views.staff_call, name="call"),
        path("<int:pk>/edit/", views.staff_edit_call, name="edit"),
        path("<int:pk>/applications.csv", views.staff_export, name="export"),
        path("applications/<int:pk>/", views.staff_application, name="application"),
    ],
    "calls-staff",
)
