from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "khizana.accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from . import ratelimit  # noqa: F401  (connects the sign-in receiver)
