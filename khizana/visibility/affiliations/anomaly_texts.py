"""The anomaly explanations and corrections as shown on the pages, in the reader's language.

``anomalies.py`` (no Django import) writes them in English for the CSV and XLSX corrections sent to the
database providers, and keeps with each anomaly its code and the values the texts are made of; the
pages build the texts again from those here, through gettext."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from khizana.visibility.anomalies import (
    AUTHOR_NAME_FORMS,
    AUTHOR_SEVERAL_IDS,
    COUNTRY_MISMATCH,
    MISSING_PARENT,
    NO_COUNTRY,
    NOT_FOUND,
    VARIANT_NAME,
)

EXPLANATIONS = {
    NOT_FOUND: _("no registry institution is recognised in this address"),
    NO_COUNTRY: _("the address names no country"),
    COUNTRY_MISMATCH: _(
        "the country written (%(written)s) is not the country of %(institution)s (%(country)s)"
    ),
    VARIANT_NAME: _("“%(written)s” is not a registered name of %(institution)s (variant or alias)"),
    MISSING_PARENT: _("%(institution)s is written without its parent institution (%(parent)s)"),
    AUTHOR_NAME_FORMS: _("%(kind)s %(value)s carries name forms that are not one person’s: %(forms)s"),
    AUTHOR_SEVERAL_IDS: _("“%(name)s” appears under %(count)s %(kind)s identifiers: %(ids)s"),
}
CORRECTIONS = {
    NOT_FOUND: _("write the institution’s registered name (and its university, city and country)"),
    NO_COUNTRY: _("add the country: %(country)s"),
    COUNTRY_MISMATCH: _("write the country %(country)s"),
    VARIANT_NAME: _("write “%(institution)s” instead of “%(written)s”"),
    MISSING_PARENT: _("add “%(parent)s” after “%(institution)s”"),
    AUTHOR_NAME_FORMS: _("check author profile %(value)s: keep “%(kept)s” or split the profile"),
    AUTHOR_SEVERAL_IDS: _("ask for the author profiles %(ids)s to be merged if they are one person"),
}
NO_COUNTRY_KNOWN = _("add the country")


def explanation(code: str, params: dict[str, str], english: str = "") -> str:
    """The explanation of one anomaly in the active language (``english`` when the code is unknown)."""
    text = EXPLANATIONS.get(code)
    return _fill(text, params, english)


def correction(code: str, params: dict[str, str], english: str = "") -> str:
    if code == NO_COUNTRY and not params.get("country"):
        return str(NO_COUNTRY_KNOWN)
    return _fill(CORRECTIONS.get(code), params, english)


def _fill(text, params: dict[str, str], english: str) -> str:
    if text is None:
        return english
    try:
        return str(text) % params
    except (KeyError, TypeError, ValueError):  # a report stored by another version of the texts
        return english


def texts(items: Iterable[dict]) -> tuple[str, str]:
    """The explanations and the corrections of a row's anomalies (``{code, params}`` items), joined."""
    items = list(items)
    return (
        "; ".join(explanation(i["code"], i.get("params") or {}) for i in items),
        "; ".join(correction(i["code"], i.get("params") or {}) for i in items),
    )
