from django.apps import AppConfig


class ThesesConfig(AppConfig):
    name = "khizana.heritage.theses"
    label = "theses"
    verbose_name = "Theses (deposit, embargo, ETD-MS)"

    def ready(self) -> None:
        from khizana.digital.extensions import register_access_restriction

        from .services import embargo_restriction

        register_access_restriction(embargo_restriction)
