from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import BaseUserCreationForm
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from khizana.core.files import safe_display_name
from khizana.libraries.models import Library

from .memberfile import normalise_number
from .models import Membership, Role

User = get_user_model()


class RegistrationForm(BaseUserCreationForm):
    """A reader (adhérent) registers with a membership number of a home library."""

    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    last_name = forms.CharField(
        label=_("Surname"),
        max_length=150,
        help_text=_("As on your library card: with your card number, it lets the library recognise you."),
    )
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
        fields = ("username", "email", "last_name")

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this e-mail address already exists."))
        return email

    def clean_membership_number(self):
        number = normalise_number(self.cleaned_data["membership_number"])
        if not number:
            raise forms.ValidationError(_("Enter the number on your library card."))
        return number

    def clean(self):
        cleaned = super().clean()
        library, number = cleaned.get("home_library"), cleaned.get("membership_number")
        verified = Membership.objects.filter(
            library=library, membership_number=number, verified_at__isnull=False
        )
        if library and number and verified.exists():
            self.add_error(
                "membership_number",
                _(
                    "This membership number is already registered at this library. If the card is yours, "
                    "ask the library."
                ),
            )
        return cleaned

    def save(self, commit=True):
        """The account and its unverified membership (see :mod:`.verification`)."""
        user = super().save(commit=False)
        user.email = self.cleaned_data["email"]
        user.last_name = self.cleaned_data["last_name"].strip()
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


class VerificationRequestForm(forms.Form):
    note = forms.CharField(
        label=_("Message to your library (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example when and where you registered, or the name on your card."),
    )


class MemberFileForm(forms.Form):
    library = forms.ModelChoiceField(label=_("Library"), queryset=Library.objects.none(), empty_label=None)
    file = forms.FileField(
        label=_("Member file"),
        allow_empty_file=True,  # the reader says "the file is empty", naming it
        help_text=_(
            "CSV or TSV (%(encodings)s) or Excel, one member a row, with a header row: card number "
            "(%(names)s), and when you have them surname, first name, e-mail address, expiry date "
            "(%(dates)s), category. Koha's patron export works as it is."
        ),
    )
    add_only = forms.BooleanField(
        label=_("Add and update only"),
        required=False,
        help_text=_("Unticked, the file is the whole list: cards it no longer holds are removed."),
    )

    def __init__(self, *args, libraries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = libraries
        # Column names, encodings and date patterns are typed as they are, in any language: marked as code.
        tokens = {
            "encodings": "<code>UTF-8</code>, <code>Windows-1256</code>, <code>Windows-1252</code>",
            "names": (
                "<code>cardnumber</code>, <code>numéro de carte</code>, <code lang=\"ar\">رقم البطاقة</code>"
            ),
            "dates": "<code>YYYY-MM-DD</code>, <code>DD/MM/YYYY</code>",
        }
        self.fields["file"].help_text = mark_safe(str(self.fields["file"].help_text) % tokens)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.KHIZANA_MAX_IMPORT_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                gettext("%(name)s: the file is %(size)s bytes, over the limit of %(limit)s bytes.")
                % {"name": safe_display_name(upload.name), "size": f"{upload.size:,}", "limit": f"{limit:,}"}
            )
        self.display_name = safe_display_name(upload.name)
        self.data_bytes = b"".join(upload.chunks())
        return upload
