"""The deposit and embargo forms of the staff pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from khizana.digital.models import DigitalItem
from khizana.visibility.models import Institution
from khizana.visibility.registry.services import find_institution

from .models import Thesis
from .services import Description


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class DepositForm(forms.Form):
    library = forms.ModelChoiceField(queryset=None, label=_("Doctoral school (library)"), empty_label=None)
    title = forms.CharField(label=_("Title"), max_length=1000)
    author = forms.CharField(label=_("Author"), max_length=255, help_text=_("Family name, given names"))
    supervisors = forms.CharField(
        label=_("Supervisors"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line"),
        required=False,  # clean_supervisors says what is missing
    )
    committee = forms.CharField(
        label=_("Jury members"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
        help_text=_("One per line"),
    )  # fmt: skip
    doctoral_school = forms.CharField(label=_("Doctoral school"), max_length=500, required=False)
    institution = forms.CharField(
        label=_("Institution (registry id)"), required=False, max_length=200,
        help_text=_("The degree-granting institution in the institution registry: its ROR id or local key."),
    )  # fmt: skip
    grantor = forms.CharField(
        label=_("Degree grantor"), max_length=500, required=False,
        help_text=_("As written on the title page; the registry's name when empty."),
    )  # fmt: skip
    discipline = forms.CharField(label=_("Discipline"), max_length=500)
    degree_name = forms.CharField(
        label=_("Degree name"), max_length=255, help_text=_("e.g. Doctorat en chimie")
    )
    degree_level = forms.ChoiceField(label=_("Degree level"), choices=Thesis.Level.choices)
    defence_date = forms.DateField(label=_("Defence date"), widget=forms.DateInput(attrs={"type": "date"}))
    embargo_until = forms.DateField(
        label=_("Embargo until"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty when the PDF may be read at once."),
    )  # fmt: skip
    language = forms.CharField(
        label=_("Language"), max_length=3, min_length=3, help_text=_("ISO 639-2 code: fre, ara, eng…")
    )
    abstract = forms.CharField(label=_("Abstract"), widget=forms.Textarea(attrs={"rows": 6}))
    subjects = forms.CharField(
        label=_("Keywords"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
        help_text=_("One per line"),
    )  # fmt: skip
    access = forms.ChoiceField(
        label=_("Access once the embargo is over"), choices=DigitalItem.Access.choices,
        initial=DigitalItem.Access.OPEN,
    )  # fmt: skip
    pdf = forms.FileField(
        label=_("The thesis (PDF)"), widget=forms.ClearableFileInput(attrs={"accept": ".pdf"})
    )

    def __init__(self, *args, libraries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = libraries

    def clean_language(self) -> str:
        code = self.cleaned_data["language"].strip().lower()
        if not code.isalpha():
            raise forms.ValidationError(_("A language is a 3-letter ISO 639-2 code, such as fre or ara."))
        return code

    def clean_institution(self) -> Institution | None:
        identifier = self.cleaned_data["institution"].strip()
        if not identifier:
            return None
        found = find_institution(identifier)
        if found is None:
            raise forms.ValidationError(
                _("No institution %(id)s in the registry (a ROR id or a local key).") % {"id": identifier}
            )
        return found

    def clean_supervisors(self) -> list[str]:
        names = _lines(self.cleaned_data["supervisors"])
        if not names:
            raise forms.ValidationError(_("Name at least one supervisor."))
        return names

    def clean(self):
        cleaned = super().clean()
        defence, until = cleaned.get("defence_date"), cleaned.get("embargo_until")
        if defence and until and until <= defence:
            self.add_error("embargo_until", _("The embargo must end after the defence date."))
        return cleaned

    def description(self) -> Description:
        data = self.cleaned_data
        institution = data.get("institution")
        return Description(
            title=data["title"].strip(),
            author=data["author"].strip(),
            supervisors=data["supervisors"],
            committee=_lines(data.get("committee") or ""),
            doctoral_school=data.get("doctoral_school", "").strip(),
            institution_id=institution.pk if institution else None,
            grantor=data.get("grantor", "").strip(),
            discipline=data["discipline"].strip(),
            degree_name=data["degree_name"].strip(),
            degree_level=data["degree_level"],
            defence_date=data["defence_date"],
            embargo_until=data.get("embargo_until"),
            language=data["language"],
            abstract=data["abstract"].strip(),
            subjects=_lines(data.get("subjects") or ""),
        )


class EmbargoForm(forms.Form):
    embargo_until = forms.DateField(
        label=_("Embargo until"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: no embargo, the PDF follows its access policy."),
    )  # fmt: skip
