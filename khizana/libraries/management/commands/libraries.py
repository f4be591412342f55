from django.core.management.base import BaseCommand
from django.db.models import Count, Q

from khizana.libraries.models import Library


class Command(BaseCommand):
    help = "List the member libraries with the number of records and works they hold."

    def handle(self, *args, **options):
        libraries = Library.objects.annotate(
            record_total=Count("records", filter=Q(records__deleted=False)),
            work_total=Count("records__work", distinct=True, filter=Q(records__deleted=False)),
        )
        for library in libraries:
            self.stdout.write(
                f"{library.code:<12} {library.kind:<10} {library.city:<16} {library.record_total:>7} records "
                f"{library.work_total:>7} works  {library.name_fr}"
            )
