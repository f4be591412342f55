"""URLs of labelling: public pages (``urlpatterns``, at /network/labelling/) and staff pages
(``staff_urlpatterns``, at /staff/network/labelling/); both included by khizana/urls.py."""

from django.urls import path

from . import views

app_name = "labelling"

urlpatterns: list = [
    path("", views.index, name="index"),
    path("conspectus/", views.conspectus_page, name="conspectus"),
    path("collections/<int:pk>/", views.collection_page, name="collection"),
    path("collections/<int:pk>/dcc.xml", views.collection_dcc, name="collection-dcc"),
    path("collections.xml", views.collections_dcc, name="collections-dcc"),
    path("reviews/", views.my_reviews, name="reviews"),
    path("reviews/<int:pk>/", views.review_page, name="review"),
]

staff_urlpatterns = (
    [
        path("", views.staff_index, name="index"),
        path("campaigns/new/", views.staff_campaign, name="new-campaign"),
        path("campaigns/<int:pk>/", views.staff_campaign, name="campaign"),
        path("campaigns/<int:campaign_pk>/describe/", views.staff_describe, name="describe"),
        path("collections/<int:pk>/", views.staff_collection, name="collection"),
        path("collections/<int:pk>/edit/", views.staff_describe, name="edit"),
        path("collections/<int:pk>/submit/", views.staff_submit, name="submit"),
        path("collections/<int:pk>/reviewers/", views.staff_assign, name="assign"),
        path("collections/<int:pk>/decision/", views.staff_decide, name="decide"),
    ],
    "labelling-staff",
)
