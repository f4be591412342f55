from django.urls import path  # noqa: F401  (routes are added by the app as it is built)

urlpatterns: list = []
