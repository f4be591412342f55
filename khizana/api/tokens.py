"""API tokens and paging cursors: pure functions, no Django.

A token is ``khz_`` followed by 43 URL-safe characters (256 random bits). Only its SHA-256 is stored (a
slow hash adds nothing to a random secret of this length); its first characters are kept in clear as a
prefix, so that a member of staff can tell tokens apart. A cursor is the base64 of the last key seen.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets

TOKEN_PREFIX = "khz_"
PREFIX_LENGTH = 12  # "khz_" and 8 random characters
_TOKEN_RE = re.compile(r"^khz_[A-Za-z0-9_-]{43}$")
_CURSOR_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}={0,2}$")
MAX_KEY = 2**63 - 1  # the largest id a database row can have


def gettext_noop(message: str) -> str:
    """Marks a msgid for makemessages (Django's gettext_noop, without importing Django)."""
    return message


class CursorError(ValueError):
    """A cursor this API did not give. ``text`` is an English msgid with named ``params``; the API
    translates it into the reader's language."""

    def __init__(self, text: str, **params: str):
        self.text = text
        self.params = params
        super().__init__(text % params if params else text)


_NOT_OURS = gettext_noop("the cursor is not one this API gave")


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def token_prefix(token: str) -> str:
    return token[:PREFIX_LENGTH]


def well_formed(token: str) -> bool:
    return bool(_TOKEN_RE.match(token))


def encode_cursor(kind: str, last_key: int) -> str:
    """An opaque cursor: the kind of list and the last key seen, base64 (URL-safe)."""
    return base64.urlsafe_b64encode(f"{kind}:{last_key}".encode("ascii")).decode("ascii").rstrip("=")


def decode_cursor(kind: str, cursor: str) -> int:
    """The last key seen, from a cursor given by :func:`encode_cursor` for the same kind of list."""
    if not _CURSOR_RE.match(cursor):
        raise CursorError(_NOT_OURS)
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise CursorError(_NOT_OURS) from None
    name, _, key = text.partition(":")
    if name != kind:
        raise CursorError(gettext_noop("the cursor belongs to another list than %(kind)s"), kind=kind)
    if not key.isdigit() or not 0 <= int(key) <= MAX_KEY:
        raise CursorError(_NOT_OURS)
    return int(key)
