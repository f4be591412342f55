"""khizana backup [--output DIR] [--compress gz|none] [--skip LOCATION]: a consistent, dated archive."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from khizana.operations import backup_services
from khizana.operations.backup import COMPRESSIONS, ArchiveError

SHOWN = (
    "libraries_library",
    "catalog_sourcerecord",
    "catalog_work",
    "catalog_holding",
    "digital_digitalitem",
)


class Command(BaseCommand):
    help = (
        "Write a backup archive of this installation: a consistent copy of the database (SQLite's online "
        "backup, or pg_dump), the data directory (its secret_key among others) and every kept-data folder "
        "(kept import files, digital files, preservation roots, single sign-on keys...), with a manifest of "
        "SHA-256 checksums. The search index, caches and the job queue are left out (a restore rebuilds the "
        "index). Safe while Khizana runs. Prints the archive's path."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, metavar="DIR", help="Folder of the archive (default: KHIZANA_BACKUP_DIR)."
        )
        parser.add_argument(
            "--compress",
            choices=sorted(COMPRESSIONS),
            default="gz",
            help="gz (default) or none (a plain tar).",
        )
        parser.add_argument(
            "--skip",
            action="append",
            default=[],
            metavar="LOCATION",
            help="Leave out a kept-data folder by its setting name, e.g. KHIZANA_PRESERVATION_COPY_ROOT when "
            "that copy lives on another disk with its own backups (repeatable).",
        )

    def handle(self, *args, **options):
        try:
            result = backup_services.create_backup(
                options["output"], compress=options["compress"], skip=tuple(options["skip"])
            )
        except (ArchiveError, OSError) as error:
            raise CommandError(f"backup failed: {error}") from None
        manifest = result.manifest
        counts = manifest["counts"]
        shown = ", ".join(f"{table} {counts[table]}" for table in SHOWN if table in counts)
        files = sum(1 for entry in manifest["members"] if entry["name"].startswith("files/"))
        size = result.path.stat().st_size
        self.stdout.write(f"{manifest['database']['vendor']} database: {shown}")
        self.stdout.write(f"{files} files, archive of {size / 1e6:.1f} MB")
        self.stdout.write(str(result.path))
