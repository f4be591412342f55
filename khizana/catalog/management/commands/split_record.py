from django.core.management.base import BaseCommand, CommandError

from khizana.catalog.manual import ManualDecisionError, split_record
from khizana.catalog.models import SourceRecord


class Command(BaseCommand):
    help = (
        "Take a source record out of its work and keep it apart from the other records of that work "
        "from now on (a manual decision that survives re-imports). RECORD is LIBRARY:LOCAL_ID or a number."
    )

    def add_arguments(self, parser):
        parser.add_argument("record", metavar="RECORD")
        parser.add_argument("--note", default="", help="Why (kept with the decision).")

    def handle(self, *args, **options):
        record = find_record(options["record"])
        try:
            work = split_record(record, note=options["note"])
        except ManualDecisionError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{record} is now in work {work.id}")


def find_record(reference: str) -> SourceRecord:
    if ":" in reference:
        code, _, local_id = reference.partition(":")
        found = SourceRecord.objects.filter(library__code=code, local_id=local_id).first()
    else:
        found = SourceRecord.objects.filter(pk=int(reference)).first() if reference.isdigit() else None
    if found is None:
        raise CommandError(f"no source record {reference!r}")
    return found
