from django.core.management.base import BaseCommand

from khizana.search.services import FACETS, SORTS, search


class Command(BaseCommand):
    help = 'Search the network from the command line, e.g. khizana search "ابن خلدون" --facet language=ara'

    def add_arguments(self, parser):
        parser.add_argument("query", nargs="*")
        parser.add_argument(
            "--facet",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help=f"Filter on a facet ({', '.join(FACETS)}); repeat for several.",
        )
        parser.add_argument("--sort", choices=list(SORTS), default="relevance")
        parser.add_argument("--page", type=int, default=1)
        parser.add_argument("--facets", action="store_true", help="Print the facet counts too.")

    def handle(self, *args, **options):
        filters: dict[str, list[str]] = {}
        for item in options["facet"]:
            name, _, value = item.partition("=")
            filters.setdefault(name, []).append(value)
        results = search(" ".join(options["query"]), filters, options["sort"], options["page"])
        self.stdout.write(f"{results.total} works ({results.elapsed_ms:.1f} ms) — read as: {results.read_as}")
        for note in results.notes:
            self.stdout.write(f"  note: {note}")
        if results.did_you_mean:
            self.stdout.write(f"  did you mean: {results.did_you_mean}")
        for hit in results.hits:
            authors = "; ".join(hit.authors[:2])
            self.stdout.write(
                f"{hit.work_id:>8}  {hit.title[:70]:<70}  {authors[:30]:<30} {hit.year or '':>4}  "
                f"{hit.library_count} lib."
            )
        if options["facets"]:
            for name, values in results.facets.items():
                shown = ", ".join(f"{value} ({count})" for value, count in values[:10])
                self.stdout.write(f"[{name}] {shown}")
