"""``khizana eresources load-kbart|check-links|demo``: electronic resources from the command line."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from khizana.eresources import links, services
from khizana.eresources.kbart import KbartFileError
from khizana.eresources.models import Resource


class Command(BaseCommand):
    help = (
        "Electronic resources. 'load-kbart CODE FILE [--add-only]' loads a KBART title list into the "
        "package resource CODE (replacing its list, or adding the titles not in it yet); "
        "'check-links' checks every link of the free-resource lists; "
        "'demo' loads the demo resources, licence and title lists of demo/eresources/."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="load-kbart|check-links|demo")
        load = actions.add_parser("load-kbart", help="Load a KBART title list into a package resource.")
        load.add_argument("code", help="The resource's code.")
        load.add_argument("file", help="The KBART file (tab-separated text).")
        load.add_argument("--add-only", action="store_true", help="Add new titles, keep the list.")
        load.add_argument("--errors", type=int, default=20, help="How many rejected rows to print (0: all).")
        actions.add_parser("check-links", help="Check the links of the free-resource lists.")
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

    def _demo(self, options) -> None:
        from khizana.eresources import demo

        for line in demo.load_demo():
            self.stdout.write(line)
