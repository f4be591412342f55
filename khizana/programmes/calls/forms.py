"""The forms of calls for projects: they read and check the fields; the rules live in services.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Application, Assignment, Attachment, Call
from .services import ApplicationText, CallText

MINUTE = "%Y-%m-%dT%H:%M"


def _when(label):
    return forms.DateTimeField(
        label=label,
        input_formats=[MINUTE],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=MINUTE),
        help_text=_("Server time (UTC)."),
    )


class CallForm(forms.ModelForm):
    opens_at = _when(_("Opens on"))
    closes_at = _when(_("Closes on"))
    grid = forms.CharField(
        label=_("Scoring grid"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One criterion per line: weight ; highest mark ; name (for example “3 ; 5 ; Relevance”)."
        ),
    )

    class Meta:
        model = Call
        fields = [
            "title_fr", "title_ar", "title_en", "text_fr", "text_ar", "text_en", "budget", "opens_at",
            "closes_at", "eligibility", "themes",
        ]  # fmt: skip
        widgets = {
            "title_ar": forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
            "text_fr": forms.Textarea(attrs={"rows": 6, "lang": "fr"}),
            "text_ar": forms.Textarea(attrs={"rows": 6, "dir": "rtl", "lang": "ar"}),
            "text_en": forms.Textarea(attrs={"rows": 6, "lang": "en"}),
            "themes": forms.Textarea(attrs={"rows": 3}),
        }

    def values(self) -> CallText:
        data = self.cleaned_data
        return CallText(**{name: data[name] for name in CallText.__dataclass_fields__})


class ApplicationForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = ["kind", "team", "title", "summary", "theme", "partners", "requested_amount"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 6}),
            "partners": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, call: Call, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, label) for k, label in Application.Kind.choices if k in kinds]
        if self.instance.pk:
            self.fields["kind"].disabled = True
        self.fields["team"].help_text = _("Only when applying for a research team.")
        themes = call.theme_list
        if themes:
            self.fields["theme"] = forms.ChoiceField(
                label=_("Theme"), choices=[("", "—")] + [(t, t) for t in themes], required=False
            )
        else:
            del self.fields["theme"]
        self.fields["requested_amount"].min_value = 0

    def values(self) -> ApplicationText:
        data = self.cleaned_data
        return ApplicationText(
            kind=data.get("kind") or self.instance.kind,
            team=data.get("team", ""),
            title=data["title"],
            summary=data["summary"],
            theme=data.get("theme", ""),
            partners=data.get("partners", ""),
            requested_amount=data["requested_amount"],
        )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File (PDF)"), widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"})
    )

    def __init__(self, *args, kinds: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"] = forms.ChoiceField(
            label=_("Kind of file"), choices=[(k, v) for k, v in Attachment.Kind.choices if k in kinds]
        )


class SpendingForm(forms.Form):
    spent_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    label = forms.CharField(label=_("What"), max_length=255)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=0)


class DeclarationForm(forms.Form):
    conflict = forms.TypedChoiceField(
        label=_("Do you have a conflict of interest with this application?"),
        choices=[("no", _("No")), ("yes", _("Yes"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("If so, what is it?"), max_length=500, required=False)


class ReviewForm(forms.Form):
    recommendation = forms.ChoiceField(label=_("Recommendation"), choices=Assignment.Recommendation.choices)
    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 5}), required=False)

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        marks = {
            f"mark_{c.pk}": forms.IntegerField(
                label=_("%(name)s (0 to %(scale)s, weight %(weight)s)")
                % {"name": c.name, "scale": c.scale, "weight": c.weight},
                min_value=0,
                max_value=c.scale,
            )
            for c in self.criteria
        }
        self.fields = {**marks, **self.fields}

    def marks(self) -> dict[int, str]:
        return {c.pk: str(self.cleaned_data[f"mark_{c.pk}"]) for c in self.criteria}


class JudgementForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Judgement"),
        choices=[
            (Assignment.Recommendation.FUND, _("recommend to the committee")),
            (Assignment.Recommendation.REVISE, _("send back for revisions")),
            (Assignment.Recommendation.REJECT, _("do not recommend")),
        ],
    )
    note = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required for revisions (the applicant reads it) and when going against the reviewers."),
    )


class DecisionForm(forms.Form):
    accepted = forms.TypedChoiceField(
        label=_("Committee decision"),
        choices=[("yes", _("fund")), ("no", _("do not fund"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(
        label=_("Awarded amount"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    note = forms.CharField(
        label=_("Note to the applicant"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class AssignForm(forms.Form):
    username = forms.CharField(label=_("Reviewer's account name"), max_length=150)


class BulkAssignForm(forms.Form):
    usernames = forms.CharField(
        label=_("Reviewers' account names"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line."),
    )

    def __init__(self, *args, call: Call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {
            "theme": forms.ChoiceField(label=_("Theme"), choices=[(t, t) for t in call.theme_list]),
            **self.fields,
        }
