"""The staff space, namespace "staff": the catalog staff space (this app's views, the review queue of
candidate duplicates in :mod:`.review_views`) and the pages accounts offers to it (staff accounts,
readers' memberships)."""

from django.urls import path

from khizana.accounts import member_views, staff_account_views

from . import review_views, views

app_name = "staff"
urlpatterns = [
    path("", views.home, name="home"),
    path("imports/", views.import_list, name="imports"),
    path("imports/upload/", views.import_upload, name="import-upload"),
    path("imports/jobs/<int:job_id>/", views.import_job, name="import-job"),
    path("imports/<int:run_id>/", views.import_run, name="import-run"),
    path("imports/<int:run_id>/rejects.csv", views.import_rejects_csv, name="import-rejects-csv"),
    path("records/", views.record_search, name="records"),
    path("records/<int:record_id>/", views.record_detail, name="record"),
    path("holdings/<int:holding_id>/edit/", views.holding_edit, name="holding-edit"),
    path("works/", views.works, name="works"),
    path("works/split/", views.work_split, name="work-split"),
    path("works/join/", views.work_join, name="work-join"),
    path("review/", review_views.review_list, name="review-list"),
    path("review/<int:review_id>/", review_views.review_pair, name="review-pair"),
    path("review/<int:review_id>/decide/", review_views.review_decide, name="review-decide"),
    path("users/", staff_account_views.user_list, name="users"),
    path("users/new/", staff_account_views.user_create, name="user-create"),
    path("members/", member_views.member_list, name="members"),
    path("members/file/", member_views.member_file, name="member-file"),
    path("members/<int:membership_id>/verify/", member_views.member_verify, name="member-verify"),
    path("members/<int:membership_id>/withdraw/", member_views.member_withdraw, name="member-withdraw"),
]
