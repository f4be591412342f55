from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "khizana.web"
    verbose_name = "Public pages"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from khizana.catalog.signals import works_changed
        from khizana.libraries.models import Library

        from .home_page import forget_network_counts

        works_changed.connect(forget_network_counts, dispatch_uid="khizana.web.network_counts")
        for signal in (post_save, post_delete):
            signal.connect(forget_network_counts, sender=Library, dispatch_uid=f"khizana.web.{signal}")
