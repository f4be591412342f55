from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "khizana.api"
    verbose_name = "REST API"
