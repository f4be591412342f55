"""Needs surveys: a questionnaire (questions in French, Arabic and English, some shown only when an earlier
answer matches), the members who answered (once each) and their answers.

An anonymous survey stores no link between a member and their answers: :class:`Participation` says who
answered (to refuse a second answer), :class:`Response` what was answered, with a random id and the day
only, so neither the ids nor the times pair them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from khizana.accounts.models import ReaderCategory
from khizana.libraries.models import Library

LANGUAGES = ("fr", "ar", "en")
SCALE = ("1", "2", "3", "4", "5")


def in_language(obj, field: str) -> str:
    """The text of ``field`` in the reader's language, else the first written in fr, ar, en."""
    wanted = (get_language() or "fr")[:2]
    for code in (wanted, *LANGUAGES):
        text = getattr(obj, f"{field}_{code}", "")
        if text:
            return text
    return ""


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    title_fr = models.CharField(_("title (French)"), max_length=255, blank=True)
    title_ar = models.CharField(_("title (Arabic)"), max_length=255, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=255, blank=True)
    intro_fr = models.TextField(_("introduction (French)"), blank=True)
    intro_ar = models.TextField(_("introduction (Arabic)"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    # The library whose members it asks (its staff run it); none: the whole network's (its administrators).
    library = models.ForeignKey(
        Library, verbose_name=_("library"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    anonymous = models.BooleanField(
        _("anonymous"), default=False, help_text=_("No link between a member and their answers is kept.")
    )
    listed = models.BooleanField(
        _("published on the portal"), default=True, help_text=_("Else only those it is sent to know of it.")
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    # The question that asks the member's research field (their membership does not record one).
    field_question = models.ForeignKey(
        "Question",
        verbose_name=_("research field question"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("last sent on"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("needs survey")

    def __str__(self) -> str:
        return self.title_fr or self.title_en or self.title_ar

    @property
    def title(self) -> str:
        return in_language(self, "title")

    @property
    def intro(self) -> str:
        return in_language(self, "intro")


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("single choice")
        MULTIPLE = "multiple", _("multiple choice")
        SCALE = "scale", _("scale from 1 to 5")
        TEXT = "text", _("free text")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    text_fr = models.CharField(_("question (French)"), max_length=500, blank=True)
    text_ar = models.CharField(_("question (Arabic)"), max_length=500, blank=True)
    text_en = models.CharField(_("question (English)"), max_length=500, blank=True)
    required = models.BooleanField(_("answer required"), default=False)
    # Shown only when the answer to an earlier question holds one of these options (choice ids, or
    # "1"…"5" for a scale).
    condition_question = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="dependants"
    )
    condition_values = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="unique_survey_question_position")
        ]

    def __str__(self) -> str:
        return self.text_fr or self.text_en or self.text_ar

    @property
    def key(self) -> str:
        return str(self.pk)

    @property
    def text(self) -> str:
        return in_language(self, "text")

    @property
    def has_options(self) -> bool:
        return self.kind != self.Kind.TEXT


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField()
    text_fr = models.CharField(_("choice (French)"), max_length=255, blank=True)
    text_ar = models.CharField(_("choice (Arabic)"), max_length=255, blank=True)
    text_en = models.CharField(_("choice (English)"), max_length=255, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text_fr or self.text_en or self.text_ar

    @property
    def key(self) -> str:
        return str(self.pk)

    @property
    def text(self) -> str:
        return in_language(self, "text")


class Participation(models.Model):
    """That a member answered a survey (once): never which answers are theirs."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "user"], name="unique_survey_participation")]

    def __str__(self) -> str:
        return f"{self.user_id} answered {self.survey_id}"


class Response(models.Model):
    """One member's answers: ``answers`` maps a question's id to a choice id, a list of them, "1"…"5" or a
    text. ``category`` is the member's reader category when they answered (results by profile)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category = models.CharField(_("profile"), max_length=20, choices=ReaderCategory.choices, blank=True)
    answers = models.JSONField(default=dict)
    submitted_on = models.DateField(_("answered on"))

    class Meta:
        ordering = ["submitted_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "user"], condition=Q(user__isnull=False), name="unique_survey_response_user"
            )
        ]

    def __str__(self) -> str:
        return str(self.id)
