"""khizana index_publish --to DIR [--to DIR ...] [--keep N]: copy this node's search index to other nodes."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from khizana.operations import nodes
from khizana.search.services import index_root

EXIT_CODES = (
    "Exit codes: 0 published (or already there); 1 refused: no index here, no destination, or a destination "
    "that is not a writable directory or whose copy failed (the message names it); 2 wrong usage."
)


class Command(BaseCommand):
    help = (
        "Publish this node's search index to the index directory of other web nodes (their "
        "KHIZANA_INDEX_DIR, a local path or a mounted one): the live generation is copied under a temporary "
        "name, synced to disk, renamed, then the node's CURRENT is switched atomically; the node serves its "
        "old generation until then. Publishing the same generation again copies nothing."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, subcommand, epilog=EXIT_CODES, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument(
            "--to",
            action="append",
            type=Path,
            metavar="DIR",
            help="A node's index directory (repeat for several nodes; default: KHIZANA_INDEX_PUBLISH_TO).",
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=2,
            metavar="N",
            help="Generations kept on each node, the live one included (default 2).",
        )

    def handle(self, *args, **options):
        destinations = options["to"] or [Path(path) for path in settings.KHIZANA_INDEX_PUBLISH_TO]
        if not destinations:
            raise CommandError("no node to publish to: give --to DIR, or set KHIZANA_INDEX_PUBLISH_TO")
        try:
            results = nodes.publish(
                index_root(),
                destinations,
                keep=options["keep"],
                immutable_source=settings.KHIZANA_INDEX_READ_ONLY,
            )
        except nodes.PublishError as error:
            raise CommandError(str(error)) from None
        failed = [result for result in results if result.error]
        for result in results:
            if result.error:
                self.stderr.write(f"{result.destination}: NOT published: {result.error}")
            elif result.copied:
                self.stdout.write(
                    f"{result.destination}: now serves {result.generation} ({result.files} files, "
                    f"{result.bytes / 1e6:.1f} MB in {result.seconds:.1f} s)"
                )
            else:
                self.stdout.write(f"{result.destination}: already serves {result.generation}")
        if failed:
            raise CommandError(f"{len(failed)} of {len(results)} nodes not published")
