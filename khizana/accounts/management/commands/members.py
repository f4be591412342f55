"""khizana members load CODE FILE [--add-only] [--report problems.csv]: load a library's member file."""

from __future__ import annotations

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from khizana.accounts import verification
from khizana.accounts.memberfile import MemberFileError
from khizana.libraries.models import Library

EXIT_CODES = (
    "Exit codes: 0 the file was loaded (refused rows included: they are listed, and written with --report); "
    "1 no library has the code, or the file cannot be read or is not a member file; 2 wrong usage."
)


class Command(BaseCommand):
    help = "Readers' memberships: load a library's member file (CSV, TSV or Excel) to verify its readers."

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, subcommand, epilog=EXIT_CODES, **kwargs)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="Load the member file of a library.", epilog=EXIT_CODES)
        load.add_argument("library", help="library code")
        load.add_argument("file", type=Path)
        load.add_argument("--add-only", action="store_true", help="add and update; remove no card")
        load.add_argument("--report", type=Path, help="write the refused rows to this CSV file")

    def handle(self, *args, **options):
        library = Library.objects.filter(code=options["library"]).first()
        if library is None:
            raise CommandError(f"{options['library']}: no library has this code")
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}") from None
        try:
            result = verification.load_member_file(
                None, library, data, path.name, add_only=options["add_only"]
            )
        except MemberFileError as error:
            raise CommandError(f"{path}: {error}") from None
        except verification.VerificationError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{library.code}: {result.created} cards added, {result.updated} updated, "
            f"{result.removed} removed, {len(result.problems)} rows refused; "
            f"{len(result.verified)} readers verified, {len(result.unverified)} no longer verified"
        )
        for problem in result.problems[:20]:
            self.stderr.write(f"{path.name}: {problem}")
        if options["report"]:
            with options["report"].open("w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(["line", "problem"])
                for problem in result.problems:
                    writer.writerow([problem.line, str(problem).split(": ", 1)[1]])
