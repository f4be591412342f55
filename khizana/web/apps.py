from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "khizana.web"
    verbose_name = "Public pages"
