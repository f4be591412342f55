"""ISO 18626 messages built and read, validated against the schema (sample messages from CrossLink)."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from khizana.ill import protocol as p
from khizana.testing import shared_data_dir

DATA = Path(__file__).parent / "data"
WHEN = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def header(**extra):
    return p.Header(
        supplying_agency=p.AgencyId("ISIL", "MA-RBT-B"),
        requesting_agency=p.AgencyId("ISIL", "MA-RBT-A"),
        requesting_request_id="req-1",
        timestamp=WHEN,
        **extra,
    )


def test_sample_request_is_read():
    message = p.parse((DATA / "crosslink_req.xml").read_bytes())
    assert isinstance(message, p.Request)
    assert message.header.supplying_agency == p.AgencyId("ISIL", "BROKER")
    assert message.header.requesting_agency.value == "REQ"
    assert message.header.requesting_request_id == "js-test-1017"
    assert message.bibliographic.title == "Lord of the Rings"
    assert message.bibliographic.identifiers == (("ISBN", "1983"),)
    assert message.service_type == "Loan"
    assert p.parse((DATA / "crosslink_cancel-req.xml").read_bytes()).note == "#CANCEL#"


def test_sample_supplying_and_requesting_messages_are_read():
    supplying = p.parse((DATA / "crosslink_supmsg-ok.xml").read_bytes())
    assert isinstance(supplying, p.SupplyingAgencyMessage)
    assert (supplying.status, supplying.reason_for_message, supplying.item_id) == (
        "Loaned",
        "StatusChange",
        "12345",
    )
    assert supplying.last_change == datetime(2024, 12, 12, 20, 12, 0, 629710, tzinfo=UTC)  # 9 digits cut to 6
    requesting = p.parse((DATA / "crosslink_reqmsg-ok.xml").read_bytes())
    assert isinstance(requesting, p.RequestingAgencyMessage)
    assert requesting.action == "Cancel"
    assert requesting.header.supplying_request_id == "c488bef0-5735-4c33-ba13-a9f343447574"


def test_unknown_status_is_refused_with_unrecognised_data_value_and_answered():
    with pytest.raises(p.ProtocolError) as caught:
        p.parse((DATA / "crosslink_supmsg-invalid-status.xml").read_bytes())
    error = caught.value
    assert error.error_type == p.UNRECOGNISED_VALUE
    assert "WeCouldLoan" in error.error_value
    assert error.kind == p.SUPPLYING_AGENCY_MESSAGE
    assert error.header.requesting_request_id == "reqid"
    answer = p.parse(p.to_xml(p.error_confirmation(error)))
    assert answer.kind == "supplyingAgencyMessageConfirmation"
    assert (answer.message_status, answer.error_type) == ("ERROR", p.UNRECOGNISED_VALUE)
    assert answer.requesting_request_id == "reqid"


def test_empty_message_is_badly_formed():
    with pytest.raises(p.ProtocolError) as caught:
        p.parse((DATA / "crosslink_msg-invalid.xml").read_bytes())
    assert caught.value.error_type == p.BADLY_FORMED
    answer = p.parse(p.to_xml(p.error_confirmation(caught.value)))
    assert answer.kind == "requestConfirmation" and not answer.ok


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", p.BADLY_FORMED),
        (b"<not xml", p.BADLY_FORMED),
        (b"<other xmlns='urn:x'/>", p.BADLY_FORMED),
        (b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>", p.BADLY_FORMED),
    ],
)
def test_garbage_is_refused(data, expected):
    with pytest.raises(p.ProtocolError) as caught:
        p.parse(data)
    assert caught.value.error_type == expected


def test_unexpected_element_is_unrecognised_data_element():
    data = (
        (DATA / "crosslink_reqmsg-ok.xml").read_bytes().replace(b"<action>", b"<colour>red</colour><action>")
    )
    with pytest.raises(p.ProtocolError) as caught:
        p.parse(data)
    assert caught.value.error_type == p.UNRECOGNISED_ELEMENT
    assert "colour" in caught.value.error_value


def test_request_round_trip():
    message = p.Request(
        header=header(),
        bibliographic=p.Bibliographic(
            title="Muqaddima",
            author="Ibn Khaldūn",
            title_of_component="Chapitre 1",
            pages_requested="10-25",
            identifiers=(("ISBN", "9789954000000"),),
            publisher="Dar",
            publication_date="1984",
        ),
        service_type="Copy",
        patron_id="u42",
        note="Pour une thèse",
    )
    data = p.to_xml(message)
    assert p.schema().validate(etree.fromstring(data))
    assert p.parse(data) == message


def test_supplying_and_requesting_round_trip_and_confirmations():
    supplying = p.SupplyingAgencyMessage(
        header=header(supplying_request_id="sup-9"),
        reason_for_message="StatusChange",
        status="Unfilled",
        last_change=WHEN,
        reason_unfilled="NotOnShelf",
        note="missing",
    )
    assert p.parse(p.to_xml(supplying)) == supplying
    loaned = p.SupplyingAgencyMessage(
        header=header(supplying_request_id="sup-9"),
        reason_for_message="StatusChange",
        status="Loaned",
        last_change=WHEN,
        due_date=WHEN,
        date_sent=WHEN,
        item_id="B123",
    )
    assert p.parse(p.to_xml(loaned)) == loaned
    requesting = p.RequestingAgencyMessage(
        header=header(supplying_request_id="sup-9"), action="ShippedReturn"
    )
    assert p.parse(p.to_xml(requesting)) == requesting
    for message in (supplying, requesting):
        answer = p.parse(p.to_xml(p.confirm(message, received_at=WHEN)))
        assert answer.ok and answer.kind == p.CONFIRMATION_OF[message.kind]
        assert answer.requesting_request_id == "req-1"
    assert p.parse(p.to_xml(p.confirm(requesting))).action == "ShippedReturn"
    assert p.parse(p.to_xml(p.confirm(supplying))).reason_for_message == "StatusChange"


def test_building_an_invalid_message_is_refused():
    with pytest.raises(p.ProtocolError) as caught:
        p.to_xml(p.RequestingAgencyMessage(header=header(), action="Dance"))
    assert caught.value.error_type == p.UNRECOGNISED_VALUE


@pytest.mark.shared_data
def test_shared_data_samples_match_the_repo_copies():
    root = shared_data_dir()
    if root is None:
        pytest.skip("../shared/data is absent")
    standards = root / "digital" / "standards"
    assert (standards / "crosslink_ISO-18626-v1_2.xsd").read_bytes() == p.SCHEMA_PATH.read_bytes()
    for sample in (standards / "iso18626").glob("*.xml"):
        if "invalid" in sample.name:
            with pytest.raises(p.ProtocolError):
                p.parse(sample.read_bytes())
        else:
            p.parse(sample.read_bytes())
