from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from khizana.catalog.models import Work
from khizana.search import services


class Command(BaseCommand):
    help = (
        "Keep the search index in step with the catalog. 'rebuild' writes a new index from the database "
        "and switches to it (the old one serves until then); 'sync' re-indexes the works changed since "
        "the last sync (imports do this by themselves); 'status' describes the index."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "sync", "status"])
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options):
        try:
            self._run(options)
        except services.IndexReadOnly as error:
            raise CommandError(str(error)) from None

    def _run(self, options) -> None:
        if options["action"] == "rebuild":
            with tqdm(
                total=Work.objects.count(), unit="works", disable=options["no_progress"] or None
            ) as bar:
                count = services.rebuild_index(progress=lambda n: bar.update(n - bar.n))
            self.stdout.write(f"index rebuilt: {count} works")
        elif options["action"] == "sync":
            self.stdout.write(f"{services.sync_index()} works re-indexed")
        else:
            status = services.index_status()
            self.stdout.write(
                f"generation {status.generation or '(none)'}: {status.documents} works, "
                f"{status.size_bytes / 1e6:.1f} MB, {status.queued} waiting to be indexed"
            )
