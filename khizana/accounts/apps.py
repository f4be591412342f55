from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "khizana.accounts"
    verbose_name = "Accounts and roles"
