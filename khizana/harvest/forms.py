from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from khizana.core.outgoing.forms import OutgoingURLField

from .models import HarvestSource


class HarvestSourceForm(forms.ModelForm):
    base_url = OutgoingURLField(
        label=_("OAI-PMH base URL"),
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://catalogue.example.org/oai"}),
    )

    class Meta:
        model = HarvestSource
        fields = ["base_url", "metadata_prefix", "set_spec", "enabled"]
