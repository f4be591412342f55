from django.apps import AppConfig


class ConservationConfig(AppConfig):
    name = "khizana.heritage.conservation"
    label = "conservation"
    verbose_name = "Shared conservation plans for serials"

    def ready(self) -> None:
        from khizana.catalog import extensions

        from . import services

        extensions.register_holding_warning("conservation", services.committed_holding_warnings)
