"""Forms of the labelling pages: they read what people type into the values the services take."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import conspectus, services
from .models import Campaign, Collection

_WORK = re.compile(r"^(?:.*/work/)?(\d+)/?$")
_SEPARATORS = re.compile(r"[\s,;]+")


def _tokens(text: str) -> list[str]:
    return [token for token in _SEPARATORS.split(text or "") if token]


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "text_fr", "text_ar", "text_en", "opens_on", "closes_on"]
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}),
            "closes_on": forms.DateInput(attrs={"type": "date"}),
            "text_ar": forms.Textarea(attrs={"dir": "rtl", "lang": "ar"}),
        }

    def values(self) -> services.CampaignValues:
        return services.CampaignValues(**self.cleaned_data)


class CollectionForm(forms.Form):
    library = forms.ModelChoiceField(queryset=None, label=_("Library"), empty_label=None)
    kind = forms.ChoiceField(label=_("What is put forward"), choices=Collection.Kind.choices)
    name_fr = forms.CharField(label=_("Name (French)"), max_length=255)
    name_ar = forms.CharField(
        label=_("Name (Arabic)"), max_length=255, required=False, widget=forms.TextInput(attrs={"dir": "rtl"})
    )
    name_en = forms.CharField(label=_("Name (English)"), max_length=255, required=False)
    description_fr = forms.CharField(label=_("Description (French)"), widget=forms.Textarea)
    description_ar = forms.CharField(
        label=_("Description (Arabic)"), required=False, widget=forms.Textarea(attrs={"dir": "rtl"})
    )
    description_en = forms.CharField(label=_("Description (English)"), required=False, widget=forms.Textarea)
    subjects = forms.MultipleChoiceField(
        label=_("Subjects (classes of the conspectus)"), widget=forms.CheckboxSelectMultiple
    )
    languages = forms.CharField(
        label=_("Languages"), required=False, help_text=_("ISO 639-2 codes separated by spaces: ara fre ber.")
    )
    periods = forms.CharField(
        label=_("Periods"), max_length=255, required=False, help_text=_("For example: 16th-19th centuries.")
    )
    size = forms.IntegerField(label=_("Size (number of items)"), min_value=0, required=False)
    access_conditions = forms.CharField(label=_("Access conditions"), required=False, widget=forms.Textarea)
    query = forms.CharField(
        label=_("Saved catalog search"),
        max_length=500,
        required=False,
        help_text=_(
            'A search of the union catalog, as typed in the search box: subject:"Manuscrits arabes".'
        ),
    )
    works = forms.CharField(
        label=_("Works of the collection"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Work numbers or addresses of work pages, separated by spaces or new lines."),
    )
    laboratories = forms.CharField(
        label=_("Research laboratories that use it"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("ROR ids or local keys of the institution registry, one per line."),
    )

    def __init__(self, *args, libraries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = libraries
        language = get_language() or "fr"
        self.fields["subjects"].choices = [
            (entry.code, f"{entry.code} {entry.label(language)}") for entry in conspectus.CLASSES
        ]

    def clean_works(self) -> list[int]:
        ids, wrong = [], []
        for token in _tokens(self.cleaned_data["works"]):
            found = _WORK.match(token)
            (ids.append(int(found.group(1))) if found else wrong.append(token))
        if wrong:
            raise forms.ValidationError(_("Not work numbers: %(values)s.") % {"values": ", ".join(wrong)})
        return ids

    def clean_languages(self) -> list[str]:
        return [code.lower() for code in _tokens(self.cleaned_data["languages"])]

    def clean_laboratories(self) -> list[str]:
        return [
            line.strip() for line in (self.cleaned_data["laboratories"] or "").splitlines() if line.strip()
        ]

    def values(self) -> services.CollectionValues:
        data = dict(self.cleaned_data)
        data.pop("library")
        data["work_ids"] = data.pop("works")
        return services.CollectionValues(**data)

    @classmethod
    def initial_of(cls, collection: Collection) -> dict:
        initial = {
            name: getattr(collection, name)
            for name in (
                "kind", "name_fr", "name_ar", "name_en", "description_fr", "description_ar", "description_en",
                "subjects", "periods", "size", "access_conditions", "query",
            )
        }  # fmt: skip
        initial["library"] = collection.library_id
        initial["languages"] = " ".join(collection.languages)
        initial["works"] = " ".join(
            str(i) for i in collection.members.filter(source="list").values_list("work_id", flat=True)
        )
        initial["laboratories"] = "\n".join(
            lab.ror_id or lab.local_key or str(lab.pk) for lab in collection.laboratories.all()
        )
        return initial


class ReviewForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Score"), coerce=int, choices=[(i, str(i)) for i in range(1, 6)], widget=forms.RadioSelect
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea)


class AssignForm(forms.Form):
    username = forms.CharField(label=_("Reviewer's user name"), max_length=150)


class DecisionForm(forms.Form):
    labelled = forms.TypedChoiceField(
        label=_("Committee's decision"),
        coerce=lambda value: value == "yes",
        choices=[("yes", _("Labelled")), ("no", _("Not labelled"))],
        widget=forms.RadioSelect,
    )
    year = forms.IntegerField(label=_("Year of the label"), required=False, min_value=1900, max_value=2200)
    note = forms.CharField(label=_("Note to the library"), required=False, widget=forms.Textarea)
