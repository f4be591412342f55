from django.apps import AppConfig


class HarvestConfig(AppConfig):
    name = "khizana.harvest"
    verbose_name = "OAI-PMH harvesting"
