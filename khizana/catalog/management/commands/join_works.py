from django.core.management.base import BaseCommand, CommandError

from khizana.catalog.manual import ManualDecisionError, join_works
from khizana.catalog.models import Work


class Command(BaseCommand):
    help = "Join two works into one and keep them together from now on (a manual decision)."

    def add_arguments(self, parser):
        parser.add_argument("work_a", type=int)
        parser.add_argument("work_b", type=int)
        parser.add_argument("--note", default="", help="Why (kept with the decision).")

    def handle(self, *args, **options):
        works = {w.id: w for w in Work.objects.filter(id__in=[options["work_a"], options["work_b"]])}
        missing = [str(i) for i in (options["work_a"], options["work_b"]) if i not in works]
        if missing:
            raise CommandError(f"no work {', '.join(missing)}")
        try:
            work = join_works(works[options["work_a"]], works[options["work_b"]], note=options["note"])
        except ManualDecisionError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"works joined into work {work.id} ({work.record_count} records)")
