from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "khizana.programmes.calls"
    label = "calls"
    verbose_name = "Calls for projects"
