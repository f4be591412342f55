"""``khizana affiliations report FILE... --out DIR``: affiliation and author anomalies of exports."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from khizana.visibility.affiliations import reports, services
from khizana.visibility.anomalies import AUTHOR_ANOMALIES


class Command(BaseCommand):
    help = (
        "Affiliation anomalies of Scopus (CSV, BibTeX, RIS) and Web of Science (plain text, tab-delimited) "
        "exports. 'report FILE... --out DIR' writes report.csv (per institution), corrections.csv and "
        "corrections.xlsx (what to send to the providers) and anomalies.svg (the chart), and prints a "
        "summary. "
        "The registry is the database's, else ../shared/data/ror; --registry DIR names a ROR extract."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="report")
        report = actions.add_parser("report", help="Analyse export files and write the report files.")
        report.add_argument("files", nargs="+", metavar="FILE", help="Scopus or Web of Science export files.")
        report.add_argument("--out", required=True, metavar="DIR", help="Directory of the report files.")
        report.add_argument(
            "--institution", default="", metavar="ROR_ID_OR_NAME",
            help="Only the affiliations of this institution (and its faculties and laboratories).",
        )
        report.add_argument("--registry", default="", metavar="DIR", help="A ROR extract directory.")
        report.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options):
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
            total=len(reading.publications), unit="record", desc="affiliations",
            disable=options["no_progress"] or None, file=sys.stderr,
        ) as bar:
            analysis = services.run_analysis(reading, registry, options["institution"], bar.update)
        if options["institution"] and not analysis.affiliation_findings:
            raise CommandError(f"--institution {options['institution']}: no affiliation names it")
        paths = services.write_report_files(analysis, registry, out_dir)
        self.stdout.write(summary_text(analysis, registry, reading, paths))


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
