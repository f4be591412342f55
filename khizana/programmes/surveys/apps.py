from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "khizana.programmes.surveys"
    label = "surveys"
    verbose_name = "Needs surveys"
