"""Tokens are stored hashed, can be revoked, and come from the api-token command; cursors are opaque."""

from __future__ import annotations

import io

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
    from khizana.catalog.tests.conftest import make_library

    return make_library("TOKLIB")
