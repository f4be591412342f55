"""Background jobs of the digital library (huey)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from . import fulltext


@db_task()
def extract_item_text(item_id: int) -> None:
    fulltext.extract_item_text(item_id)
