"""Background jobs of the digital library (huey)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from . import fulltext


@db_task()
def extract_item_text(item_id: int) -> None:
    fulltext.extract_item_text(item_id)


@db_task()
def ocr_item_pages(item_id: int) -> None:
    """OCR a bounded number of pages of an item, then queue the rest as a new task (resumable)."""
    if fulltext.ocr_item_pages(item_id):
        ocr_item_pages(item_id)
