from django.apps import AppConfig


class LabellingConfig(AppConfig):
    name = "khizana.programmes.labelling"
    label = "labelling"
    verbose_name = "Labelling campaigns and collections of excellence"
