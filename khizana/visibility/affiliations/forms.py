"""The forms of the affiliation pages: the upload, the corrections of a match, a research office's account."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import BaseUserCreationForm
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from khizana.core.files import safe_display_name
from khizana.visibility.affiliations.uploads import max_upload_bytes
from khizana.visibility.formats.reader import detect_format
from khizana.visibility.formats.text import decode
from khizana.visibility.models import ResearchOffice
from khizana.visibility.registry.forms import LocalInstitutionForm
from khizana.visibility.registry.services import find_institution


class AffiliationUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Export file"),
        allow_empty_file=True,  # checked below, with a message naming the file
        help_text=_("Scopus (CSV, BibTeX, RIS) or Web of Science (plain text, tab-delimited) export."),
    )
    institution = forms.CharField(
        label=_("Only this institution"),
        max_length=255,
        required=False,
        help_text=_("Its ROR id or its registered name; empty for every institution of the file."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = safe_display_name(upload.name)
        limit = max_upload_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                gettext("%(name)s: the file is %(size)s bytes, over the limit of %(limit)s bytes.")
                % {"name": name, "size": f"{upload.size:,}", "limit": f"{limit:,}"}
            )
        data = b"".join(upload.chunks())
        if not data.strip():
            raise forms.ValidationError(gettext("%(name)s: the file is empty.") % {"name": name})
        detected = detect_format(decode(data).text)  # from the content, never from the file name
        if detected is None:
            raise forms.ValidationError(
                gettext("%(name)s is not a Scopus or Web of Science export: its format is not recognised.")
                % {"name": name}
            )
        self.data_bytes, self.display_name, self.detected = data, name, detected
        return upload


class CorrectionForm(forms.Form):
    """Link an address to an existing institution."""

    institution = forms.CharField(
        label=_("Institution"),
        max_length=200,
        help_text=_(
            "Its ROR id (https://ror.org/… or the last part), its local key (local:…) or its number."
        ),
    )
    written = forms.CharField(
        label=_("The name as written"),
        max_length=500,
        widget=forms.TextInput(attrs={"list": "address-parts"}),
        help_text=_(
            "The part of the address that names the institution: it becomes one of its known variants, "
            "so that the next analysis recognises it."
        ),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class NewInstitutionCorrectionForm(LocalInstitutionForm):
    """Create the local institution an address names, and link the address to it."""

    written = forms.CharField(
        label=_("The name as written"),
        max_length=500,
        widget=forms.TextInput(attrs={"list": "address-parts"}),
        help_text=_(
            "The part of the address that names the institution: it becomes one of its known variants."
        ),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, prefix="new", **kwargs):
        super().__init__(*args, prefix=prefix, **kwargs)
        self.fields["parent"].help_text = _(
            "Its ROR id, its local key or its number; empty for an institution at the top of its hierarchy."
        )


class OfficeAccountForm(BaseUserCreationForm):
    """A network administrator creates the account of an institution's research office."""

    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    institution = forms.CharField(
        label=_("Institution"),
        max_length=200,
        help_text=_(
            "Its ROR id (https://ror.org/… or the last part), its local key (local:…) or its number."
        ),
    )
    role = forms.ChoiceField(label=_("Role"), choices=ResearchOffice.Role.choices)

    class Meta(BaseUserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_institution(self):
        found = find_institution(self.cleaned_data["institution"])
        if found is None:
            raise forms.ValidationError(
                gettext("“%(id)s” is not in the registry (give a ROR id, a local key or a number).")
                % {"id": self.cleaned_data["institution"]}
            )
        return found
