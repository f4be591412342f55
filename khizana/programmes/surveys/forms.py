"""The staff forms of needs surveys (the answering form is drawn from the questions by its template)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from khizana.accounts import permissions
from khizana.accounts.models import ReaderCategory

from .models import Question, Survey

SURVEY_TEXTS = ("title_fr", "title_ar", "title_en", "intro_fr", "intro_ar", "intro_en")
QUESTION_TEXTS = ("text_fr", "text_ar", "text_en")


class SurveyForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = [*SURVEY_TEXTS, "library", "anonymous", "listed"]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3}) for name in SURVEY_TEXTS if name.startswith("intro")
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for code in ("ar",):
            for name in (f"title_{code}", f"intro_{code}"):
                self.fields[name].widget.attrs.update({"lang": code, "dir": "rtl"})
        libraries = permissions.libraries_managed(user)
        self.fields["library"].queryset = libraries
        if permissions.is_network_admin(user):
            self.fields["library"].empty_label = _("The whole network")
        else:
            self.fields["library"].required = True
            self.fields["library"].empty_label = None

    def texts(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in SURVEY_TEXTS}


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Question.Kind.choices)
    text_fr = forms.CharField(label=_("Question (French)"), max_length=500, required=False)
    text_ar = forms.CharField(
        label=_("Question (Arabic)"),
        max_length=500,
        required=False,
        widget=forms.TextInput({"lang": "ar", "dir": "rtl"}),
    )
    text_en = forms.CharField(label=_("Question (English)"), max_length=500, required=False)
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Single and multiple choice: one a line, “French | Arabic | English”."),
    )
    conditions = forms.MultipleChoiceField(
        label=_("Shown only if the member answered"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to show the question to everyone."),
    )

    def __init__(self, *args, condition_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["conditions"].choices = list(condition_choices)
        if not condition_choices:
            del self.fields["conditions"]

    def texts(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in QUESTION_TEXTS}


class SendForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Send to"),
        required=False,
        choices=[("", _("every member who has not answered")), *ReaderCategory.choices],
    )


class FieldQuestionForm(forms.Form):
    question = forms.TypedChoiceField(
        label=_("Research field question"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, survey: Survey, **kwargs):
        super().__init__(*args, **kwargs)
        single = survey.questions.filter(kind=Question.Kind.SINGLE)
        self.fields["question"].choices = [("", _("none"))] + [
            (question.pk, f"Q{question.position}. {question.text}") for question in single
        ]
        self.fields["question"].initial = survey.field_question_id
