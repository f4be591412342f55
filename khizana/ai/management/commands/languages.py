"""``khizana languages detect|list``: the languages detected from works' titles (khizana/ai/language.py)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from khizana.ai.language_services import detect_works, suggestions
from khizana.ai.models_language import LanguageSuggestion


class Command(BaseCommand):
    help = (
        "Language detection. 'detect [--work ID ...]' detects the language of the titles of every work "
        "(or of these) and stores a suggestion where the records code no language or another one; "
        "'list [--reason missing|differs] [--min-confidence X] [--language CODE] [--limit N]' prints the "
        "suggestions, most confident first."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="detect|list")
        detect = actions.add_parser("detect", help="Detect the languages of works' titles.")
        detect.add_argument("--work", type=int, action="append", help="Only this work (repeatable).")
        listing = actions.add_parser("list", help="Print the stored suggestions.")
        listing.add_argument("--reason", choices=LanguageSuggestion.Reason.values, default="")
        listing.add_argument("--min-confidence", type=float, default=0.0)
        listing.add_argument("--language", default="", help="Only this suggested language (MARC code).")
        listing.add_argument("--limit", type=int, default=50, help="How many to print (0: all).")

    def handle(self, *args, **options):
        getattr(self, "_" + options["action"])(options)

    def _detect(self, options) -> None:
        run = detect_works(options["work"])
        self.stdout.write(
            f"{run.works} works read: {run.missing} without a language code got a suggestion, "
            f"{run.differs} are coded as another language, {run.agrees} agree, "
            f"{run.undetected} could not be told"
        )

    def _list(self, options) -> None:
        if not 0.0 <= options["min_confidence"] <= 1.0:
            raise CommandError(f"--min-confidence {options['min_confidence']}: give a number from 0 to 1.")
        found = suggestions(options["reason"], options["min_confidence"], options["language"].strip().lower())
        total = found.count()
        shown = found if not options["limit"] else found[: options["limit"]]
        threshold = settings.KHIZANA_AI_LANGUAGE_THRESHOLD
        for s in shown:
            coded = ",".join(s.coded) or "-"
            facet = "facet" if s.reason == "missing" and s.confidence >= threshold else ""
            self.stdout.write(
                f"{s.work_id}\t{s.language}\t{s.confidence:.3f}\t{s.reason}\tcoded={coded}\t{s.script}\t"
                f"{facet}\t{s.text[:80]}"
            )
        self.stdout.write(f"{total} suggestions")
