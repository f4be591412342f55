"""Forms of the catalog staff space (the upload form is :class:`khizana.catalog.forms.ImportUploadForm`,
shared with the REST API)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from khizana.catalog.models import Holding
from khizana.catalog.records import HoldingStatus
from khizana.core.vocabularies import HOLDING_STATUS


class HoldingForm(forms.ModelForm):
    class Meta:
        model = Holding
        fields = ["call_number", "barcode", "location", "status"]
        labels = {
            "call_number": _("Call number"),
            "barcode": _("Barcode"),
            "location": _("Location"),
            "status": _("Status"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The statuses as readers see them on the work page, not their codes.
        labels = [(status.value, HOLDING_STATUS.get(status.value, status.value)) for status in HoldingStatus]
        self.fields["status"].choices = labels


class SplitForm(forms.Form):
    record = forms.IntegerField(label=_("Source record number"), min_value=1)
    note = forms.CharField(label=_("Why"), required=False, max_length=500)


class JoinForm(forms.Form):
    work_a = forms.IntegerField(label=_("First work number"), min_value=1)
    work_b = forms.IntegerField(label=_("Second work number"), min_value=1)
    note = forms.CharField(label=_("Why"), required=False, max_length=500)
