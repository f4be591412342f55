from django.db import models


class IndexQueue(models.Model):
    """A work whose index document is out of date; written in the same transaction as the change.

    The queue is what keeps the index and the database consistent across crashes: an entry is only
    removed after the index commit that reflects it, and re-indexing a work twice is harmless.
    """

    work_id = models.BigIntegerField()  # not a foreign key: deleted works must leave the index too
    queued_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"work {self.work_id} queued {self.queued_at:%Y-%m-%d %H:%M:%S}"
