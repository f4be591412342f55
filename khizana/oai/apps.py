from django.apps import AppConfig


class OaiConfig(AppConfig):
    name = "khizana.oai"
    verbose_name = "OAI-PMH provider"
