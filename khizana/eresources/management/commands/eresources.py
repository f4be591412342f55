"""``khizana eresources load-kbart|check-links|harvest-usage|load-usage|demo``: electronic resources from the
command line."""

from __future__ import annotations

import argparse
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from khizana.eresources import links, services
from khizana.eresources.kbart import KbartFileError
from khizana.eresources.models import Resource


def _month(value: str) -> str:
    from khizana.eresources.usage.reader import parse_month

    month = parse_month(value)
    if month is None or len(value.strip()) != 7:
        raise argparse.ArgumentTypeError(f"{value!r} is not a month (YYYY-MM)")
    return month


class Command(BaseCommand):
    help = (
        "Electronic resources. 'load-kbart CODE FILE [--add-only]' loads a KBART title list into the "
        "package resource CODE (replacing its list, or adding the titles not in it yet); "
        "'check-links' checks every link of the free-resource lists; "
        "'harvest-usage [--resource CODE] [--begin YYYY-MM --end YYYY-MM]' harvests the COUNTER reports "
        "not harvested yet from the providers' SUSHI servers; "
        "'load-usage CODE FILE [--library CODE]' loads a provider's COUNTER report file (JSON, TSV, Excel); "
        "'demo' loads the demo resources, licence and title lists of demo/eresources/."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="load-kbart|check-links|harvest-usage|load-usage|demo"
        )
        load = actions.add_parser("load-kbart", help="Load a KBART title list into a package resource.")
        load.add_argument("code", help="The resource's code.")
        load.add_argument("file", help="The KBART file (tab-separated text).")
        load.add_argument("--add-only", action="store_true", help="Add new titles, keep the list.")
        load.add_argument("--errors", type=int, default=20, help="How many rejected rows to print (0: all).")
        actions.add_parser("check-links", help="Check the links of the free-resource lists.")
        harvest = actions.add_parser("harvest-usage", help="Harvest the providers' COUNTER usage (SUSHI).")
        harvest.add_argument("--resource", help="Only this resource (its code).")
        harvest.add_argument("--begin", type=_month, help="First month (YYYY-MM); default: each account's.")
        harvest.add_argument("--end", type=_month, help="Last month (YYYY-MM); default: the last ended one.")
        usage = actions.add_parser("load-usage", help="Load a provider's COUNTER report file.")
        usage.add_argument("code", help="The resource's code.")
        usage.add_argument("file", help="The report: COUNTER JSON, TSV or Excel (.xlsx).")
        usage.add_argument("--library", help="The institution's code (default: the whole network).")
        actions.add_parser("demo", help="Load the demo electronic resources (demo/eresources/).")

    def handle(self, *args, **options):
        getattr(self, "_" + options["action"].replace("-", "_"))(options)

    def _load_kbart(self, options) -> None:
        resource = Resource.objects.filter(code=options["code"]).first()
        if resource is None:
            raise CommandError(f"No resource with the code {options['code']!r}.")
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        try:
            report = services.load_titles(None, resource, data, path.name, add_only=options["add_only"])
        except KbartFileError as error:
            raise CommandError(str(error)) from None
        shown = report.errors if not options["errors"] else report.errors[: options["errors"]]
        for error in shown:
            self.stderr.write(error)
        if len(shown) < len(report.errors):
            self.stderr.write(f"... and {len(report.errors) - len(shown)} more problems")
        self.stdout.write(report.summary())

    def _check_links(self, options) -> None:
        result = links.check_all()
        self.stdout.write(f"{result.checked} links checked, {result.broken} broken")

    def _harvest_usage(self, options) -> None:
        from khizana.eresources.usage import services as usage

        begin, end = options["begin"], options["end"]
        if begin and end and end < begin:
            raise CommandError(f"--end {end} is before --begin {begin}.")
        if options["resource"] and not Resource.objects.filter(code=options["resource"]).exists():
            raise CommandError(f"No resource with the code {options['resource']!r}.")
        summary = usage.harvest_all(options["resource"], begin, end)
        self.stdout.write(str(summary))

    def _load_usage(self, options) -> None:
        from khizana.eresources.usage import services as usage
        from khizana.eresources.usage.reader import ReportFileError
        from khizana.libraries.models import Library

        resource = Resource.objects.filter(code=options["code"]).first()
        if resource is None:
            raise CommandError(f"No resource with the code {options['code']!r}.")
        library = None
        if options["library"]:
            library = Library.objects.filter(code=options["library"]).first()
            if library is None:
                raise CommandError(f"No library with the code {options['library']!r}.")
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        try:
            result = usage.upload_report(None, resource, library.pk if library else None, data, path.name)
        except ReportFileError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{path.name}: {result.report_id}, {result.rows} counts, months {result.months[0]} to "
            f"{result.months[-1]}"
        )

    def _demo(self, options) -> None:
        from khizana.eresources import demo

        for line in demo.load_demo():
            self.stdout.write(line)
