"""The upload of a catalogue file, checked the same way for the staff space and the REST API."""

from __future__ import annotations

import hashlib

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from khizana.core.files import safe_display_name
from khizana.libraries.models import Library

from .formats import UnreadableFileError, detect_format


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
