"""The staff forms of the e-resource registry. Forms that name a library offer only the libraries the user
administers (a network administrator: every library, or none for a network-wide object)."""

from __future__ import annotations

import ipaddress

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from khizana.accounts import permissions
from khizana.accounts.models import ReaderCategory, Role
from khizana.core.outgoing.forms import OutgoingURLField
from khizana.libraries.models import Library

from .models import (
    Agreement,
    AgreementPeriod,
    Campaign,
    EntitlementRule,
    FreeList,
    FreeListEntry,
    Licence,
    LicenceAmendment,
    LicenceTerm,
    Resource,
)

# Codes that would hide a page of /resources/.
RESERVED_CODES = {"journals", "free", "mine", "staff"}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _https_by_default(field, **kwargs):
    """Model fields to form fields, URLs assumed https:// when typed without a scheme."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


def administered_libraries(user):
    """The libraries whose licences, agreements and lists ``user`` may manage."""
    if permissions.is_network_admin(user):
        return Library.objects.all()
    if permissions.role(user) == Role.LIBRARY_ADMIN:
        return Library.objects.filter(pk=permissions.membership(user).library_id)
    return Library.objects.none()


class LibraryScopedForm(forms.ModelForm):
    """A form with a ``library`` field limited to the user's libraries (required unless network admin)."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["library"]
        field.queryset = administered_libraries(user)
        if not permissions.is_network_admin(user):
            field.required = True
            field.empty_label = None


class ResourceForm(forms.ModelForm):
    class Meta:
        model = Resource
        formfield_callback = _https_by_default
        fields = [
            "code",
            "name_fr",
            "name_ar",
            "name_en",
            "kind",
            "provider",
            "platform_url",
            "subjects",
            "languages",
            "access_method",
            "is_free",
            "description_fr",
            "description_ar",
            "description_en",
            "saml_entity_id",
            "entitlement",
        ]
        widgets = {
            "name_ar": forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
            "description_ar": forms.Textarea(attrs={"dir": "rtl", "lang": "ar", "rows": 3}),
            "description_fr": forms.Textarea(attrs={"rows": 3}),
            "description_en": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_code(self):
        code = self.cleaned_data["code"]
        if code in RESERVED_CODES:
            raise ValidationError(
                _("%(code)s is the address of another page: choose another code.") % {"code": code}
            )
        return code

    def clean_languages(self):
        codes = [part.strip().lower() for part in self.cleaned_data["languages"].split(",") if part.strip()]
        bad = [code for code in codes if not code.isalpha() or len(code) not in (2, 3)]
        if bad:
            raise ValidationError(
                _("%(codes)s: not ISO 639 language codes (two or three letters, e.g. fr, ar, en).")
                % {"codes": ", ".join(bad)}
            )
        return ", ".join(codes)

    def clean_subjects(self):
        return ", ".join(part.strip() for part in self.cleaned_data["subjects"].split(",") if part.strip())


class KbartUploadForm(forms.Form):
    file = forms.FileField(
        label=_("KBART file"), help_text=_("Tab-separated text, as the provider publishes it.")
    )
    add_only = forms.BooleanField(
        label=_("Add the new titles only (keep the list)"),
        required=False,
        help_text=_("Unticked: the file replaces the whole title list."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = int(settings.KHIZANA_MAX_KBART_BYTES)
        if upload.size > limit:
            raise ValidationError(
                _(
                    "%(name)s is larger than %(limit)s MB: split it, or load it with "
                    "khizana eresources load-kbart."
                )
                % {"name": upload.name, "limit": limit // (1024 * 1024)}
            )
        return upload


class LicenceForm(LibraryScopedForm):
    class Meta:
        model = Licence
        fields = ["name", "licensor", "library", "status", "start_date", "end_date", "note"]
        widgets = {"start_date": DATE, "end_date": DATE, "note": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date is before the start date."))
        return data


class LicenceTermForm(forms.ModelForm):
    class Meta:
        model = LicenceTerm
        fields = ["term_type", "value", "is_public", "amendment", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, licence: Licence, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amendment"].queryset = LicenceAmendment.objects.filter(licence=licence)
        self.fields["amendment"].help_text = _("Empty: a term of the licence itself.")


class AmendmentForm(forms.ModelForm):
    class Meta:
        model = LicenceAmendment
        fields = ["name", "effective_date", "note"]
        widgets = {"effective_date": DATE, "note": forms.Textarea(attrs={"rows": 2})}


class AgreementForm(LibraryScopedForm):
    class Meta:
        model = Agreement
        fields = ["name", "vendor", "library", "licence", "resources", "note"]
        widgets = {
            "note": forms.Textarea(attrs={"rows": 3}),
            "resources": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        # A library administrator uses the licences of their library only: a network licence would let
        # them grant its resources.
        if permissions.is_network_admin(user):
            self.fields["licence"].queryset = Licence.objects.all()
        else:
            self.fields["licence"].queryset = Licence.objects.filter(library__in=administered_libraries(user))

    def clean(self):
        data = super().clean()
        licence, library = data.get("licence"), data.get("library")
        if licence and licence.library_id and licence.library_id != (library.pk if library else None):
            self.add_error("licence", _("This licence belongs to another library."))
        return data


class PeriodForm(forms.ModelForm):
    class Meta:
        model = AgreementPeriod
        fields = ["start_date", "end_date", "cancellation_deadline", "cost_per_year", "currency"]
        widgets = {"start_date": DATE, "end_date": DATE, "cancellation_deadline": DATE}

    def clean_currency(self):
        value = self.cleaned_data["currency"].strip().upper()
        if value and (len(value) != 3 or not value.isalpha()):
            raise ValidationError(
                _("%(value)s: not an ISO 4217 currency code (e.g. MAD, EUR).") % {"value": value}
            )
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date is before the start date."))
        return data


class RuleForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=_("Reader categories"),
        choices=ReaderCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every category."),
    )

    class Meta:
        model = EntitlementRule
        fields = [
            "all_libraries",
            "libraries",
            "categories",
            "remote_allowed",
            "ip_ranges",
            "valid_from",
            "valid_to",
            "simultaneous_users",
        ]
        widgets = {"valid_from": DATE, "valid_to": DATE, "ip_ranges": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, agreement: Agreement, **kwargs):
        super().__init__(*args, **kwargs)
        libraries = administered_libraries(user)
        if agreement.library_id:
            libraries = libraries.filter(pk=agreement.library_id)
        self.fields["libraries"].queryset = libraries
        self.fields["libraries"].required = False

    def clean_ip_ranges(self):
        lines = [line.strip() for line in self.cleaned_data["ip_ranges"].splitlines() if line.strip()]
        for line in lines:
            try:
                ipaddress.ip_network(line, strict=False)
            except ValueError:
                raise ValidationError(
                    _("%(value)s: not an IP address or CIDR range (e.g. 196.200.128.0/20).") % {"value": line}
                ) from None
        return "\n".join(lines)

    def clean(self):
        data = super().clean()
        if not data.get("all_libraries") and not data.get("libraries"):
            self.add_error("libraries", _("Choose the libraries, or tick every member library."))
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The end date is before the start date."))
        if not data.get("remote_allowed") and not data.get("ip_ranges"):
            self.add_error("ip_ranges", _("On-site access only needs the address ranges of the site."))
        return data


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "name",
            "message_fr",
            "message_ar",
            "message_en",
            "all_resources",
            "resources",
            "category",
            "starts_at",
            "ends_at",
        ]
        widgets = {
            "starts_at": DATETIME,
            "ends_at": DATETIME,
            "message_ar": forms.TextInput(attrs={"dir": "rtl", "lang": "ar"}),
            "resources": forms.SelectMultiple(attrs={"size": 8}),
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The end is not after the start."))
        if not data.get("all_resources") and not data.get("resources"):
            self.add_error("resources", _("Choose the resources, or tick every licensed resource."))
        return data


class FreeListForm(LibraryScopedForm):
    class Meta:
        model = FreeList
        fields = ["code", "title_fr", "title_ar", "title_en", "theme", "library"]
        widgets = {"title_ar": forms.TextInput(attrs={"dir": "rtl", "lang": "ar"})}


class FreeListEntryForm(forms.ModelForm):
    url = OutgoingURLField(label=_("Address"), max_length=1000, assume_scheme="https")

    class Meta:
        model = FreeListEntry
        formfield_callback = _https_by_default
        fields = ["title", "url", "note", "position"]
