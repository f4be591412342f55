from django.apps import AppConfig


class EresourcesConfig(AppConfig):
    name = "khizana.eresources"
    verbose_name = "Electronic resources"
