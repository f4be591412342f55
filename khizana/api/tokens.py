"""API tokens and paging cursors: pure functions, no Django.

A token is ``khz_`` followed by 43 URL-safe characters (256 random bits). Only its SHA-256 is stored (a
slow hash adds nothing to a random secret of this length); its first characters are kept in clear as a
prefix, so that a member of staff can tell tokens apart. A cursor is the base64 of the last key seen.

A cursor is opaque to clients, but the set of cursors a list accepts is exactly described by
:func:`cursor_pattern` and :func:`cursor_max_length` (the OpenAPI document states both): the canonical
URL-safe base64, without padding, of ``<kind>:<1 to 19 digits>``. Every such cursor is a position in the
list (a key above :data:`MAX_KEY` is past the end), so a client cannot make up a well-formed cursor that
the API refuses.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import string
from functools import cache
from typing import NoReturn

TOKEN_PREFIX = "khz_"
PREFIX_LENGTH = 12  # "khz_" and 8 random characters
_TOKEN_RE = re.compile(r"^khz_[A-Za-z0-9_-]{43}$")
_CURSOR_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}={0,2}$")
MAX_KEY = 2**63 - 1  # the largest id a database row can have
MAX_KEY_DIGITS = len(str(MAX_KEY))  # 19
_BASE64 = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"  # URL-safe alphabet


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
    """The last key seen, from a cursor given by :func:`encode_cursor` for the same kind of list.

    Accepts exactly the strings that match :func:`cursor_pattern` and are no longer than
    :func:`cursor_max_length`; a key above :data:`MAX_KEY` (19 digits) reads as :data:`MAX_KEY`, the end.
    """
    if len(cursor) <= cursor_max_length(kind) and _cursor_re(kind).fullmatch(cursor):
        padded = cursor + "=" * (-len(cursor) % 4)
        key = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii").partition(":")[2]
        return min(int(key), MAX_KEY)
    _refuse(kind, cursor)


def _refuse(kind: str, cursor: str) -> NoReturn:
    """Why ``cursor`` is not one of this list's: another list's, or not the API's at all."""
    if not _CURSOR_RE.match(cursor):
        raise CursorError(_NOT_OURS)
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise CursorError(_NOT_OURS) from None
    name, _, key = text.partition(":")
    if name != kind and key.isdigit():
        raise CursorError(gettext_noop("the cursor belongs to another list than %(kind)s"), kind=kind)
    raise CursorError(_NOT_OURS)


@cache
def cursor_max_length(kind: str) -> int:
    """The length of the longest cursor of ``kind`` (a key of 19 digits)."""
    return len(encode_cursor(kind, 10**MAX_KEY_DIGITS - 1))


@cache
def cursor_pattern(kind: str) -> str:
    """A regular expression (Python and ECMA-262 alike) matching the canonical unpadded URL-safe base64 of
    ``<kind>:`` followed by one or more ASCII digits, and nothing else.

    Base64 turns each group of 3 bytes into 4 characters of 6 bits. A digit is the byte ``0011dddd``, so
    each character carrying digit bits takes one of a few values; only a digit split 6/2 between two
    characters ties their values together, hence the alternations of pairs.
    """
    prefix = f"{kind}:".encode("ascii")
    cut = len(prefix) - len(prefix) % 3
    literal, rest = base64.urlsafe_b64encode(prefix[:cut]).decode("ascii"), prefix[cut:]
    # one digit or more, from a group boundary: groups of three digits, then three, one or two
    three = _pairs(next_top=3) + _LOW_FOUR + _LOW_SIX
    tail = f"(?:{three})*(?:{three}|{_pairs(next_top=0)}|{_pairs(next_top=3) + _LOW_FOUR})"
    if len(rest) == 1:  # the group is (p, digit, digit?): p, then the first digit's fixed high bits
        (p,) = rest
        body = _BASE64[p >> 2] + _BASE64[(p & 3) << 4 | 3] + f"{_LOW_FOUR}(?:{_LOW_SIX}(?:{tail})?)?"
    elif len(rest) == 2:  # the group is (p, q, digit): three fixed characters, then the digit's
        p, q = rest
        body = (
            _BASE64[p >> 2]
            + _BASE64[(p & 3) << 4 | q >> 4]
            + _BASE64[(q & 15) << 2]
            + f"{_LOW_SIX}(?:{tail})?"
        )
    else:
        body = tail
    return f"^{literal}{body}$"


_DIGITS = [ord(d) for d in string.digits]


def _class(chars: set[str]) -> str:
    return next(iter(chars)) if len(chars) == 1 else "[" + "".join(sorted(chars)) + "]"


# a digit's 4 low bits then the next byte's 2 high bits (0, for a digit as for the end); its 6 low bits
_LOW_FOUR = _class({_BASE64[(b & 15) << 2] for b in _DIGITS})
_LOW_SIX = _class({_BASE64[b & 63] for b in _DIGITS})


def _pairs(next_top: int) -> str:
    """A digit starting a group: its 6 high bits, then its 2 low bits with the next byte's 4 high bits
    (3 when it is a digit, 0 at the end)."""
    seconds_of: dict[str, set[str]] = {}
    for b in _DIGITS:
        seconds_of.setdefault(_BASE64[b >> 2], set()).add(_BASE64[(b & 3) << 4 | next_top])
    firsts_of: dict[str, set[str]] = {}
    for first, seconds in seconds_of.items():
        firsts_of.setdefault(_class(seconds), set()).add(first)
    return "(?:" + "|".join(_class(firsts) + seconds for seconds, firsts in firsts_of.items()) + ")"


@cache
def _cursor_re(kind: str) -> re.Pattern[str]:
    return re.compile(cursor_pattern(kind))
