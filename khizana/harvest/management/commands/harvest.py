from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from khizana.harvest.models import HarvestRun
from khizana.harvest.services import (
    HarvestConfigError,
    configure,
    harvest,
    harvest_all,
    mark_interrupted_runs,
    source_for,
)
from khizana.libraries.models import Library


class Command(BaseCommand):
    help = (
        "Harvest a member library over OAI-PMH (or --all libraries with an endpoint), incrementally from "
        "the last successful harvest. Records go through the ordinary import; deleted headers delete "
        "the library's records; each run is recorded for the staff page of the library."
    )

    def add_arguments(self, parser):
        parser.add_argument("library", nargs="?", metavar="LIBRARY", help="Code of the member library.")
        parser.add_argument("--all", action="store_true", help="Every enabled library with an endpoint.")
        parser.add_argument("--full", action="store_true", help="Harvest everything, not only what changed.")
        parser.add_argument("--url", help="Set the library's OAI-PMH base URL first.")
        parser.add_argument("--prefix", help="Set the metadata format (metadataPrefix) first.")
        parser.add_argument("--set", dest="set_spec", help="Set the OAI set to harvest first.")

    def handle(self, *args, **options):
        if bool(options["library"]) == bool(options["all"]):
            raise CommandError("name one LIBRARY, or give --all")
        mark_interrupted_runs()
        if options["all"]:
            runs = harvest_all(trigger="cli")
            if not runs:
                self.stdout.write("no library has an OAI-PMH endpoint to harvest")
        else:
            runs = [harvest(self._library(options), full=options["full"])]
        for run in runs:
            self.stdout.write(f"{run.source.library.code}: {run.summary()}")
            for error in run.error_texts:
                self.stdout.write(f"  {error}")
        failed = [run.source.library.code for run in runs if run.status == HarvestRun.Status.FAILED]
        if failed:
            raise CommandError(f"harvest failed for {', '.join(failed)}")

    def _library(self, options) -> Library:
        code = options["library"]
        library = Library.objects.filter(code=code).first()
        if library is None:
            known = ", ".join(Library.objects.values_list("code", flat=True)) or "none yet"
            raise CommandError(f"no library with code {code!r} (known: {known})")
        try:
            if options["url"]:
                configure(
                    library, options["url"], metadata_prefix=options["prefix"], set_spec=options["set_spec"]
                )
            elif options["prefix"] is not None or options["set_spec"] is not None:
                configure(
                    library,
                    source_for(library).base_url,
                    metadata_prefix=options["prefix"],
                    set_spec=options["set_spec"],
                )
            source_for(library)
        except HarvestConfigError as error:
            raise CommandError(str(error)) from None
        return library
