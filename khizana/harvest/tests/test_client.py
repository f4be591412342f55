"""The OAI-PMH client over real loopback HTTP: resumption tokens, OAI errors, retries (no database)."""

import time

import pytest

from khizana.harvest.client import HarvestError, HarvestHTTPError, OaiClient, OaiProtocolError, RetryPolicy
from khizana.harvest.oai import OaiResponseError, datestamp_for_from, parse_response

from .server import DATA, OaiTestServer, body, xml

FAST = RetryPolicy(timeout=5, max_attempts=4, backoff=0.05, retry_budget=2)
FOUR_PAGES = {
    "": "phpoaipmh_GoodResponseFourPage_1.xml",
    "0/200/733/nsdl_dc/null/2012-07-26/null": "phpoaipmh_GoodResponseFourPage_2.xml",
    "200/400/733/nsdl_dc/null/2012-07-26/null": "phpoaipmh_GoodResponseFourPage_3.xml",
    "400/600/733/nsdl_dc/null/2012-07-26/null": "phpoaipmh_GoodResponseFourPage_4.xml",
}


def test_four_pages_are_followed_through_their_resumption_tokens():
    with OaiTestServer(lambda q: xml(FOUR_PAGES[q.get("resumptionToken", "")])) as server:
        pages = list(OaiClient(server.url, FAST).pages("ListIdentifiers", metadataPrefix="nsdl_dc"))
    headers = [item for page in pages for item in page.response.items]
    assert [len(page.response.items) for page in pages] == [200, 200, 200, 133]
    assert len(headers) == 733 == pages[0].response.complete_list_size
    assert len({h.identifier for h in headers}) == 733
    assert headers[0].identifier == "oai:nsdl.org:2200/20120614151514710T"
    # The first request carries the arguments, the next ones the token alone (as the protocol says).
    assert server.requests[0] == {"verb": "ListIdentifiers", "metadataPrefix": "nsdl_dc"}
    assert server.requests[1:] == [
        {"verb": "ListIdentifiers", "resumptionToken": token} for token in list(FOUR_PAGES)[1:]
    ]


def test_oai_error_responses_raise_with_the_code_and_the_message():
    answers = {
        "GetRecord": "phpoaipmh_BadResponseInvalidRecord.xml",
        "NotExist": "phpoaipmh_BadResponseNonExistentVerb.xml",
    }
    with OaiTestServer(lambda q: xml(answers[q["verb"]])) as server:
        client = OaiClient(server.url, FAST)
        with pytest.raises(OaiProtocolError) as invalid:
            client.request("GetRecord", identifier="asdfasdfasdfasdfasdf", metadataPrefix="oai_dc")
        with pytest.raises(OaiProtocolError) as bad_verb:
            client.request("NotExist")
    assert invalid.value.response.error_codes == ["idDoesNotExist"]
    assert "idDoesNotExist: The value of the identifier argument is unknown or illegal" in str(invalid.value)
    assert str(invalid.value).startswith(server.url)
    assert "badVerb: The verb 'NotExist' is illegal" in str(bad_verb.value)


def test_a_body_that_is_not_xml_is_a_clear_error():
    with (
        OaiTestServer(lambda q: xml("sickle_ListRecordsBroken.xml")) as server,
        pytest.raises(HarvestError) as error,
    ):
        OaiClient(server.url, FAST).request("ListRecords", metadataPrefix="oai_dc")
    assert "not well-formed XML" in str(error.value) and server.url in str(error.value)


def test_503_with_retry_after_then_200_is_retried():
    answers = [
        body(b"busy", 503, **{"Retry-After": "0"}),
        body(b"oops", 500),
        xml("sickle_Identify.xml"),
    ]
    slept: list[float] = []
    with OaiTestServer(lambda q: answers.pop(0)) as server:
        client = OaiClient(server.url, FAST, sleep=slept.append)
        identify = client.identify()
    assert identify.granularity == "YYYY-MM-DD"
    assert client.requests_sent == 3
    assert slept == [0.0, 0.1]  # Retry-After honoured, then exponential back-off (0.05 * 2)


def test_a_server_that_keeps_failing_is_given_up_within_the_budget():
    with OaiTestServer(lambda q: body(b"down", 503)) as server:
        client = OaiClient(server.url, FAST)
        started = time.monotonic()
        with pytest.raises(HarvestHTTPError) as error:
            client.identify()
    assert time.monotonic() - started < 2
    assert client.requests_sent == 4
    assert "gave up after 4 attempt(s)" in str(error.value) and "HTTP 503" in str(error.value)


def test_client_errors_are_not_retried():
    with OaiTestServer(lambda q: body(b"no", 404)) as server:
        client = OaiClient(server.url, FAST)
        with pytest.raises(HarvestHTTPError, match="HTTP 404"):
            client.identify()
    assert client.requests_sent == 1


def test_an_unreachable_server_is_retried_then_named():
    with OaiTestServer(lambda q: xml("sickle_Identify.xml")) as server:
        url = server.url
    client = OaiClient(url, RetryPolicy(timeout=1, max_attempts=2, backoff=0.01, retry_budget=1))
    with pytest.raises(HarvestHTTPError) as error:
        client.identify()
    assert client.requests_sent == 2 and "cannot connect" in str(error.value) and url in str(error.value)


def test_a_token_sent_twice_stops_the_loop():
    with (
        OaiTestServer(lambda q: xml("sickle_ListRecords3.xml")) as server,
        pytest.raises(HarvestError, match=r"resumption token 'ListRecords4\.xml' twice"),
    ):
        list(OaiClient(server.url, FAST).pages("ListRecords", metadataPrefix="oai_dc"))


def test_parse_reads_deleted_headers_and_identify():
    page = parse_response((DATA / "sickle_ListRecords.xml").read_bytes())
    assert [(i.identifier, i.deleted, i.metadata is not None) for i in page.items] == [
        ("oai:test.example.com:1585310", True, False),
        ("oai:test.example.com:1585322", False, True),
    ]
    assert page.resumption_token == "ListRecords2.xml" and page.response_date == "2013-02-27T09:10:56Z"
    identify = parse_response((DATA / "phpoaipmh_GoodResponseIdentify.xml").read_bytes())
    assert identify.verb == "Identify" and identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
    formats = parse_response((DATA / "sickle_ListMetadataFormats.xml").read_bytes())
    assert "oai_dc" in formats.metadata_prefixes and len(formats.metadata_prefixes) == 5


def test_parse_refuses_what_is_not_oai_pmh():
    with pytest.raises(OaiResponseError, match="http://x/oai: not an OAI-PMH response"):
        parse_response(b"<html><body>Maintenance</body></html>", "http://x/oai")
    with pytest.raises(OaiResponseError, match="empty response body"):
        parse_response(b"  ", "http://x/oai")


def test_from_follows_the_granularity():
    assert datestamp_for_from("2012-08-06T20:58:40Z", "YYYY-MM-DDThh:mm:ssZ") == "2012-08-06T20:58:40Z"
    assert datestamp_for_from("2012-08-06T20:58:40Z", "YYYY-MM-DD") == "2012-08-06"
    assert datestamp_for_from("2012-08-06T20:58:40Z", "") == "2012-08-06"
    with pytest.raises(ValueError, match="not a UTC datestamp"):
        datestamp_for_from("yesterday", "YYYY-MM-DD")
