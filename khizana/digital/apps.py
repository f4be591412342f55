from django.apps import AppConfig


class DigitalConfig(AppConfig):
    name = "khizana.digital"
    verbose_name = "Digital library"
