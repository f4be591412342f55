from django.core.management.base import BaseCommand
from django.db.models import Count, Q

from khizana.libraries.models import Library

EXIT_CODES = "Exit codes: 0 the list was printed (even an empty one); 2 wrong usage."


class Command(BaseCommand):
    help = "List the member libraries with the number of records and works they hold."

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, subcommand, epilog=EXIT_CODES, **kwargs)

    def handle(self, *args, **options):
        libraries = Library.objects.annotate(
            record_total=Count("records", filter=Q(records__deleted=False)),
            work_total=Count("records__work", distinct=True, filter=Q(records__deleted=False)),
        )
        listed = 0
        for library in libraries:
            listed += 1
            self.stdout.write(
                f"{library.code:<12} {library.kind:<10} {library.city:<16} {library.record_total:>7} records "
                f"{library.work_total:>7} works  {library.name_fr}"
            )
        if not listed:
            self.stdout.write(
                "No libraries yet: add one with `khizana library add` or load the demo network with "
                "`khizana demo`."
            )
