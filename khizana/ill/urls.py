from django.urls import path

from . import views

app_name = "ill"
urlpatterns = [
    path("iso18626", views.iso18626, name="iso18626"),
    path("request", views.new_request, name="request"),
    path("mine", views.mine, name="mine"),
    path("requests/<int:request_id>/act", views.act, name="act"),
    path("staff/supplying", views.staff_supplying, name="staff-supplying"),
    path("staff/supplying/<int:request_id>", views.supply, name="supply"),
    path("staff/supplying/<int:request_id>/copy", views.upload_copy, name="upload-copy"),
    path("copies/<str:token>", views.download_copy, name="copy"),
    path("peer-copies/<str:token>", views.download_peer_copy, name="peer-copy"),
    path("requests/<int:request_id>/condition", views.answer_condition, name="answer-condition"),
    path("staff/supplying/<int:request_id>/condition", views.set_condition, name="set-condition"),
    path("staff/pick-list", views.pick_list, name="pick-list"),
    path("staff/requesting", views.staff_requesting, name="staff-requesting"),
    path("staff/policy", views.policy, name="policy"),
    path("staff/statistics", views.stats, name="stats"),
]
