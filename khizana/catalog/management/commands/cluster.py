from django.core.management.base import BaseCommand

from khizana.catalog import clustering

EXIT_CODES = "Exit codes: 0 the records were clustered (none waiting included); 2 wrong usage."


class Command(BaseCommand):
    help = "Re-cluster source records into works: the records waiting for it, or every record with --all."

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, subcommand, epilog=EXIT_CODES, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Re-cluster the whole catalog from scratch.")

    def handle(self, *args, **options):
        stats = clustering.recluster_all() if options["all"] else clustering.recluster_dirty()
        self.stdout.write(
            f"{stats.records} records clustered{' (whole catalog)' if stats.full else ''}: "
            f"{stats.works_created} works created, {stats.works_updated} updated, "
            f"{stats.works_deleted} deleted"
        )
