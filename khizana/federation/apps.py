from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "khizana.federation"
    verbose_name = "Federated single sign-on"
