"""The staff form of the portal: a news item or a page in French, Arabic and English."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Entry

TEXTS = tuple(f"{part}_{code}" for part in ("title", "summary", "body") for code in ("fr", "ar", "en"))


class EntryForm(forms.ModelForm):
    published_at = forms.DateTimeField(
        label=_("Publication date"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Shown from this date (UTC); now when empty."),
    )

    class Meta:
        model = Entry
        fields = ["kind", "slug", *TEXTS, "status", "published_at"]
        widgets = {name: forms.Textarea(attrs={"rows": 8}) for name in TEXTS if name.startswith("body")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in TEXTS:
            if name.endswith("_ar"):
                self.fields[name].widget.attrs.update({"lang": "ar", "dir": "rtl"})

    def clean(self) -> dict:
        data = super().clean()
        if data.get("status") == Entry.Status.PUBLISHED and not data.get("published_at"):
            data["published_at"] = timezone.now()  # published now: dated before the model's checks
        return data

    def texts(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in TEXTS}
