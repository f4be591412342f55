"""``khizana theses import``: theses from the command line."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from khizana.heritage.theses import services
from khizana.libraries.models import Library


class Command(BaseCommand):
    help = (
        "Theses. 'import FILE --library CODE' loads the theses of an OAI-PMH response in oai_etdms "
        "(ListRecords or GetRecord, ETD-MS 1.0 or 1.1) into the library CODE: each one catalogued and "
        "listed with the school's theses; loading the same records again updates them."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="import")
        load = actions.add_parser("import", help="Load the theses of an ETD-MS OAI-PMH response.")
        load.add_argument("file", help="The OAI-PMH response (XML, metadataPrefix=oai_etdms).")
        load.add_argument("--library", required=True, help="The code of the library (doctoral school).")

    def handle(self, *args, **options):
        getattr(self, "_" + options["action"].replace("-", "_"))(options)

    def _import(self, options) -> None:
        library = Library.objects.filter(code=options["library"]).first()
        if library is None:
            raise CommandError(f"No library with the code {options['library']!r}.")
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        try:
            summary = services.import_etdms(None, library, data, path.name)
        except services.ThesisError as error:
            raise CommandError(str(error)) from None
        added, updated = summary.added, summary.updated
        self.stdout.write(f"{path.name}: {added} theses added, {updated} updated in {library.code}")
