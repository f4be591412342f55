"""URLs of portal: public pages (``urlpatterns``, at /network/portal/) and staff pages
(``staff_urlpatterns``, at /staff/network/portal/); both included by khizana/urls.py."""

from django.urls import path

from . import feeds, views

app_name = "portal"

urlpatterns: list = [
    path("", views.index, name="index"),
    path("news/<int:pk>/", views.news, name="news"),
    path("news/rss.xml", feeds.NewsRss(), name="rss"),
    path("news/atom.xml", feeds.NewsAtom(), name="atom"),
    path("pages/<slug:slug>/", views.page, name="page"),
]

staff_urlpatterns = (
    [
        path("", views.staff_entries, name="entries"),
        path("new/", views.staff_edit, name="new"),
        path("<int:pk>/", views.staff_edit, name="edit"),
    ],
    "portal-staff",
)
