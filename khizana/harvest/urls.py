from django.urls import path

from . import views

app_name = "harvest"
urlpatterns = [
    path("", views.index, name="index"),
    path("<str:code>/", views.library_page, name="library"),
    path("<str:code>/start/", views.start, name="start"),
    path("<str:code>/runs/<int:run_id>/", views.run_detail, name="run"),
]
