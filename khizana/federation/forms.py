"""Forms of the single sign-on staff page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from khizana.eresources.models import Resource

from .metadata import MAX_METADATA_BYTES


def _resource_choices():
    return [("", _("— none —"))] + [(str(r.pk), f"{r.name} ({r.code})") for r in Resource.objects.all()]


class ServiceProviderForm(forms.Form):
    metadata_file = forms.FileField(
        label=_("Metadata file"),
        required=False,
        help_text=_("The SAML 2.0 metadata of the service provider."),
    )
    metadata_text = forms.CharField(
        label=_("or metadata (XML)"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    resource = forms.TypedChoiceField(
        label=_("Electronic resource"), required=False, coerce=int, empty_value=None, choices=()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].choices = _resource_choices()

    def clean(self):
        data = super().clean()
        upload = data.get("metadata_file")
        if upload is not None:
            if upload.size > MAX_METADATA_BYTES:
                self.add_error("metadata_file", _("The file is larger than 1 MiB."))
            else:
                data["metadata"] = upload.read()
        elif (data.get("metadata_text") or "").strip():
            data["metadata"] = data["metadata_text"]
        else:
            self.add_error("metadata_file", _("Upload the service provider's metadata or paste it."))
        return data

    def metadata(self) -> bytes | str:
        return self.cleaned_data["metadata"]


class OIDCClientForm(forms.Form):
    name = forms.CharField(label=_("Platform name"), max_length=255)
    redirect_uris = forms.CharField(
        label=_("Redirect URIs"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line."),
    )
    resource = forms.TypedChoiceField(
        label=_("Electronic resource"), required=False, coerce=int, empty_value=None, choices=()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].choices = _resource_choices()


class InstitutionIdPForm(forms.Form):
    library = forms.TypedChoiceField(label=_("Member library"), coerce=int, choices=())
    kind = forms.ChoiceField(label=_("Protocol"), choices=(("saml", "SAML 2.0"), ("oidc", "OpenID Connect")))
    name = forms.CharField(label=_("Name"), max_length=255)
    scopes = forms.CharField(
        label=_("Scopes"), max_length=500, help_text=_("The institution's DNS domains, space-separated.")
    )
    metadata_url = forms.URLField(
        label=_("Metadata URL (SAML) or discovery URL (OpenID Connect)"),
        required=False,
        assume_scheme="https",
    )
    metadata_xml = forms.CharField(
        label=_("or SAML metadata (XML)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    client_id = forms.CharField(label=_("Client ID (OpenID Connect)"), required=False, max_length=255)
    client_secret = forms.CharField(
        label=_("Client secret (OpenID Connect)"), required=False, max_length=255, widget=forms.PasswordInput
    )
    category_map = forms.JSONField(
        label=_("Affiliation to category"),
        required=False,
        help_text=_('e.g. {"faculty": "researcher"}; empty: the usual reading.'),
    )

    def __init__(self, *args, **kwargs):
        from khizana.libraries.models import Library

        super().__init__(*args, **kwargs)
        self.fields["library"].choices = [(str(lib.pk), str(lib)) for lib in Library.objects.all()]

    def clean_category_map(self):
        value = self.cleaned_data.get("category_map") or {}
        if not isinstance(value, dict):
            raise forms.ValidationError(_('Give a JSON object, e.g. {"faculty": "researcher"}.'))
        return value
