"""``khizana registry load|export|show|add``: the institution registry from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from khizana.visibility.models import Institution
from khizana.visibility.registry import services
from khizana.visibility.registry.services import shared_ror_dir

DEMO_REGISTRY = Path(settings.BASE_DIR) / "demo" / "registry"


class Command(BaseCommand):
    help = (
        "The institution registry. 'load [PATHS...]' loads ROR extracts (JSON lines, the TSV names "
        "index, the referenced-missing list) and Khizana exports; without paths, the extract files of "
        "../shared/data/ror (with --index also its global names index), or with --demo the demo registry "
        "(ROR records of Morocco, Algeria, Tunisia and local institutions) of "
        "demo/registry/. Loading again updates, never duplicates, and keeps local institutions. "
        "'export --format jsonl|csv -o FILE' writes the registry; 'show ID' an institution and its "
        "hierarchy; 'add NAME --kind KIND --parent ID' a local institution."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="load|export|show|add")
        load = actions.add_parser("load", help="Load registry files.")
        load.add_argument("paths", nargs="*", metavar="PATH", help="Files, or folders of .jsonl/.tsv files.")
        load.add_argument("--demo", action="store_true", help="Load the demo registry of demo/registry/.")
        load.add_argument(
            "--index",
            action="store_true",
            help="Also the global names index of the extract (51,370 organisations; takes minutes).",
        )
        load.add_argument("--no-progress", action="store_true", help="No progress bar.")
        export = actions.add_parser("export", help="Write the registry as JSON lines or CSV.")
        export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
        export.add_argument("-o", "--output", metavar="FILE", help="Output file (standard output if absent).")
        show = actions.add_parser("show", help="An institution, its names and its hierarchy.")
        show.add_argument("identifier", metavar="ID", help="ROR id, local:key or database id.")
        add = actions.add_parser("add", help="Add a local institution (faculty, school, laboratory...).")
        add.add_argument("name")
        add.add_argument("--kind", required=True, choices=Institution.Kind.values)
        add.add_argument("--parent", default="", metavar="ID", help="ROR id, local:key or database id.")
        add.add_argument("--country", default="", help="ISO code (default: the parent's).")
        add.add_argument("--city", default="", help="City (default: the parent's).")
        for language in services.LANGUAGES:
            add.add_argument(f"--name-{language}", default="", help=f"The name in {language}.")
        add.add_argument("--variant", action="append", default=[], help="A known variant (repeatable).")
        add.add_argument("--acronym", action="append", default=[], help="An acronym (repeatable).")
        add.add_argument(
            "--ror-id", default="", help="Its ROR id, when ROR knows it but the loaded extract lacks it."
        )

    def handle(self, *args, **options):
        getattr(self, f"_{options['action']}")(options)

    def _load(self, options) -> None:
        paths = self._load_paths(options)
        with tqdm(
            total=sum(path.stat().st_size for path in paths),
            unit="B",
            unit_scale=True,
            disable=options["no_progress"] or None,
            leave=False,
        ) as bar:

            def progress(path: Path):
                bar.set_description(path.name)
                return bar.update

            report = services.load_registry(paths, progress=progress)
        for error in report.errors:
            self.stderr.write(str(error))
        self.stdout.write(report.summary())
        self.stdout.write(f"registry: {Institution.objects.count()} institutions")

    def _load_paths(self, options) -> list[Path]:
        if options["demo"]:
            if options["paths"]:
                raise CommandError("give PATHS or --demo, not both")
            return sorted(DEMO_REGISTRY.glob("*.jsonl"))
        if not options["paths"]:
            paths = services.default_ror_files(shared_ror_dir(), names_index=options["index"])
            if not paths:
                raise CommandError(f"no ROR extract in {shared_ror_dir()}: name the files, or use --demo")
            return paths
        paths: list[Path] = []
        for name in options["paths"]:
            path = Path(name)
            if path.is_dir():
                paths += sorted([*path.glob("*.jsonl"), *path.glob("*.tsv")])
            elif path.is_file():
                paths.append(path)
            else:
                raise CommandError(f"{name}: no such file or folder")
        return paths

    def _export(self, options) -> None:
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as out:
                count = services.export_registry(out, options["format"])
            self.stdout.write(f"{count} institutions written to {options['output']}")
        else:
            services.export_registry(sys.stdout, options["format"])

    def _show(self, options) -> None:
        institution = services.find_institution(options["identifier"])
        if institution is None:
            raise CommandError(f"no institution {options['identifier']!r} in the registry")
        place = ", ".join(filter(None, [institution.city, institution.country_code]))
        self.stdout.write(f"{institution.identifier}  {institution.name}  ({place or 'no place'})")
        for group, names in services.names_by_kind(institution).items():
            if names:
                self.stdout.write(f"  {group}: {' | '.join(name.value for name in names)}")
        for level, parent in enumerate(services.parent_chain(institution), start=1):
            self.stdout.write(f"  {'  ' * level}^ {parent.identifier}  {parent.name}")
        for child in institution.children.order_by("sort_key")[:100]:
            self.stdout.write(f"  v {child.identifier}  {child.name}")

    def _add(self, options) -> None:
        try:
            institution = services.add_local_institution(
                options["name"],
                kind=options["kind"],
                parent=options["parent"],
                country_code=options["country"],
                city=options["city"],
                names={language: options[f"name_{language}"] for language in services.LANGUAGES},
                variants=options["variant"],
                acronyms=options["acronym"],
                ror_id=options["ror_id"],
            )
        except services.RegistryError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"added {institution.identifier} under {services.roll_up(institution).identifier}")
