"""``khizana preservation ingest|audit|restore|export-bag|premis|validate``: digital preservation from the
command line."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from khizana.heritage.preservation import services
from khizana.heritage.preservation.models import PreservedObject


class Command(BaseCommand):
    help = (
        "Digital preservation. 'ingest [--item N]' preserves the items never preserved or changed since "
        "(or one item); 'audit [--limit N]' checks the least recently checked objects in both storage "
        "roots and e-mails the summaries; 'restore ITEM [--from primary|second]' repairs a damaged "
        "preservation copy and puts back the item's damaged or missing live files; 'export-bag ITEM "
        "FOLDER' writes the item's object as a BagIt bag; 'premis ITEM' prints its PREMIS XML; "
        "'validate' runs ocfl-py's validator over both storage roots."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="ingest|audit|restore|export-bag|premis|validate"
        )
        ingest = actions.add_parser("ingest", help="Preserve the new and changed items.")
        ingest.add_argument("--item", type=int, help="Only this digital item (its id).")
        ingest.add_argument("--limit", type=int, default=0, help="At most this many items (0: all).")
        audit = actions.add_parser("audit", help="Fixity audit, least recently checked objects first.")
        audit.add_argument("--limit", type=int, default=0, help="At most this many objects (0: all).")
        restore = actions.add_parser("restore", help="Restore an item from its preservation copy.")
        restore.add_argument("item", type=int, help="The digital item's id.")
        restore.add_argument("--from", dest="source", choices=["primary", "second", "auto"], default="auto")
        export = actions.add_parser("export-bag", help="Export an item's object as a BagIt bag.")
        export.add_argument("item", type=int, help="The digital item's id.")
        export.add_argument("folder", help="A new (or empty) folder for the bag.")
        export.add_argument("--from", dest="source", choices=["primary", "second"], default="primary")
        premis = actions.add_parser("premis", help="Print an item's PREMIS events as XML.")
        premis.add_argument("item", type=int, help="The digital item's id.")
        actions.add_parser("validate", help="Validate both OCFL storage roots with ocfl-py.")

    def handle(self, *args, **options):
        try:
            getattr(self, "_" + options["action"].replace("-", "_"))(options)
        except services.PreservationError as error:
            raise CommandError(str(error)) from None

    def _ingest(self, options) -> None:
        ids = [options["item"]] if options["item"] else services.items_to_preserve(options["limit"] or None)
        for item_id in ids:
            obj = services.preserve_item(item_id)
            if obj is None:
                raise CommandError(f"No digital item {item_id}.")
            last = obj.events.first()
            outcome = f"{last.get_type_display()} {last.get_copy_display()}: {last.outcome}" if last else ""
            self.stdout.write(f"item {item_id}: {obj.identifier} {obj.head or '-'} {outcome}")
        self.stdout.write(f"{len(ids)} items looked at")

    def _audit(self, options) -> None:
        run, reports = services.audit(limit=options["limit"] or None, trigger="command")
        for report in reports:
            if not report.ok:
                for copy, result in report.fixity.items():
                    if not result.ok:
                        self.stdout.write(f"{report.obj.identifier} [{copy}]: {services.fixity_text(result)}")
        self.stdout.write(
            f"{run.object_count} objects checked, {run.failures} with problems, {run.bytes:,} bytes read"
        )
        if run.failures:
            raise CommandError(f"{run.failures} objects with problems")

    def _restore(self, options) -> None:
        report = services.restore_item(options["item"], source=options["source"])
        for copy, paths in report.repaired.items():
            self.stdout.write(f"{copy} copy repaired: {', '.join(paths)}")
        for path in report.live_restored:
            self.stdout.write(f"restored to the digital library: {path}")
        for problem in report.problems:
            self.stderr.write(problem)
        if report.nothing_done and not report.problems:
            self.stdout.write("nothing to restore: the live files and both copies are sound")

    def _export_bag(self, options) -> None:
        bag = services.export_bag(options["item"], Path(options["folder"]), source=options["source"])
        self.stdout.write(f"bag written and valid: {bag.path} ({len(bag.payload_entries())} files)")

    def _premis(self, options) -> None:
        obj = PreservedObject.objects.filter(item_id=options["item"]).first()
        if obj is None:
            raise CommandError(f"Digital item {options['item']} has no preservation copy yet.")
        self.stdout.write(services.premis_document(obj).decode())

    def _validate(self, options) -> None:
        failed = False
        for copy, root in services.roots():
            if not root.path.exists():
                self.stdout.write(f"{copy}: {root.path} does not exist yet")
                continue
            valid, objects, good, errors = root.validate()
            self.stdout.write(f"{copy}: {root.path}: {good} of {objects} objects valid")
            for _path, message in errors:
                self.stderr.write(message)
            failed |= not valid
        if failed:
            raise CommandError("invalid storage root")
