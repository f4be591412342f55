"""Tokens are stored hashed, can be revoked, and come from the api-token command; cursors are opaque."""

from __future__ import annotations

import base64
import io
import random
import re
import string

import pytest
from django.core.management import CommandError, call_command

from khizana.api import tokens
from khizana.api.models import ApiToken
from khizana.api.services import create_token, token_for_key

from .conftest import make_staff


def test_tokens_are_random_well_formed_and_hashed():
    first, second = tokens.new_token(), tokens.new_token()
    assert first != second and tokens.well_formed(first)
    assert tokens.hash_token(first) != tokens.hash_token(second) and len(tokens.hash_token(first)) == 64
    assert not tokens.well_formed(first + "x") and not tokens.well_formed("khz_short")


@pytest.mark.parametrize("key", [0, 1, 42, tokens.MAX_KEY])
def test_cursor_round_trip(key):
    cursor = tokens.encode_cursor("works", key)
    assert tokens.decode_cursor("works", cursor) == key
    assert str(key) not in cursor or key < 10


@pytest.mark.parametrize(
    "cursor", ["", "===", "a b", "ééé", "d29ya3M6", "d29ya3M6YQ", "cmVjb3JkczoxMg", "%%"]
)
def test_bad_cursors_are_refused(cursor):
    with pytest.raises(tokens.CursorError):
        tokens.decode_cursor("works", cursor)


@pytest.mark.django_db
def test_only_the_hash_is_stored_and_the_token_finds_its_user():
    user = make_staff("hashed", "network_admin", None)
    token, key = create_token(user, "sync")
    stored = ApiToken.objects.get(pk=token.pk)
    assert key not in (stored.key_hash, stored.prefix, stored.name)
    assert stored.key_hash == tokens.hash_token(key) and key.startswith(stored.prefix)
    found = token_for_key(key)
    assert found.user == user and found.last_used is not None
    assert token_for_key(key[:-1] + ("A" if key[-1] != "A" else "B")) is None


@pytest.mark.django_db
def test_command_creates_lists_and_revokes():
    make_staff("catalogueuse", "cataloguer", _library())
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", "create", "catalogueuse", "--name", "nightly sync", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert tokens.well_formed(key) and token_for_key(key) is not None
    listing = io.StringIO()
    call_command("api_token", "list", stdout=listing)
    assert "nightly sync" in listing.getvalue() and key not in listing.getvalue()
    call_command("api_token", "revoke", tokens.token_prefix(key), stdout=io.StringIO())
    assert token_for_key(key) is None
    with pytest.raises(CommandError, match="no active token"):
        call_command("api_token", "revoke", tokens.token_prefix(key))


@pytest.mark.django_db
def test_command_refuses_readers_and_unknown_users():
    make_staff("lectrice", "reader", _library())
    with pytest.raises(CommandError, match="not a member of staff"):
        call_command("api_token", "create", "lectrice", "--name", "x")
    with pytest.raises(CommandError, match="no user"):
        call_command("api_token", "create", "personne", "--name", "x")


def _library():
    from khizana.testing import make_library

    return make_library("TOKLIB")


@pytest.mark.parametrize("kind", ["works", "records", "x", "ab", "abc"])
def test_cursor_pattern_describes_exactly_the_cursors_decode_accepts(kind):
    """Every prefix alignment (kind + ":" of 0, 1 or 2 bytes modulo 3), every number of digits, and
    single-character changes of valid cursors: the pattern and the length limit accept a string exactly when
    decode_cursor does, and decode_cursor accepts a string exactly when it is the canonical base64 of
    ``<kind>:<digits>``."""
    pattern = re.compile(tokens.cursor_pattern(kind))
    alphabet = string.ascii_letters + string.digits + "-_="
    rng = random.Random(kind)
    for digits in range(1, 22):
        for _ in range(20):
            number = "".join(rng.choice(string.digits) for _ in range(digits))
            cursor = base64.urlsafe_b64encode(f"{kind}:{number}".encode()).decode().rstrip("=")
            assert bool(pattern.fullmatch(cursor)) and _accepted(kind, cursor) == (digits <= 19)
            if digits <= 19:
                assert tokens.decode_cursor(kind, cursor) == min(int(number), tokens.MAX_KEY)
            for _ in range(20):
                position = rng.randrange(len(cursor) + 1)
                changed = cursor[:position] + rng.choice(alphabet) + cursor[position + 1 :]
                expected = _canonical(kind, changed) and len(changed) <= tokens.cursor_max_length(kind)
                assert bool(pattern.fullmatch(changed)) == _canonical(kind, changed), changed
                assert _accepted(kind, changed) == expected, changed


def test_a_well_formed_cursor_past_the_end_is_the_end():
    past = base64.urlsafe_b64encode(b"works:9999999999999999999").decode().rstrip("=")
    assert tokens.decode_cursor("works", past) == tokens.MAX_KEY
    padded = tokens.encode_cursor("works", 1) + "=="
    with pytest.raises(tokens.CursorError):  # the API gives cursors unpadded: the pattern says so
        tokens.decode_cursor("works", padded)


def _accepted(kind: str, cursor: str) -> bool:
    try:
        tokens.decode_cursor(kind, cursor)
    except tokens.CursorError:
        return False
    return True


def _canonical(kind: str, cursor: str) -> bool:
    if not cursor or any(c not in string.ascii_letters + string.digits + "-_" for c in cursor):
        return False
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except ValueError:
        return False
    if base64.urlsafe_b64encode(raw).decode().rstrip("=") != cursor:
        return False
    name, colon, number = raw.decode("latin-1").partition(":")
    return name == kind and colon == ":" and number.isascii() and number.isdigit()
