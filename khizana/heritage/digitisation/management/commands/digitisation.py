"""``khizana digitisation import-batch FOLDER --round NAME --library CODE``: the digitisation programme
from the command line."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from khizana.heritage.digitisation import services
from khizana.heritage.digitisation.models import Round
from khizana.libraries.models import Library


class Command(BaseCommand):
    help = (
        "Digitisation programme. 'import-batch FOLDER --round NAME --library CODE' imports a batch "
        "delivered by a provider: FOLDER holds manifest.csv and a folder of page images per item; the "
        "items go to the step 'scanned'. Nothing is imported if any line has a problem."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="import-batch")
        batch = actions.add_parser("import-batch", help="Import a batch of page images with its manifest.")
        batch.add_argument("folder", help="The batch folder (manifest.csv and the item folders).")
        batch.add_argument("--round", required=True, help="The selection round's name (or number).")
        batch.add_argument("--library", required=True, help="The code of the library digitising the items.")

    def handle(self, *args, **options):
        getattr(self, "_" + options["action"].replace("-", "_"))(options)

    def _import_batch(self, options) -> None:
        folder = Path(options["folder"])
        if not folder.is_dir():
            raise CommandError(f"{folder}: no such folder")
        library = Library.objects.filter(code=options["library"]).first()
        if library is None:
            raise CommandError(f"{options['library']}: no library has this code")
        name = options["round"]
        chosen = Round.objects.filter(name=name).first()
        if chosen is None and name.isdigit():
            chosen = Round.objects.filter(pk=int(name)).first()
        if chosen is None:
            raise CommandError(f"{name}: no selection round has this name")
        try:
            result = services.import_batch(None, folder, chosen.pk, library)
        except services.BatchRefused as refused:
            for error in refused.errors:
                self.stderr.write(error)
            raise CommandError(str(refused)) from None
        except services.DigitisationError as error:
            raise CommandError(str(error)) from None
        for item in result.items:
            self.stdout.write(f"#{item.pk} {item.candidate}: scanned")
        self.stdout.write(f"{len(result.items)} items scanned, {result.pages} pages")
