"""Full text of digital items (extraction, OCR, search inside). Being written: see tasks.py."""

from __future__ import annotations


def extract_item_text(item_id: int) -> None:
    """Extract (or OCR) the text of one item into PageText rows. Placeholder until the full-text part lands:
    it does nothing, and the item keeps text_status "none"."""
