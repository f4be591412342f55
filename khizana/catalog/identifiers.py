"""Normalise standard identifiers (no Django import). Checks use python-stdnum."""

from __future__ import annotations

import re

from stdnum import isbn as stdnum_isbn
from stdnum import issn as stdnum_issn
from stdnum.exceptions import ValidationError

_ISBN_CHARS = re.compile(r"[0-9][0-9\-\s]{8,}[0-9Xx]")
_ISSN_CHARS = re.compile(r"\b[0-9]{4}-?[0-9]{3}[0-9Xx]\b")
_OCLC_PREFIX = re.compile(r"^\s*\(OCoLC\)\s*(?:ocm|ocn|on)?0*", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")


def normalise_isbn(value: str) -> tuple[str, bool]:
    """(ISBN-13 without hyphens, True) for a valid ISBN found in ``value``; (raw digits, False) else.

    Catalogue values carry qualifiers ("2-07-036024-8 (br.)", "9782070360246 : 7 EUR"): the first
    ISBN-shaped run of characters is taken.
    """
    match = _ISBN_CHARS.search(value or "")
    if not match:
        return "", False
    compact = re.sub(r"[\-\s]", "", match.group(0)).upper()
    try:
        return stdnum_isbn.to_isbn13(stdnum_isbn.validate(compact)), True
    except ValidationError:
        return compact, False


def normalise_issn(value: str) -> tuple[str, bool]:
    """(NNNN-NNNX, True) for a valid ISSN in ``value``; (what was found, False) otherwise."""
    match = _ISSN_CHARS.search(value or "")
    if not match:
        return "", False
    compact = match.group(0).replace("-", "").upper()
    try:
        return stdnum_issn.format(stdnum_issn.validate(compact)), True
    except ValidationError:
        return stdnum_issn.format(compact), False


def normalise_lccn(value: str) -> str:
    """LCCN normalisation of the Library of Congress: no blanks, no suffix, serial padded to 6."""
    value = (value or "").strip().split("/")[0].replace(" ", "").lower()
    if "-" in value:
        prefix, _, serial = value.partition("-")
        value = prefix + serial.zfill(6)
    return value


def normalise_oclc(value: str) -> str:
    """The OCLC number in a 035 ``(OCoLC)ocm00012345`` value, without prefix or leading zeros."""
    if not value or not _OCLC_PREFIX.match(value):
        return ""
    digits = _DIGITS.search(_OCLC_PREFIX.sub("", value))
    return digits.group(0).lstrip("0") if digits else ""


def add_identifier(identifiers: dict[str, list[str]], scheme: str, raw: str) -> None:
    """Normalise ``raw`` for ``scheme`` and add it once; invalid ISBN/ISSN go to ``<scheme>_invalid``."""
    if scheme == "isbn":
        value, valid = normalise_isbn(raw)
    elif scheme == "issn":
        value, valid = normalise_issn(raw)
    elif scheme == "lccn":
        value, valid = normalise_lccn(raw), True
    elif scheme == "oclc":
        value, valid = normalise_oclc(raw), True
    else:
        value, valid = (raw or "").strip(), True
    if not value:
        return
    key = scheme if valid else f"{scheme}_invalid"
    values = identifiers.setdefault(key, [])
    if value not in values:
        values.append(value)
