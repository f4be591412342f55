"""Operations' addresses, mounted at the site's root by khizana/urls.py: ``/health/`` (load balancers)
and ``/metrics`` (Prometheus, from the allowed addresses only)."""

from django.urls import path

from . import health, metrics

app_name = "operations"

urlpatterns = [
    path("health/", health.HealthView.as_view(), name="health"),
    path("metrics", metrics.metrics_view, name="metrics"),
]
