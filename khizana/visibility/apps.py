from django.apps import AppConfig


class VisibilityConfig(AppConfig):
    name = "khizana.visibility"
    verbose_name = "Research visibility"
