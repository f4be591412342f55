"""Similar works ("readers may also look at"), computed offline (see similar.py), and the queue of works
whose language suggestion and similar works are to be computed again."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from khizana.catalog.models import Work


class SimilarWork(models.Model):
    """One of the works most like ``work``, with its rank, score and why (``reasons``).

    ``reasons``: {"headings": [...], "authors": [...], "classes": ["ddc:330"...], "words": [...]}, the
    shared features that weighed most, shown on the work page."""

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="similar_works")
    # emptied when the similar work goes: the list is then due again (``similar_services.refresh_queued``)
    similar = models.ForeignKey(Work, null=True, on_delete=models.SET_NULL, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()
    reasons = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["work", "rank"]
        constraints = [models.UniqueConstraint(fields=["work", "similar"], name="ai_one_similar_per_pair")]
        verbose_name = _("similar work")

    def __str__(self) -> str:
        return f"{self.work_id} ~ {self.similar_id} ({self.score:.3f})"


class RefreshQueue(models.Model):
    """A work changed (the catalog's ``works_changed``): its language and similar works are due."""

    work_id = models.BigIntegerField(db_index=True)
    queued_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"work {self.work_id} queued {self.queued_at:%Y-%m-%d %H:%M}"
