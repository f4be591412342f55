from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from khizana.catalog.services import ImportFileError, import_file
from khizana.libraries.models import Library

DEMO_DIR = settings.BASE_DIR / "demo"
LIBRARY_FIELDS = [
    "name_fr",
    "name_ar",
    "name_en",
    "kind",
    "city",
    "country",
    "latitude",
    "longitude",
    "address",
    "contact_email",
    "website",
    "oai_endpoint",
]


class Command(BaseCommand):
    help = (
        "Create the demo network described in demo/network.json: its member libraries and their records "
        "(real records, see demo/PROVENANCE.md). Safe to run again: records already loaded are skipped. "
        "Also creates a network administrator 'admin' when no superuser exists (password from "
        "KHIZANA_ADMIN_PASSWORD, or generated and written to the data directory)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--network", default=str(DEMO_DIR / "network.json"), help="Network description.")
        parser.add_argument("--no-admin", action="store_true", help="Do not create the admin account.")

    def handle(self, *args, **options):
        path = Path(options["network"])
        try:
            network = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"{path}: cannot read the network description: {error}") from None
        with transaction.atomic():
            libraries = {entry["code"]: self._library(entry) for entry in network["libraries"]}
        failures = 0
        for entry in network["imports"]:
            file = path.parent / entry["file"]
            try:
                run = import_file(libraries[entry["library"]], file, cluster=False)
            except (ImportFileError, KeyError) as error:
                self.stderr.write(f"{entry}: {error}")
                failures += 1
                continue
            self.stdout.write(f"{entry['library']:<6} {file.name}: {run.summary()}")
        from khizana.catalog.clustering import recluster_dirty

        stats = recluster_dirty()
        self.stdout.write(f"clustered {stats.records} records: {stats.works_created} new works")
        if not options["no_admin"]:
            self._admin()
        if failures:
            raise CommandError(f"{failures} demo file(s) could not be imported")

    def _library(self, entry: dict) -> Library:
        library, _ = Library.objects.update_or_create(
            code=entry["code"],
            defaults={
                k: entry.get(k) or ("" if k not in {"latitude", "longitude"} else None)
                for k in LIBRARY_FIELDS
            },
        )
        library.full_clean()
        return library

    def _admin(self) -> None:
        users = get_user_model().objects
        if users.filter(is_superuser=True).exists():
            return
        password = os.environ.get("KHIZANA_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        users.create_superuser("admin", "admin@example.org", password)
        if "KHIZANA_ADMIN_PASSWORD" not in os.environ:
            secret = Path(settings.DATA_DIR) / "admin_password"
            secret.write_text(password + "\n")
            secret.chmod(0o600)
            self.stdout.write(f"staff account: admin, password in {secret}")
        else:
            self.stdout.write("staff account: admin (password from KHIZANA_ADMIN_PASSWORD)")
