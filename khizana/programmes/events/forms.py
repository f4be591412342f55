"""The forms of events and reading rooms: they read and check the fields; the rules live in services.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import audiences
from .models import Event, Room

MINUTE = "%Y-%m-%dT%H:%M"
WEEKDAYS = [
    (0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")), (4, _("Friday")),
    (5, _("Saturday")), (6, _("Sunday")),
]  # fmt: skip


def _when(label):
    return forms.DateTimeField(
        label=label,
        input_formats=[MINUTE],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=MINUTE),
    )


class EventForm(forms.ModelForm):
    starts_at = _when(_("Starts at"))
    ends_at = _when(_("Ends at"))
    online_link = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")
    audiences = forms.CharField(
        label=_("Audiences"),
        required=False,
        help_text=_("Separated by commas, for example “doctoral students, women over 55”."),
    )

    class Meta:
        model = Event
        fields = [
            "kind", "title", "description", "provider", "topic", "language", "audiences", "digital_inclusion",
            "library", "starts_at", "ends_at", "place", "online_link", "capacity", "public_registration",
            "published",
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, libraries=None, network: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["audiences"] = ", ".join(self.instance.audiences or [])
        field = self.fields["library"]
        field.queryset = libraries
        field.required = not network
        field.empty_label = _("The network") if network else None

    def clean_audiences(self) -> list[str]:
        tags = audiences.parse_audiences(self.cleaned_data.get("audiences", ""))
        if len(tags) > audiences.MAX_TAGS:
            raise forms.ValidationError(_("At most %(count)s audiences.") % {"count": audiences.MAX_TAGS})
        for tag in tags:
            if len(tag) > audiences.MAX_TAG_LENGTH:
                raise forms.ValidationError(
                    _("“%(tag)s” is longer than %(count)s characters.")
                    % {"tag": tag[:30], "count": audiences.MAX_TAG_LENGTH}
                )
        return tags

    def clean(self):
        data = super().clean()
        if not data.get("place") and not data.get("online_link"):
            raise forms.ValidationError(_("Give a place or an online link."))
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The event must end after it starts."))
        return data


class PublicRegistrationForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Your e-mail address"))


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["library", "name", "capacity", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, libraries=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = libraries
        self.fields["library"].empty_label = None


class SlotsForm(forms.Form):
    first_day = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    opens = forms.TimeField(label=_("Opens at"), widget=forms.TimeInput(attrs={"type": "time"}))
    closes = forms.TimeField(label=_("Closes at"), widget=forms.TimeInput(attrs={"type": "time"}))
    minutes = forms.IntegerField(
        label=_("Length of a slot (minutes)"), min_value=15, max_value=24 * 60, initial=120
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days of the week"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        initial=[0, 1, 2, 3, 4],
    )


def errors_of(form: forms.BaseForm) -> list[str]:
    """Each error of ``form`` prefixed with its field's label."""
    found = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        found += [f"{label}: {error}" if label else str(error) for error in errors]
    return found
