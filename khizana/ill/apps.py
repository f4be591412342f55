from django.apps import AppConfig


class IllConfig(AppConfig):
    name = "khizana.ill"
    label = "ill"
    verbose_name = "Interlibrary loan and document supply (ISO 18626)"
