"""``khizana digital add|import``: digital items from the command line."""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from tqdm import tqdm

from khizana.digital.ingest import services as ingest
from khizana.digital.models import DigitalItem
from khizana.libraries.models import Library


class Command(BaseCommand):
    help = (
        "Digital items. 'add WORK FILE...' adds PDFs, EPUBs or page images to a record: WORK is a work id, "
        "an ISBN or a local id (work:, isbn: or local: before it when it could be several), --library CODE "
        "when "
        "the work is held by several libraries, --images to make the files (or a folder of them) the pages "
        "of one digitised item. 'import FOLDER --map MAP.csv' adds the files a CSV maps to records (columns "
        "file, work | local_id | isbn, library, access, label, rights; a 'file' may be a folder of page "
        "images); files already there are skipped, so an interrupted import can be run again; "
        "--report FILE.csv writes every refused file and why. 'close-months [MONTH...]' aggregates the "
        "usage of ended months (YYYY-MM; by default those not closed yet) for the COUNTER reports."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="add|import|close-months")
        add = actions.add_parser("add", help="Add files to the record of a work.")
        add.add_argument("work", metavar="WORK", help="Work id, ISBN or local id (work:, isbn:, local:).")
        add.add_argument("files", nargs="+", metavar="FILE")
        add.add_argument("--library", metavar="CODE", help="The library whose record gets the item.")
        add.add_argument("--access", choices=DigitalItem.Access.values, default=DigitalItem.Access.MEMBERS)
        add.add_argument("--images", action="store_true", help="The files are the pages of one item.")
        add.add_argument("--label", default="", help="E.g. volume 2.")
        add.add_argument(
            "--rights",
            default="",
            help="Creative Commons or RightsStatements.org URI, or its code (CC BY 4.0).",
        )
        bulk = actions.add_parser("import", help="Add the files of a folder, as a CSV map says.")
        bulk.add_argument("folder", metavar="FOLDER")
        bulk.add_argument("--map", required=True, metavar="MAP.csv", dest="map_file")
        bulk.add_argument("--library", metavar="CODE", help="For rows that name no library.")
        bulk.add_argument("--report", metavar="REFUSED.csv", help="Write the refused files and why.")
        bulk.add_argument("--no-progress", action="store_true", help="No progress bar.")
        close = actions.add_parser("close-months", help="Aggregate the usage of ended months (COUNTER).")
        close.add_argument("months", nargs="*", metavar="MONTH", help="YYYY-MM; default: those not closed.")

    def handle(self, *args, **options):
        with translation.override(None):  # messages in English, as the other commands write them
            library = self._library(options.get("library"))
            if options["action"] == "add":
                self._add(options, library)
            elif options["action"] == "close-months":
                self._close_months(options["months"])
            else:
                self._import(options, library)

    def _close_months(self, months: list[str]) -> None:
        from khizana.digital.counter import services as counter

        for month in months or counter.months_to_close():
            try:
                closed = counter.close_month(month)
            except ValueError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(f"{month}: {closed.events} usage events, {closed.totals} aggregate rows")

    def _library(self, code: str | None) -> Library | None:
        if not code:
            return None
        library = Library.objects.filter(code=code).first()
        if library is None:
            raise CommandError(f"no library has the code {code!r}")
        return library

    # --- add ---

    def _add(self, options, library: Library | None) -> None:
        try:
            record = ingest.resolve_record(options["work"], library=library)
        except ingest.IngestError as error:
            raise CommandError(error.message()) from None
        settings = {"access": options["access"], "label": options["label"], "rights": options["rights"]}
        paths = [Path(name) for name in options["files"]]
        refused = 0
        if options["images"]:

            def add_pages():
                pages = [
                    page for path in paths for page in (ingest.page_files(path) if path.is_dir() else [path])
                ]
                return ingest.add_page_images(record, [(p, str(p)) for p in pages], **settings)

            refused += self._report_add(options["files"][0], add_pages)
        else:
            for path in paths:
                refused += self._report_add(
                    str(path), lambda path=path: ingest.add_digital_item(record, path, str(path), **settings)
                )
        if refused:
            raise CommandError(f"{refused} file(s) refused")

    def _report_add(self, name: str, add) -> int:
        try:
            item = add()
        except ingest.AlreadyIngested as error:
            self.stdout.write(f"{name}: skipped, already item #{error.item.pk}")
            return 0
        except ingest.IngestError as error:
            self.stderr.write(f"refused: {error.message()}")
            return 1
        self.stdout.write(
            f"{name}: item #{item.pk} ({item.kind}, {item.page_count} pages, {item.direction}) "
            f"on {item.record} (work {item.record.work_id or '-'})"
        )
        return 0

    # --- import ---

    def _import(self, options, library: Library | None) -> None:
        folder = Path(options["folder"])
        if not folder.is_dir():
            raise CommandError(f"{folder}: not a folder")
        try:
            rows = ingest.read_map(Path(options["map_file"]))
        except ingest.IngestError as error:
            raise CommandError(error.message()) from None
        outcomes: list[ingest.Outcome] = []
        for row in tqdm(rows, unit="file", disable=options["no_progress"] or None, leave=False):
            if isinstance(row, ingest.Outcome):
                outcomes.append(row)
            else:
                outcomes.append(ingest.import_row(folder, row, library=library))
        self._summary(outcomes, options.get("report"))

    def _summary(self, outcomes: list[ingest.Outcome], report: str | None) -> None:
        counts = {
            status: sum(o.status == status for o in outcomes) for status in ("added", "skipped", "refused")
        }
        refused = [o for o in outcomes if o.status == "refused"]
        self.stdout.write(
            f"{counts['added']} added, {counts['skipped']} skipped (already there), "
            f"{counts['refused']} refused"
        )
        for outcome in refused:
            self.stdout.write(f"  line {outcome.row.line}: {outcome.row.file or '-'}: {outcome.reason}")
        if report:
            with open(report, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["line", "file", "record", "reason"])
                for outcome in refused:
                    row = outcome.row
                    key = f"{row.scheme}:{row.key}" if row.scheme else ""
                    writer.writerow([row.line, row.file, key, outcome.reason])
            self.stdout.write(f"refused files listed in {report}")
