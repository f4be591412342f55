"""A form field for the URL of a host the server will fetch (an OAI-PMH endpoint ...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from .conf import check_url_to_save
from .policy import DEFAULT_PORTS, OutgoingRequestRefused


class OutgoingURLField(forms.URLField):
    """Refuses, with the reason, an http(s) URL that leads to a loopback, private or reserved address
    (in whatever form it is written: ``http://2130706433/`` too), before the usual URL validation."""

    def run_validators(self, value: Any) -> None:
        if value not in self.empty_values and urlsplit(value).scheme.lower() in DEFAULT_PORTS:
            try:
                check_url_to_save(value)
            except OutgoingRequestRefused as refused:
                raise ValidationError(refusal_text(refused), code="outgoing_refused") from None
        super().run_validators(value)


def refusal_text(refused: OutgoingRequestRefused, translate: Callable[[str], str] = gettext) -> str:
    """The refusal in the active language: "<url>: <reason>"."""
    problem = refused.reason.render(translate)
    return translate("%(url)s: %(problem)s") % {"url": refused.url, "problem": problem}
