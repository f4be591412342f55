from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "khizana.catalog"
    verbose_name = "Union catalog"
