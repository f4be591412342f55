"""``khizana labelling refresh|export``: the labelled collections from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from khizana.programmes.labelling import services


class Command(BaseCommand):
    help = (
        "Labelled collections. 'refresh' runs every labelled collection's saved catalog search again (after "
        "imports), so their works' pages list them; 'export FILE --base-url URL' writes every labelled "
        "collection as Dublin Core Collections Application Profile records (RDF/XML); 'demo' loads the demo "
        "campaign and labelled collections (demo/labelling/collections.json)."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="refresh|export|demo")
        actions.add_parser("refresh", help="Run the saved searches of the labelled collections again.")
        export = actions.add_parser("export", help="Write them as DC Collections records.")
        export.add_argument("file", help="Where to write the RDF/XML ('-' for the standard output).")
        export.add_argument("--base-url", default="http://localhost:8000", help="The site's address.")

        actions.add_parser("demo", help="Load the demo campaign and labelled collections.")

    def handle(self, *args, **options):
        if options["action"] == "demo":
            path = Path(settings.BASE_DIR) / "demo" / "labelling" / "collections.json"
            written = services.load_demo(json.loads(path.read_text(encoding="utf-8")))
            self.stdout.write(f"{written} labelled collections loaded.")
            return
        if options["action"] == "refresh":
            found = services.refresh_all()
            self.stdout.write(f"{found} works found by the saved searches of the labelled collections.")
            return
        base = options["base_url"].rstrip("/")
        data = services.dcc_xml(list(services.labelled()), lambda path: base + path)
        if options["file"] == "-":
            self.stdout.write(data.decode("utf-8"))
        else:
            Path(options["file"]).write_bytes(data)
