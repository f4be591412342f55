"""khizana restore ARCHIVE [--force] [--no-index]: put a backup archive back into an empty installation."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from khizana.operations import backup_services
from khizana.operations.backup import ArchiveError


class Command(BaseCommand):
    help = (
        "Restore a backup archive (from `khizana backup`) into this installation, which must be empty (no "
        "library, user, record, work or digital item) unless --force. The whole archive is checked first "
        "(every SHA-256 of its manifest, its format version, its kind of database, that this Khizana knows "
        "its migrations): a damaged, truncated or altered archive is refused before anything is written. "
        "Then the database is put back (SQLite: the copy moved in place; PostgreSQL: pg_restore into the "
        "emptied database), its row counts checked against the manifest, the files written, pending "
        "migrations applied and the search index rebuilt. Stop Khizana's server and job queue first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="The archive (khizana-backup-....tar.gz).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Restore even though this installation is not empty: its database is replaced.",
        )
        parser.add_argument(
            "--no-index",
            action="store_true",
            help="Do not rebuild the search index (run `khizana index rebuild`).",
        )

    def handle(self, *args, **options):
        try:
            result = backup_services.restore_backup(
                options["archive"],
                force=options["force"],
                rebuild_index=not options["no_index"],
                stdout=self.stdout,
            )
        except (ArchiveError, OSError) as error:
            raise CommandError(f"restore refused or failed: {error}") from None
        manifest = result.manifest
        total = sum(manifest["counts"].values())
        self.stdout.write(
            f"restored {options['archive']} (made {manifest['created_at']} by Khizana "
            f"{manifest['khizana_version']}): {total} rows in {len(manifest['counts'])} tables, "
            f"{result.files} files"
        )
        for note in result.notes:
            self.stdout.write(f"note: {note}")
