from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "khizana.programmes.portal"
    label = "portal"
    verbose_name = "The network's portal: news and pages"
