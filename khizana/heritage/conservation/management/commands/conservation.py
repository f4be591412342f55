"""``khizana conservation import-holdings|read-583``: conservation plans from the command line."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from khizana.heritage.conservation import services
from khizana.heritage.conservation.models import Plan, PlanTitle
from khizana.libraries.models import Library


class Command(BaseCommand):
    help = (
        "Shared conservation plans for serials. 'import-holdings --plan CODE FILE...' reads holdings "
        "statements (MARC 21 866/853-863 holdings records, Sudoc UNIMARC 955/959) and retention "
        "commitments (583, Sudoc 930 $z/$p) into the plan; 'read-583 --plan CODE' reads the commitments "
        "of the 583 fields of the catalog's records of the plan's titles; 'demo' loads the demo plan of "
        "demo/heritage/conservation/ (the demo network's libraries must be there)."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="import-holdings|read-583|demo")
        load = actions.add_parser("import-holdings", help="Read holdings files into a plan.")
        load.add_argument("files", nargs="+", help="ISO 2709 or MARCXML files.")
        load.add_argument("--plan", required=True, help="The plan's programme code.")
        load.add_argument("--library", help="The sending library's code (MARC 21 holdings without 852 $a).")
        load.add_argument("--title", type=int, help="The plan title's id the holdings records are for.")
        load.add_argument("--errors", type=int, default=20, help="How many problems to print (0: all).")
        scan = actions.add_parser("read-583", help="Read 583 commitments from the catalog's records.")
        scan.add_argument("--plan", required=True, help="The plan's programme code.")
        scan.add_argument("--library", help="Only this library's records.")
        scan.add_argument("--errors", type=int, default=20, help="How many problems to print (0: all).")
        actions.add_parser("demo", help="Load the demo conservation plan (demo/heritage/conservation/).")

    def handle(self, *args, **options):
        if options["action"] == "demo":
            try:
                report = services.load_demo()
            except services.ConservationError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(report.summary())
            return
        plan = Plan.objects.filter(programme__iexact=options["plan"]).first()
        if plan is None:
            raise CommandError(f"No conservation plan with the programme code {options['plan']!r}.")
        library = None
        if options.get("library"):
            library = Library.objects.filter(code=options["library"].upper()).first()
            if library is None:
                raise CommandError(f"No member library with the code {options['library']!r}.")
        if options["action"] == "import-holdings":
            title = None
            if options.get("title"):
                title = PlanTitle.objects.filter(pk=options["title"], plan=plan).first()
                if title is None:
                    raise CommandError(f"The plan {plan.programme} has no title {options['title']}.")
            missing = [name for name in options["files"] if not Path(name).is_file()]
            if missing:
                raise CommandError(f"No such file: {', '.join(missing)}")
            report = services.import_holdings(
                plan, [Path(name) for name in options["files"]], library=library, title=title
            )
        else:
            report = services.read_583(plan, library=library)
        shown = report.problems if not options["errors"] else report.problems[: options["errors"]]
        for problem in shown:
            self.stderr.write(problem)
        if len(shown) < len(report.problems):
            self.stderr.write(f"... and {len(report.problems) - len(shown)} more problems")
        self.stdout.write(report.summary())
