"""The staff forms of usage harvesting: a resource's SUSHI account, the upload of a report file, the period
and institution of the usage page."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from khizana.accounts import permissions
from khizana.core.outgoing.forms import OutgoingURLField

from ..forms import administered_libraries
from ..models import SushiAccount, UsageReportId

MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
MONTH_FORMATS = ["%Y-%m", "%Y-%m-%d"]
REPORT_CHOICES = [(c, label) for c, label in UsageReportId.choices if c != UsageReportId.IR]


class SushiAccountForm(forms.ModelForm):
    """The API key is never shown back: left empty, the stored key stays."""

    base_url = OutgoingURLField(label=_("SUSHI endpoint"), assume_scheme="https", max_length=500)
    r5_base_url = OutgoingURLField(
        label=_("R5 SUSHI endpoint"),
        assume_scheme="https",
        max_length=500,
        required=False,
        help_text=SushiAccount._meta.get_field("r5_base_url").help_text,
    )
    api_key = forms.CharField(
        label=_("API key"),
        required=False,
        max_length=255,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    clear_api_key = forms.BooleanField(label=_("Remove the stored API key"), required=False)
    reports = forms.MultipleChoiceField(
        label=_("Reports to harvest"), choices=REPORT_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    harvest_from = forms.DateField(label=_("Harvest from (month)"), input_formats=MONTH_FORMATS, widget=MONTH)
    r51_from = forms.DateField(
        label=_("R5.1 from (month)"),
        input_formats=MONTH_FORMATS,
        widget=MONTH,
        required=False,
        help_text=SushiAccount._meta.get_field("r51_from").help_text,
    )

    class Meta:
        model = SushiAccount
        fields = [
            "library",
            "base_url",
            "r5_base_url",
            "customer_id",
            "requestor_id",
            "api_key",
            "platform",
            "release",
            "r51_from",
            "reports",
            "harvest_from",
            "active",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["library"]
        field.queryset = administered_libraries(user)
        if not permissions.is_network_admin(user):
            field.required = True
            field.empty_label = None
        else:
            field.empty_label = _("The whole network")
        if self.instance.pk and self.instance.api_key:
            self.fields["api_key"].help_text = _("Stored: %(key)s. Leave empty to keep it.") % {
                "key": self.instance.masked_api_key
            }
        if not self.instance.pk:
            self.initial.setdefault("reports", ["TR", "DR", "PR"])

    def clean_api_key(self):
        value = self.cleaned_data["api_key"].strip()
        return value or (self.instance.api_key if self.instance.pk else "")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("clear_api_key"):
            cleaned["api_key"] = ""
        for name in ("harvest_from", "r51_from"):
            if cleaned.get(name):
                cleaned[name] = cleaned[name].replace(day=1)
        return cleaned

    def save(self, commit=True):
        self.instance.api_key = self.cleaned_data["api_key"]
        return super().save(commit)


class UsageUploadForm(forms.Form):
    library = forms.ModelChoiceField(
        label=_("Institution"), queryset=None, required=False, empty_label=_("The whole network")
    )
    file = forms.FileField(
        label=_("COUNTER report"),
        help_text=_("A master report TR, DR, PR or IR of release 5 or 5.1: JSON, TSV or Excel (.xlsx)."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["library"]
        field.queryset = administered_libraries(user)
        if not permissions.is_network_admin(user):
            field.required = True
            field.empty_label = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = int(settings.KHIZANA_MAX_USAGE_REPORT_BYTES)
        if upload.size > limit:
            raise ValidationError(
                _("%(name)s is larger than %(limit)s MB.")
                % {"name": upload.name, "limit": limit // (1024 * 1024)}
            )
        return upload


MONTH_TEXT = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class UsagePeriodForm(forms.Form):
    begin = forms.RegexField(
        label=_("From (month)"), regex=MONTH_TEXT, widget=forms.TextInput(attrs={"type": "month"})
    )
    end = forms.RegexField(
        label=_("To (month)"), regex=MONTH_TEXT, widget=forms.TextInput(attrs={"type": "month"})
    )
    resource = forms.CharField(label=_("Resource code"), required=False)
    library = forms.CharField(label=_("Institution code"), required=False)

    def clean(self):
        cleaned = super().clean()
        begin, end = cleaned.get("begin"), cleaned.get("end")
        if begin and end and end < begin:
            raise ValidationError(_("The period ends before it begins."))
        if (
            begin
            and end
            and (int(end[:4]) * 12 + int(end[5:])) - (int(begin[:4]) * 12 + int(begin[5:])) > 120
        ):
            raise ValidationError(_("Ask for ten years at most."))
        return cleaned
