from django.apps import AppConfig


class DigitisationConfig(AppConfig):
    name = "khizana.heritage.digitisation"
    label = "digitisation"
    verbose_name = "National digitisation programme"
