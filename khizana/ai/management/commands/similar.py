"""``khizana similar compute|refresh|show``: the similar works of the work pages (khizana/ai/similar.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from khizana.ai.models_similar import SimilarWork
from khizana.ai.similar_services import compute_similar, describe_reasons, refresh_queued
from khizana.catalog.models import Work


class Command(BaseCommand):
    help = (
        "Similar works. 'compute' computes the similar works of every work (the nightly job does too); "
        "'refresh' those of the works changed since (the queue the 10-minute job empties); "
        "'show ID' prints the similar works of work ID and why."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="compute|refresh|show")
        actions.add_parser("compute", help="Compute the similar works of every work.")
        actions.add_parser("refresh", help="Refresh the queued (changed) works.")
        show = actions.add_parser("show", help="Print a work's similar works.")
        show.add_argument("work", type=int, help="The work's id.")

    def handle(self, *args, **options):
        getattr(self, "_" + options["action"])(options)

    def _compute(self, options) -> None:
        run = compute_similar()
        self.stdout.write(
            f"{run.works} works, {run.with_similar} with similar works, {run.pairs} pairs stored"
        )

    def _refresh(self, options) -> None:
        run = refresh_queued()
        self.stdout.write(
            f"{run.works} queued works refreshed, {run.similar_lists} similar-work lists computed"
        )

    def _show(self, options) -> None:
        work = Work.objects.filter(pk=options["work"]).first()
        if work is None:
            raise CommandError(f"No work with the id {options['work']}.")
        self.stdout.write(str(work))
        for similar in SimilarWork.objects.filter(work=work, similar__isnull=False).select_related("similar"):
            why = "; ".join(describe_reasons(similar.reasons))
            self.stdout.write(
                f"{similar.rank}\t{similar.score:.3f}\t{similar.similar_id}\t{similar.similar}\t{why}"
            )
