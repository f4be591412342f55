from __future__ import annotations

import hashlib
import unicodedata

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from khizana.catalog.formats import UnreadableFileError, detect_format
from khizana.catalog.models import Holding
from khizana.catalog.records import HoldingStatus
from khizana.libraries.models import Library
from khizana.web.services import HOLDING_STATUS

from . import ratelimit
from .models import Membership, Role

User = get_user_model()


class RateLimitedAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing attempts after too many failures (see :mod:`.ratelimit`)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "rate_limited": _(
            "Too many failed sign-in attempts. For your security, wait %(minutes)s minutes and try again, "
            "or reset your password."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = ratelimit.client_ip(self.request)
        if ratelimit.is_blocked(username, ip):
            raise forms.ValidationError(
                self.error_messages["rate_limited"],
                code="rate_limited",
                params={"minutes": ratelimit.window_minutes()},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            ratelimit.record_failure(username, ip)
            raise
        ratelimit.record_success(username)
        return cleaned


class RegistrationForm(BaseUserCreationForm):
    """A reader (adhérent) registers with a membership number of a home library."""

    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    membership_number = forms.CharField(
        label=_("Membership number"),
        max_length=64,
        help_text=_("The number on your library card."),
    )
    home_library = forms.ModelChoiceField(
        label=_("Home library"), queryset=Library.objects.all(), empty_label=_("Choose your library")
    )

    class Meta(BaseUserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this e-mail address already exists."))
        return email

    def clean_membership_number(self):
        return self.cleaned_data["membership_number"].strip()

    def clean(self):
        cleaned = super().clean()
        library, number = cleaned.get("home_library"), cleaned.get("membership_number")
        if (
            library
            and number
            and Membership.objects.filter(library=library, membership_number=number).exists()
        ):
            self.add_error(
                "membership_number", _("This membership number is already registered at this library.")
            )
        return cleaned

    def save(self, commit=True):
        user = super().save(commit=False)
        user.email = self.cleaned_data["email"]
        if commit:
            user.save()
            Membership.objects.create(
                user=user,
                role=Role.READER,
                library=self.cleaned_data["home_library"],
                membership_number=self.cleaned_data["membership_number"],
            )
        return user


class StaffAccountForm(BaseUserCreationForm):
    """A library administrator creates a cataloguer of their library (a network admin: any library)."""

    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    library = forms.ModelChoiceField(label=_("Library"), queryset=Library.objects.none(), empty_label=None)
    role = forms.ChoiceField(label=_("Role"), choices=())

    class Meta(BaseUserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def __init__(self, *args, libraries, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = libraries
        self.fields["role"].choices = [(r, Role(r).label) for r in roles]

    def save(self, commit=True):
        user = super().save(commit=False)
        user.email = self.cleaned_data["email"]
        if commit:
            user.save()
            Membership.objects.create(
                user=user, role=self.cleaned_data["role"], library=self.cleaned_data["library"]
            )
        return user


def safe_display_name(name: str) -> str:
    """The sent file name reduced to a harmless label: no directories, no control characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    return name[:200] or "upload"


class ImportUploadForm(forms.Form):
    library = forms.ModelChoiceField(label=_("Library"), queryset=Library.objects.none(), empty_label=None)
    file = forms.FileField(
        label=_("Catalogue file"),
        allow_empty_file=True,  # checked below, with a message naming the file
        help_text=_("MARC 21 or UNIMARC (ISO 2709 or XML), OAI-PMH Dublin Core, or CSV."),
    )

    def __init__(self, *args, libraries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = libraries

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = safe_display_name(upload.name)
        limit = settings.KHIZANA_MAX_IMPORT_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                gettext("%(name)s: the file is %(size)s bytes, over the limit of %(limit)s bytes.")
                % {"name": name, "size": f"{upload.size:,}", "limit": f"{limit:,}"}
            )
        data = b"".join(upload.chunks())
        try:
            detected = detect_format(data, name)
        except UnreadableFileError as error:
            raise forms.ValidationError(
                gettext("%(name)s cannot be imported: %(problem)s.") % {"name": name, "problem": error}
            ) from None
        if detected.format is None:
            raise forms.ValidationError(
                gettext("%(name)s cannot be imported: it holds no records (%(dialect)s).")
                % {"name": name, "dialect": detected.dialect}
            )
        self.data_bytes = data
        self.display_name = name
        self.detected = detected
        self.sha256 = hashlib.sha256(data).hexdigest()
        return upload


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
