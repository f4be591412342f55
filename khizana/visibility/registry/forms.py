"""Forms of the registry's staff pages: a local institution, a name for an institution."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from khizana.visibility.models import Institution, InstitutionName

LANGUAGE_CHOICES = [
    ("", _("unknown or several")),
    ("fr", _("French")),
    ("ar", _("Arabic")),
    ("en", _("English")),
]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class LocalInstitutionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=500)
    kind = forms.ChoiceField(label=_("Kind"), choices=Institution.Kind.choices)
    parent = forms.CharField(
        label=_("Parent institution"),
        max_length=200,
        required=False,
        help_text=_(
            "Its ROR id (https://ror.org/… or the last part), its local key (local:…) or its number."
        ),
    )
    name_fr = forms.CharField(label=_("Name in French"), max_length=500, required=False)
    name_ar = forms.CharField(
        label=_("Name in Arabic"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"lang": "ar", "dir": "rtl"}),
    )
    name_en = forms.CharField(label=_("Name in English"), max_length=500, required=False)
    acronyms = forms.CharField(
        label=_("Acronyms"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One a line."),
    )
    variants = forms.CharField(
        label=_("Known variants"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One a line: the spellings found in Scopus or Web of Science."),
    )
    country_code = forms.CharField(
        label=_("Country"),
        max_length=2,
        required=False,
        help_text=_("ISO code (MA, DZ, TN, FR); else the parent's."),
    )
    city = forms.CharField(label=_("City"), max_length=200, required=False, help_text=_("Else the parent's."))
    ror_id = forms.CharField(
        label=_("ROR id"),
        max_length=64,
        required=False,
        help_text=_(
            "Only when ROR knows the institution but the loaded extract lacks it: https://ror.org/… "
            "or the last part. Reports then name it by this id."
        ),
    )

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "ror_id": data["ror_id"],
            "name": data["name"],
            "kind": data["kind"],
            "parent": data["parent"],
            "country_code": data["country_code"],
            "city": data["city"],
            "names": {"fr": data["name_fr"], "ar": data["name_ar"], "en": data["name_en"]},
            "variants": _lines(data["variants"]),
            "acronyms": _lines(data["acronyms"]),
        }


class NameForm(forms.Form):
    value = forms.CharField(label=_("Name"), max_length=500)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(k, label) for k, label in InstitutionName.Kind.choices],
        initial=InstitutionName.Kind.VARIANT,
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES, required=False)


class ParentForm(forms.Form):
    parent = forms.CharField(
        label=_("Parent institution"),
        max_length=200,
        required=False,
        help_text=_("Empty: the institution is at the top of its own hierarchy."),
    )
