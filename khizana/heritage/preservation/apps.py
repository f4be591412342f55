from django.apps import AppConfig


class PreservationConfig(AppConfig):
    name = "khizana.heritage.preservation"
    label = "preservation"
    verbose_name = "Digital preservation (OCFL, PREMIS, fixity audits)"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from khizana.digital.models import DigitalItem

        from . import tasks  # noqa: F401  (registers the periodic tasks)
        from .signals import item_saved

        post_save.connect(item_saved, sender=DigitalItem, dispatch_uid="preservation-item-saved")
