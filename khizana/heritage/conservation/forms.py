"""Forms of the conservation staff pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from khizana.libraries.models import Library

from .models import Commitment, Plan


class PlanForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = ["name", "programme", "discipline", "coordinator", "description"]

    def __init__(self, *args, libraries=None, **kwargs):
        super().__init__(*args, **kwargs)
        if libraries is not None:
            self.fields["coordinator"].queryset = libraries


class TitleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=500, required=False)
    issn = forms.RegexField(
        label=_("ISSN"),
        regex=r"^\d{4}-\d{3}[\dXx]$",
        required=False,
        error_messages={"invalid": _("An ISSN is written 1234-567X.")},
    )
    record = forms.IntegerField(label=_("Catalog record number"), min_value=1, required=False)
    numbering = forms.CharField(label=_("Numbering (dates of publication)"), max_length=500, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("title") and not data.get("issn") and not data.get("record"):
            raise forms.ValidationError(_("Give a title, an ISSN or a catalog record number."))
        return data


class StatementForm(forms.Form):
    library = forms.ModelChoiceField(label=_("Library"), queryset=Library.objects.all())
    text = forms.CharField(
        label=_("Holdings statement"),
        max_length=4000,
        help_text=_("For instance: v.1 (1950) - v.20 (1969) ; v.25 (1974) -"),
    )


class RoleForm(forms.Form):
    library = forms.ModelChoiceField(label=_("Library"), queryset=Library.objects.all())
    role = forms.ChoiceField(label=_("Role"), choices=Commitment.Role.choices)
    committed_on = forms.DateField(
        label=_("Committed on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    materials = forms.CharField(label=_("Materials (583 $3)"), max_length=500, required=False)
