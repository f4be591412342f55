"""The pure rules of OAI-PMH requests: arguments, datestamps, identifiers, resumption tokens."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from khizana.oai.protocol import (
    ListPosition,
    OaiError,
    decode_token,
    encode_token,
    format_datestamp,
    make_identifier,
    parse_date_range,
    parse_request,
    split_identifier,
)

KEY = b"test key"


def args(**values: str | list[str]) -> dict[str, list[str]]:
    return {name.rstrip("_"): value if isinstance(value, list) else [value] for name, value in values.items()}


def error_of(raw: dict[str, list[str]], key: bytes = KEY) -> OaiError:
    with pytest.raises(OaiError) as caught:
        parse_request(raw, key)
    return caught.value


@pytest.mark.parametrize(
    "raw, words",
    [
        ({}, "missing"),
        (args(verb=["Identify", "Identify"]), "repeated"),
        (args(verb="Harvest"), "not an OAI-PMH verb"),
        (args(verb="identify"), "not an OAI-PMH verb"),
    ],
)
def test_bad_verbs(raw, words):
    error = error_of(raw)
    assert error.code == "badVerb" and words in error.message
    assert not error.echoes_arguments


@pytest.mark.parametrize(
    "raw, words",
    [
        (args(verb="Identify", identifier="x"), "does not take the argument(s) identifier"),
        (args(verb="GetRecord", identifier="oai:a.b:X:1"), "needs the argument(s) metadataPrefix"),
        (args(verb="ListRecords"), "needs the argument(s) metadataPrefix"),
        (args(verb="ListRecords", metadataPrefix=["oai_dc", "marc21"]), "repeated argument(s)"),
        (args(verb="ListRecords", metadataPrefix="oai_dc", colour="red"), "colour"),
        (args(verb="ListRecords", metadataPrefix="oai_dc", resumptionToken="t"), "exclusive"),
        (args(verb="ListRecords", metadataPrefix="oai_dc", from_="2024-02-30"), "from='2024-02-30'"),
        (args(verb="ListRecords", metadataPrefix="oai_dc", until="2024-01-01T10:00Z"), "until="),
        (args(verb="ListRecords", metadataPrefix="oai_dc", from_="2024-01-01", until="2024-06-01T00:00:00Z"),
         "same granularity"),
        (args(verb="ListRecords", metadataPrefix="oai_dc", from_="2024-06-02", until="2024-06-01"), "later"),
        (args(verb="ListRecords", metadataPrefix="oai dc"), "not a valid metadata prefix"),
        (args(verb="ListRecords", metadataPrefix="oai_dc", set_="library:"), "not a valid setSpec"),
        (args(verb="ListRecords", metadataPrefix="oai_dc", from_=""), "empty argument(s): from"),
        (args(verb="GetRecord", resumptionToken="t"), "does not take the argument(s) resumptionToken"),
    ],
)  # fmt: skip
def test_bad_arguments(raw, words):
    error = error_of(raw)
    assert error.code == "badArgument" and words in error.message, error.message


def test_a_first_list_request():
    request = parse_request(
        args(verb="ListIdentifiers", metadataPrefix="marc21", set_="library:BNRM", from_="2024-05-01"), KEY
    )
    assert (request.metadata_prefix, request.set_spec, request.position) == ("marc21", "library:BNRM", None)
    assert request.dates.start == datetime(2024, 5, 1, tzinfo=UTC) and request.dates.end is None
    assert request.arguments == {
        "verb": "ListIdentifiers", "metadataPrefix": "marc21", "set": "library:BNRM", "from": "2024-05-01"
    }  # fmt: skip


def test_until_is_inclusive_at_either_granularity():
    assert parse_date_range("", "2024-05-01").end == datetime(2024, 5, 2, tzinfo=UTC)
    seconds = parse_date_range("2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z")
    assert seconds.start == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert seconds.end == datetime(2024, 5, 1, 10, 0, 1, tzinfo=UTC)


def test_datestamps_are_utc_seconds():
    moment = datetime(2024, 5, 1, 10, 20, 30, 999999, tzinfo=UTC)
    assert format_datestamp(moment) == "2024-05-01T10:20:30Z"


@pytest.mark.parametrize("local_id", ["01-0211801", "REROILS:32", "oai:spire:2441/4b", "a b%c é", "x?y=z&w"])
def test_identifiers_round_trip(local_id):
    identifier = make_identifier("khizana.local", "BNRM", local_id)
    assert " " not in identifier and "é" not in identifier
    assert split_identifier("khizana.local", identifier) == ("BNRM", local_id)


@pytest.mark.parametrize("identifier", ["oai:other.org:B:1", "oai:khizana.local:BNRM", "khizana.local:B:1"])
def test_foreign_identifiers_are_not_ours(identifier):
    assert split_identifier("khizana.local", identifier) is None


def position(**changes) -> ListPosition:
    values = dict(
        verb="ListRecords",
        metadata_prefix="oai_dc",
        from_="2024-01-01",
        set_spec="type:book",
        after_datestamp="2024-05-01T10:20:30.123456+00:00",
        after_id=42,
        cursor=100,
        complete_list_size=2146,
    )
    return ListPosition(**{**values, **changes})


def test_a_token_carries_the_original_request_and_the_position():
    token = encode_token(position(), KEY)
    request = parse_request(args(verb="ListRecords", resumptionToken=token), KEY)
    assert request.position == position()
    assert (request.metadata_prefix, request.set_spec) == ("oai_dc", "type:book")
    assert request.dates.start == datetime(2024, 1, 1, tzinfo=UTC)
    assert request.arguments == {"verb": "ListRecords", "resumptionToken": token}


def test_tampered_forged_and_garbage_tokens_are_refused():
    token = encode_token(position(), KEY)
    body, _, signature = token.partition(".")
    forged = encode_token(position(after_id=1), b"another key")
    swapped = encode_token(position(after_id=1), KEY).partition(".")[0] + "." + signature
    for bad in [token[:-2] + "xx", forged, swapped, "garbage", body, "", "a.b.c", "é.é"]:
        with pytest.raises(OaiError) as caught:
            decode_token(bad, KEY)
        assert caught.value.code == "badResumptionToken", bad


def test_a_signed_token_with_an_unreadable_body_is_refused():
    import base64
    import hashlib
    import hmac

    body = base64.urlsafe_b64encode(b'{"verb": "ListRecords"}').rstrip(b"=")
    digest = hmac.new(KEY, b"oai-resumption-token:" + body, hashlib.sha256).digest()[:18]
    token = body.decode() + "." + base64.urlsafe_b64encode(digest).decode()
    assert error_of(args(verb="ListRecords", resumptionToken=token)).code == "badResumptionToken"


def test_a_token_only_continues_its_own_verb():
    token = encode_token(position(verb="ListIdentifiers"), KEY)
    error = error_of(args(verb="ListRecords", resumptionToken=token))
    assert error.code == "badResumptionToken" and "ListIdentifiers" in error.message
    assert error_of(args(verb="ListSets", resumptionToken=token)).code == "badResumptionToken"
