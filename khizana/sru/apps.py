from django.apps import AppConfig


class SruConfig(AppConfig):
    name = "khizana.sru"
    verbose_name = "SRU 2.0 service"
