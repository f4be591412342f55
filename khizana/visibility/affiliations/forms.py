"""The upload form of the affiliation analysis page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from khizana.core.files import safe_display_name
from khizana.visibility.affiliations.uploads import max_upload_bytes
from khizana.visibility.formats.reader import detect_format
from khizana.visibility.formats.text import decode


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
