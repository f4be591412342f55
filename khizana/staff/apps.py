from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "khizana.staff"
    verbose_name = "Staff space"
