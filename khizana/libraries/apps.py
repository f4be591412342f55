from django.apps import AppConfig


class LibrariesConfig(AppConfig):
    name = "khizana.libraries"
    verbose_name = "Member libraries"
