"""``khizana ai train|evaluate|suggest|coverage``: subject suggestions by Annif from the command line."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from khizana.ai import annif_data, subjects
from khizana.ai.annif_cli import AnnifError
from khizana.catalog.models import SourceRecord
from khizana.libraries.models import Library


def _fraction(value: str) -> float:
    import argparse

    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a fraction between 0 and 1")
    return number


class Command(BaseCommand):
    help = (
        "Subject suggestions (Annif). 'train [--language fre|eng|ara ...] [--held-out 0.15] [--file F ...]' "
        "trains the projects of each language on the catalog's records with subjects (or on MARC files); "
        "'evaluate LANGUAGE CORPUS.tsv [--project ensemble]' scores a trained project on a corpus; "
        "'suggest (--library CODE | --record ID ...)' suggests subjects for the records without any; "
        "'coverage --library CODE' says how many records lack subjects, have suggestions, accepted ones."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="train|evaluate|suggest|coverage"
        )
        train = actions.add_parser("train", help="Train the Annif projects on the catalog.")
        train.add_argument("--language", action="append", choices=sorted(annif_data.LANGUAGES))
        train.add_argument(
            "--held-out", type=_fraction, default=0.0, help="Fraction kept out and evaluated on."
        )
        train.add_argument(
            "--file", action="append", type=Path, help="Train on this MARC file's records instead."
        )
        evaluate = actions.add_parser("evaluate", help="Score a trained project on a short-text TSV corpus.")
        evaluate.add_argument("language", choices=sorted(annif_data.LANGUAGES))
        evaluate.add_argument("corpus", type=Path)
        evaluate.add_argument("--project", default="ensemble", choices=[*annif_data.BACKENDS, "ensemble"])
        suggest = actions.add_parser("suggest", help="Suggest subjects for records without any.")
        suggest.add_argument("--library", help="Every record without subjects of this library (batch).")
        suggest.add_argument("--record", type=int, action="append", help="This record (its id).")
        coverage = actions.add_parser("coverage", help="Subject coverage of a library's catalogue.")
        coverage.add_argument("--library", required=True)

    def handle(self, *args, **options):
        try:
            getattr(self, "_" + options["action"])(options)
        except (AnnifError, subjects.SubjectsError) as error:
            raise CommandError(str(error)) from None

    def _library(self, code: str) -> Library:
        library = Library.objects.filter(code=code).first()
        if library is None:
            raise CommandError(f"No library with the code {code!r}.")
        return library

    def _train(self, options) -> None:
        corpus = None
        if options["file"]:
            missing = [str(p) for p in options["file"] if not p.is_file()]
            if missing:
                raise CommandError(f"{', '.join(missing)}: no such file.")
            corpus = subjects.documents_from_files(options["file"])
        for report in subjects.train(options["language"], held_out=options["held_out"], corpus=corpus):
            line = (
                f"{report.language}: {report.documents} documents, {report.subjects} subjects, "
                f"trained in {report.seconds:.1f} s, models {report.model_bytes / 1e6:.1f} MB"
            )
            if report.metrics:
                line += f"; held out {report.held_out}: " + ", ".join(
                    f"{name} {value:.3f}"
                    for name, value in report.metrics.items()
                    if name != "Documents evaluated"
                )
            self.stdout.write(line)

    def _evaluate(self, options) -> None:
        metrics = subjects.evaluate(options["language"], options["corpus"], options["project"])
        for name, value in metrics.items():
            self.stdout.write(f"{name}: {value:.4f}")

    def _suggest(self, options) -> None:
        if options["library"]:
            report = subjects.suggest_for_library(self._library(options["library"]))
        elif options["record"]:
            found = SourceRecord.objects.filter(pk__in=options["record"])
            missing = set(options["record"]) - set(found.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No record with the id {', '.join(map(str, sorted(missing)))}.")
            report = subjects.suggest(found)
        else:
            raise CommandError("Say which records: --library CODE or --record ID.")
        self.stdout.write(
            f"{report.records} records: {report.suggested} got suggestions ({report.suggestions} in all), "
            f"{report.skipped_language} without a trained project for their language"
        )

    def _coverage(self, options) -> None:
        result = subjects.coverage(self._library(options["library"]))
        self.stdout.write(
            f"{result.records} records, {result.without_subjects} without subjects: "
            f"{result.with_suggestions} with suggestions ({result.suggested_share:.0%}), "
            f"{result.with_accepted} with accepted ones"
        )
