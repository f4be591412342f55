"""What the AI capability keeps: subject suggestions made by Annif for records, and the cataloguers'
decisions on them. An accepted suggestion is the library's enrichment of its record: the source record
itself is never altered (exports add it, marked as suggested, see khizana.ai.subjects)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from khizana.catalog.models import SourceRecord

from .models_language import LanguageSuggestion  # noqa: F401  (language detection)
from .models_similar import RefreshQueue, SimilarWork  # noqa: F401  (similar works)


class SubjectSuggestion(models.Model):
    """One heading Annif suggested for one record, with its score and what staff made of it."""

    class Status(models.TextChoices):
        SUGGESTED = "suggested", _("suggested")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")

    record = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="subject_suggestions")
    heading = models.TextField(_("heading"))
    uri = models.CharField(max_length=200, help_text=_("Subject URI minted from the heading."))
    score = models.FloatField(_("score"))
    project = models.CharField(_("Annif project"), max_length=64)
    language = models.CharField(max_length=3)
    why = models.JSONField(default=list, blank=True, help_text=_("Words of the record supporting it."))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUGGESTED)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["record", "-score"]
        constraints = [models.UniqueConstraint(fields=["record", "uri"], name="one_suggestion_per_heading")]
        indexes = [models.Index(fields=["record", "status"])]

    def __str__(self) -> str:
        return f"{self.record_id}: {self.heading} ({self.score:.2f}, {self.status})"
