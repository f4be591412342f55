from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from khizana.catalog.models import ImportRun
from khizana.catalog.reports import write_rejects_csv


class Command(BaseCommand):
    help = "Show an import run's summary and its rejected records, or write them as CSV (-o)."

    def add_arguments(self, parser):
        parser.add_argument("run", type=int, help="Import run number (printed by khizana import).")
        parser.add_argument("-o", "--output", help="Write the rejects as CSV to this file ('-' for stdout).")

    def handle(self, *args, **options):
        try:
            run = ImportRun.objects.select_related("library").get(pk=options["run"])
        except ImportRun.DoesNotExist:
            raise CommandError(f"no import run {options['run']}") from None
        if options["output"]:
            if options["output"] == "-":
                write_rejects_csv(run, sys.stdout)
            else:
                with open(options["output"], "w", newline="", encoding="utf-8") as out:
                    write_rejects_csv(run, out)
            return
        self.stdout.write(f"run {run.id}: {run.library.code} {run.filename} ({run.status}) {run.summary()}")
        if run.error:
            self.stdout.write(f"error: {run.error}")
        for reject in run.rejects.all():
            self.stdout.write(f"  {reject}")
