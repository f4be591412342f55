"""khizana library add CODE --name NAME --city CITY --country CC [--kind KIND ...] | library show CODE"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q
from django.utils import translation

from khizana.libraries.models import Library
from khizana.libraries.services import MISSING, LibraryRefused, create_library

EXIT_CODES = (
    "Exit codes: 0 done; 1 refused (add: a library already has the code; show: no library has it); "
    "2 wrong usage, or a value a library cannot take (the message names the field and the value)."
)
# Option -> model field, for `library add`, in the order `library show` prints them.
ADD_OPTIONS = {
    "name": "name_fr",
    "name_ar": "name_ar",
    "name_en": "name_en",
    "kind": "kind",
    "city": "city",
    "country": "country",
    "website": "website",
    "oai_endpoint": "oai_endpoint",
}
SHOWN = [
    "code",
    "name_fr",
    "name_ar",
    "name_en",
    "kind",
    "city",
    "country",
    "address",
    "latitude",
    "longitude",
    "contact_email",
    "contact_phone",
    "website",
    "oai_endpoint",
]


class Command(BaseCommand):
    help = "Add a member library to the network (add), or show one (show)."

    def create_parser(self, prog_name, subcommand, **kwargs):
        return super().create_parser(prog_name, subcommand, epilog=EXIT_CODES, **kwargs)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{add,show}")
        add = sub.add_parser(
            "add",
            help="Add a member library.",
            description='Add a member library, e.g. khizana library add UIZ --name "Bibliothèque de '
            "l'Université Ibn Zohr\" --city Agadir --country MA. Its records come next: khizana import "
            "--library CODE FILE.",
            epilog=EXIT_CODES,
        )
        add.add_argument("code", help="Its code: upper-case letters, digits, - and _ (e.g. UIZ, BU-FES).")
        add.add_argument("--name", required=True, help="Its name in French (shown when no other is given).")
        add.add_argument("--name-ar", default="", metavar="NAME", help="Its name in Arabic.")
        add.add_argument("--name-en", default="", metavar="NAME", help="Its name in English.")
        add.add_argument("--city", required=True)
        add.add_argument("--country", required=True, metavar="CC", help="ISO 3166-1 alpha-2: MA, DZ, TN...")
        add.add_argument(
            "--kind",
            choices=Library.Kind.values,
            default=Library.Kind.UNIVERSITY,
            help="What kind of library (default: university).",
        )
        add.add_argument("--website", default="", metavar="URL")
        add.add_argument("--oai-endpoint", default="", metavar="URL", help="Its OAI-PMH endpoint.")
        show = sub.add_parser("show", help="Show a member library.", epilog=EXIT_CODES)
        show.add_argument("code")

    def handle(self, *args, **options):
        with translation.override("en"):
            if options["action"] == "add":
                self._add(options)
            else:
                self._show(options["code"])

    def _add(self, options) -> None:
        fields = {field: options[option] for option, field in ADD_OPTIONS.items()}
        fields["code"] = options["code"]
        try:
            library = create_library(**fields)
        except LibraryRefused as refused:
            options_of = {field: "--" + option.replace("_", "-") for option, field in ADD_OPTIONS.items()}
            message = "; ".join(
                f"{options_of.get(p.field, p.field)} is missing"
                if p.value is MISSING
                else f"{options_of.get(p.field, p.field)} {p.value!r}: {p.reason}"
                for p in refused.problems
            )
            raise CommandError(message, returncode=1 if refused.exists else 2) from None
        self.stdout.write(
            f"{library.code}: library added ({library.name_fr}, {library.city}, {library.country}). "
            f"Load its records with: khizana import --library {library.code} FILE"
        )

    def _show(self, code: str) -> None:
        library = (
            Library.objects.filter(code=code)
            .annotate(
                record_total=Count("records", filter=Q(records__deleted=False)),
                work_total=Count("records__work", distinct=True, filter=Q(records__deleted=False)),
            )
            .first()
        )
        if library is None:
            known = ", ".join(Library.objects.values_list("code", flat=True)) or "none yet"
            raise CommandError(f"no library has the code {code!r} (known: {known})")
        for name in SHOWN:
            value = getattr(library, name)
            if value in (None, ""):
                continue
            if name == "kind":
                value = f"{value} ({library.get_kind_display()})"
            self.stdout.write(f"{name:<14} {value}")
        self.stdout.write(f"{'records':<14} {library.record_total}")
        self.stdout.write(f"{'works':<14} {library.work_total}")
        self.stdout.write(f"{'added':<14} {library.created_at:%Y-%m-%d %H:%M} UTC")
