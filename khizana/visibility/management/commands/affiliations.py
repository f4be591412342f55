"""``khizana affiliations report FILE... --out DIR``: affiliation and author anomalies of exports.
``khizana affiliations office add|remove|list``: the research offices' accounts."""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from khizana.accounts.management.passwords import set_password_from_environment_or_prompt
from khizana.visibility.affiliations import offices, reports, services
from khizana.visibility.anomalies import AUTHOR_ANOMALIES
from khizana.visibility.models import ResearchOffice
from khizana.visibility.registry.services import find_institution


class Command(BaseCommand):
    help = (
        "Affiliation anomalies of Scopus (CSV, BibTeX, RIS) and Web of Science (plain text, tab-delimited) "
        "exports. 'report FILE... --out DIR' writes report.csv (per institution), corrections.csv and "
        "corrections.xlsx (what to send to the providers) and anomalies.html (the chart and its table, "
        "a page that opens offline), and prints a summary. "
        "The registry is the database's, else ../shared/data/ror; --registry DIR names a ROR extract. "
        "'office add USER INSTITUTION' gives USER (created when missing: password from "
        "$KHIZANA_OFFICE_PASSWORD, asked for, or --no-password) the research office account of the "
        "registry institution INSTITUTION (ROR id or local key): it sees that institution's reports only; "
        "'office remove USER' takes it back; 'office list' lists them."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="report|office")
        report = actions.add_parser("report", help="Analyse export files and write the report files.")
        report.add_argument("files", nargs="+", metavar="FILE", help="Scopus or Web of Science export files.")
        report.add_argument("--out", required=True, metavar="DIR", help="Directory of the report files.")
        report.add_argument(
            "--institution",
            default="",
            metavar="ROR_ID_OR_NAME",
            help="Only the affiliations of this institution (and its faculties and laboratories).",
        )
        report.add_argument("--registry", default="", metavar="DIR", help="A ROR extract directory.")
        report.add_argument("--no-progress", action="store_true", help="No progress bar.")
        office = actions.add_parser("office", help="Add, remove or list the research offices' accounts.")
        steps = office.add_subparsers(dest="office_action", required=True, metavar="add|remove|list")
        add = steps.add_parser("add", help="Scope a user to an institution's research office.")
        add.add_argument("user", metavar="USER", help="User name (created when missing).")
        add.add_argument("institution", metavar="ROR_OR_LOCAL_KEY", help="The registry institution.")
        add.add_argument(
            "--role", default=ResearchOffice.Role.OFFICER, choices=ResearchOffice.Role.values,
            help="officer (sends exports, corrects the matches; the default) or reader (reads the reports).",
        )  # fmt: skip
        add.add_argument("--email", default="", help="E-mail address of a new user.")
        add.add_argument(
            "--no-password", action="store_true", help="Create the user without a usable password."
        )
        remove = steps.add_parser("remove", help="Take a user out of their research office.")
        remove.add_argument("user", metavar="USER")
        steps.add_parser("list", help="List the research offices' accounts.")

    def handle(self, *args, **options):
        if options["action"] == "office":
            return self._office(options)
        missing = [f for f in options["files"] if not Path(f).is_file()]
        if missing:
            raise CommandError(f"{missing[0]}: no such file")
        out_dir = Path(options["out"])
        if out_dir.exists() and not out_dir.is_dir():
            raise CommandError(f"{out_dir}: exists and is not a directory")
        try:
            registry = services.default_registry(options["registry"] or None)
        except services.RegistryUnavailable as error:
            raise CommandError(str(error)) from error
        reading = services.read_exports(options["files"])
        for error in reading.errors:
            self.stderr.write(str(error))
        if not reading.publications:
            raise CommandError("no publication could be read from " + ", ".join(options["files"]))
        with tqdm(
            total=len(reading.publications),
            unit="record",
            desc="affiliations",
            disable=options["no_progress"] or None,
            file=sys.stderr,
        ) as bar:
            analysis = services.run_analysis(reading, registry, options["institution"], bar.update)
        if options["institution"] and not analysis.affiliation_findings:
            raise CommandError(f"--institution {options['institution']}: no affiliation names it")
        paths = services.write_report_files(analysis, registry, out_dir)
        self.stdout.write(summary_text(analysis, registry, reading, paths))

    def _office(self, options) -> None:
        step = options["office_action"]
        if step == "list":
            for office in ResearchOffice.objects.select_related("user", "institution"):
                self.stdout.write(
                    f"{office.user.get_username()}\t{office.role}\t{office.institution.identifier}\t"
                    f"{office.institution.name}"
                )
            return
        User = get_user_model()
        user = User.objects.filter(username=options["user"]).first()
        if step == "remove":
            office = ResearchOffice.objects.filter(user__username=options["user"]).first()
            if office is None:
                raise CommandError(f"{options['user']}: no research office account")
            offices.remove_office(office)
            name = office.institution.name
            self.stdout.write(f"{options['user']}: no longer in the research office of {name}")
            return
        institution = find_institution(options["institution"])
        if institution is None:
            raise CommandError(
                f"{options['institution']}: not in the registry (a ROR id, its last part, or a local key)"
            )
        with transaction.atomic():
            if user is None:
                user = User(username=options["user"], email=options["email"])
                _set_password(user, options["no_password"])
                user.save()
            try:
                office = offices.add_office(user, institution, options["role"])
            except offices.OfficeError as error:
                raise CommandError(str(error)) from None
        self.stdout.write(
            f"{user.get_username()}: {office.role} of the research office of {institution.name} "
            f"({institution.identifier})"
        )


def _set_password(user, no_password: bool) -> None:
    set_password_from_environment_or_prompt(user, variable="KHIZANA_OFFICE_PASSWORD", no_password=no_password)


def summary_text(analysis, registry, reading, paths) -> str:
    total = reports.summary(analysis)
    authors = reports.author_counts(analysis)
    lines = [
        f"{analysis.publications} publications, {total.affiliations} affiliations, "
        f"{total.with_anomaly} with an anomaly ({len(reading.errors)} read errors); {registry.description}",
        reports.chart_text(total),
    ]
    lines += [f"{reports.ANOMALY_LABELS[code]}: {authors[code]}" for code in AUTHOR_ANOMALIES]
    top = [r for r in reports.institution_rows(analysis, registry.hierarchy) if r.institution_id][:10]
    if top:
        lines.append("institutions (publications, affiliations, with an anomaly):")
        for row in top:
            counts = f"{row.publications}, {row.affiliations}, {row.with_anomaly}"
            lines.append(f"  {row.name} [{row.institution_id}]: {counts}")
    lines.append("written: " + ", ".join(str(p) for p in paths.values()))
    return "\n".join(lines)
