"""A digital item saved (added, its text status or metadata changed) is preserved once the transaction
commits, when ``KHIZANA_PRESERVATION_ON_SAVE`` is on."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction


def item_saved(sender, instance, raw: bool = False, **kwargs) -> None:
    if raw or not settings.KHIZANA_PRESERVATION_ON_SAVE:
        return
    from . import tasks

    item_id = instance.pk
    transaction.on_commit(lambda: tasks.preserve_item(item_id))
