from django.core.management import ManagementUtility
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "List every management command available through khizana, Django's included."

    def handle(self, *args, **options):
        self.stdout.write(ManagementUtility(["khizana"]).main_help_text())
