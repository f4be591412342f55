"""Subject-suggestion jobs the huey consumer runs: a library's batch of suggestions (asked from the staff
page) and the training of the Annif projects on the catalog."""

from __future__ import annotations

from huey.contrib.djhuey import db_task, lock_task


@db_task()
@lock_task("khizana-ai-annif")
def suggest_for_library_job(library_id: int) -> None:
    from khizana.libraries.models import Library

    from .subjects import suggest_for_library

    library = Library.objects.filter(pk=library_id).first()
    if library is not None:
        suggest_for_library(library)


@db_task()
@lock_task("khizana-ai-annif")
def train_job(held_out: float = 0.0) -> None:
    from .subjects import train

    train(held_out=held_out)
