from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "khizana.search"
    verbose_name = "Search"

    def ready(self) -> None:
        from khizana.catalog.signals import works_changed

        from . import services

        works_changed.connect(services.queue_works, dispatch_uid="khizana.search.queue_works")
