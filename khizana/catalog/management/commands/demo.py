from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation

from khizana.catalog.services import ImportFileError, import_file
from khizana.libraries.services import library_problems, save_library

DEMO_DIR = settings.BASE_DIR / "demo"
EXIT_CODES = (
    "Exit codes: 0 done; 1 the network description cannot be read or is wrong (every problem is named and "
    "nothing is written), or a demo file could not be imported; 2 wrong usage."
)


class Command(BaseCommand):
    help = (
        "Create the demo network described in demo/network.json: its member libraries and their records "
        "(real records, see demo/PROVENANCE.md). Safe to run again: records already loaded are skipped. "
        "Also creates a network administrator 'admin' when no superuser exists (password from "
        "KHIZANA_ADMIN_PASSWORD, or generated and written to the data directory)."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, subcommand, epilog=EXIT_CODES, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--network", default=str(DEMO_DIR / "network.json"), help="Network description.")
        parser.add_argument("--no-admin", action="store_true", help="Do not create the admin account.")

    def handle(self, *args, **options):
        path = Path(options["network"])
        try:
            network = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"{path}: cannot read the network description: {error}") from None
        entries, imports = self._network(path, network)
        with transaction.atomic():  # every library or none
            libraries = {entry["code"]: save_library(entry) for entry in entries}
        failures = 0
        for entry in imports:
            file = path.parent / entry["file"]
            try:
                run = import_file(libraries[entry["library"]], file, cluster=False)
            except ImportFileError as error:
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

    def _network(self, path: Path, network) -> tuple[list[dict], list[dict]]:
        """The libraries and imports of a network description, once checked; else every problem is written
        and the command ends with nothing written."""
        problems: list[str] = []
        if not isinstance(network, dict) or not isinstance(network.get("libraries"), list):
            raise CommandError(f"{path}: expected an object with a list of 'libraries' (and of 'imports')")
        entries, imports = network["libraries"], network.get("imports", [])
        if not isinstance(imports, list):
            raise CommandError(f"{path}: 'imports' is not a list")
        codes: dict[str, int] = {}
        with translation.override("en"):
            for number, entry in enumerate(entries, 1):
                if not isinstance(entry, dict):
                    problems.append(f"library {number}: not an object")
                    continue
                code = entry.get("code")
                label = f"library {number} ({code})" if code else f"library {number}"
                problems += [f"{label}: {problem}" for problem in library_problems(entry)]
                if isinstance(code, str) and code in codes:
                    problems.append(f"{label}: field 'code' = {code!r}: library {codes[code]} has it too")
                elif isinstance(code, str):
                    codes[code] = number
        for number, entry in enumerate(imports, 1):
            if not isinstance(entry, dict):
                problems.append(f"import {number}: not an object")
                continue
            for field in ("library", "file"):
                if not entry.get(field):
                    problems.append(f"import {number}: field '{field}' is missing")
            if entry.get("library") and entry["library"] not in codes:
                problems.append(f"import {number}: library {entry['library']!r} is not in the network")
            if entry.get("file") and not (path.parent / entry["file"]).is_file():
                problems.append(f"import {number}: no file {path.parent / entry['file']}")
        if problems:
            for problem in problems:
                self.stderr.write(f"{path}: {problem}")
            raise CommandError(
                f"{path}: {len(problems)} problem(s) in the network description, nothing written"
            )
        return entries, imports

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
