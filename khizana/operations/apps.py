from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "khizana.operations"
    label = "operations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Health and metrics: time every search (the search app sends, it never imports operations).
        from khizana.search.signals import search_finished

        from . import metrics

        search_finished.connect(metrics.observe_search, dispatch_uid="khizana.operations.observe_search")
