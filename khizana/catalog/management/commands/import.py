from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from khizana.catalog.models import ImportRun
from khizana.catalog.records import RecordFormat
from khizana.catalog.services import ImportFileError, import_file
from khizana.libraries.models import Library

EXIT_CODES = (
    "Exit codes: 0 every file was imported (rejected records included: each file's line names its import "
    "run, and khizana import-report RUN lists them); 1 a file could not be imported (the others are) or "
    "the library does not exist; 2 wrong usage."
)


class Command(BaseCommand):
    help = (
        "Load record files into a member library. Formats are detected: MARC21 and UNIMARC in ISO 2709 "
        "(MARC-8 or UTF-8) or XML, Dublin Core (oai_dc), CSV (see docs/import-formats.md). Re-importing "
        "a record (same library and local id) updates it; bad records are rejected with their reason "
        "while the others load."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, subcommand, epilog=EXIT_CODES, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--library", required=True, metavar="CODE", help="Code of the member library.")
        parser.add_argument(
            "--format",
            choices=[f.value for f in RecordFormat],
            help="Force the record format (else detected).",
        )
        parser.add_argument("--batch-size", type=int, help="Records committed per transaction.")
        parser.add_argument("--no-cluster", action="store_true", help="Do not re-cluster works at the end.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args, **options):
        try:
            library = Library.objects.get(code=options["library"])
        except Library.DoesNotExist:
            known = ", ".join(Library.objects.values_list("code", flat=True)) or "none yet"
            raise CommandError(f"no library with code {options['library']!r} (known: {known})") from None
        failures = 0
        for name in options["files"]:
            path = Path(name)
            if not path.is_file():
                self.stderr.write(f"{name}: no such file")
                failures += 1
                continue
            with tqdm(
                total=path.stat().st_size,
                unit="B",
                unit_scale=True,
                desc=path.name,
                disable=options["no_progress"] or None,
                leave=False,
            ) as bar:

                def advance(offset: int, bar=bar) -> None:
                    bar.update(max(0, offset - bar.n))

                before = ImportRun.objects.order_by("-id").values_list("id", flat=True).first() or 0
                try:
                    run = import_file(
                        library,
                        path,
                        format_hint=options["format"],
                        progress=advance,
                        batch_size=options["batch_size"],
                        cluster=not options["no_cluster"],
                    )
                except ImportFileError as error:
                    failed = (
                        ImportRun.objects.filter(library=library, pid=os.getpid(), id__gt=before)
                        .order_by("-id")
                        .values_list("id", flat=True)
                        .first()
                    )
                    self.stderr.write(f"{error} (import run {failed}, failed)" if failed else str(error))
                    failures += 1
                    continue
            self.stdout.write(
                f"{path.name} [{run.format or '?'} {run.dialect}]: import run {run.id}: {run.summary()}"
            )
            if run.records_rejected:
                self.stdout.write(
                    f"  {run.records_rejected} rejected record(s): khizana import-report {run.id}"
                )
        if failures:
            raise CommandError(f"{failures} file(s) could not be imported")
