"""The SUSHI server over HTTP: authorisation, exceptions, and the numbers, every JSON body validated
against the COUNTER_SUSHI API's schemas."""

from __future__ import annotations

import pytest

from khizana.digital.counter.tests.support import Network, SchemaValidator, make_credential, month_id

pytestmark = pytest.mark.django_db

KEY = "secret-key-of-the-harvester"


@pytest.fixture
def network():
    return Network()


@pytest.fixture
def schemas():
    return SchemaValidator()


def _auth(customer="RABAT", requestor="req-RABAT", key=KEY, **more):
    return {"customer_id": customer, "requestor_id": requestor, "api_key": key, **more}


def _get(client, path, params, schemas=None, status=200):
    response = client.get(path, params)
    assert response.status_code == status, response.content[:500]
    body = response.json()
    if schemas is not None:
        schemas.validate(body, path, status)
    return body


def _performance(body, title):
    for item in [entry for group in body["Report_Items"] for entry in group.get("Items", [group])]:
        if item.get("Title", item.get("Item")) == title:
            return item["Attribute_Performance"]
    raise AssertionError(f"{title} not in the report")


def test_status_is_public(client, schemas):
    body = _get(client, "/r51/status", {}, schemas)
    assert body[0]["Service_Active"] is True


@pytest.mark.shared_data
def test_library_report_counts_its_readers_usage(client, network, schemas):
    make_credential("RABAT", network.rabat)
    month = month_id(network.two_months_ago)
    body = _get(
        client,
        "/r51/reports/tr",
        _auth(begin_date=month, end_date=month, attributes_to_show="YOP|Access_Type"),
        schemas,
    )
    header = body["Report_Header"]
    assert header["Institution_Name"] == "Bibliothèque universitaire de Rabat"
    assert header["Institution_ID"] == {"Proprietary": ["Khizana:RABAT"]}
    assert "Exceptions" not in header
    assert [i["Title"] for i in body["Report_Items"]] == ["Kitab al-Ibar"]  # Oran's reader is not Rabat's
    (attribute,) = _performance(body, "Kitab al-Ibar")
    assert attribute["YOP"] == "1858" and attribute["Access_Type"] == "Controlled"
    assert attribute["Performance"]["Total_Item_Requests"] == {month: 2}  # the double click is one
    assert attribute["Performance"]["Unique_Item_Requests"] == {month: 2}
    assert attribute["Performance"]["Unique_Title_Requests"] == {month: 1}
    assert attribute["Performance"]["Total_Item_Investigations"] == {month: 3}


@pytest.mark.shared_data
def test_network_report_counts_everyone_but_robots(client, network, schemas):
    make_credential("network")
    month = month_id(network.two_months_ago)
    body = _get(
        client, "/r51/reports/tr", _auth("network", "req-network", begin_date=month, end_date=month), schemas
    )
    (attribute,) = _performance(body, "Les Misérables")
    # Oran's reader and the anonymous reader: 2 requests; the Googlebot is left out
    assert attribute["Performance"]["Total_Item_Requests"] == {month: 2}
    for path in ("pr", "pr_p1", "tr_b1", "tr_b3", "ir"):
        body = _get(
            client,
            f"/r51/reports/{path}",
            _auth("network", "req-network", begin_date=month, end_date=month),
            schemas,
        )
        assert body["Report_Items"], path
    pr_p1 = _get(
        client, "/r51/reports/pr_p1", _auth("network", "req-network", begin_date=month, end_date=month)
    )
    assert pr_p1["Report_Items"][0]["Attribute_Performance"][0]["Performance"]["Total_Item_Requests"] == {
        month: 4
    }


@pytest.mark.shared_data
def test_members_and_report_list(client, network, schemas):
    make_credential("RABAT", network.rabat)
    make_credential("network")
    members = _get(client, "/r51/members", _auth(), schemas)
    assert [m["Customer_ID"] for m in members] == ["RABAT"]
    members = _get(client, "/r51/members", _auth("network", "req-network"), schemas)
    assert [m["Customer_ID"] for m in members] == ["network", "ORAN", "RABAT"]
    reports = _get(client, "/r51/reports", _auth(), schemas)
    assert {r["Report_ID"] for r in reports} == {"PR", "PR_P1", "TR", "TR_B1", "TR_B3", "IR"}
    assert reports[0]["First_Month_Available"] == month_id(network.two_months_ago)
    assert reports[0]["Last_Month_Available"] == month_id(network.last_month)


@pytest.mark.shared_data
def test_refusals(client, network, schemas):
    make_credential("RABAT", network.rabat)
    make_credential("ORAN", network.oran, api_key="oran-key")
    month = month_id(network.last_month)
    dates = {"begin_date": month, "end_date": month}
    path = "/r51/reports/tr"
    assert _get(client, path, {**_auth(customer=""), **dates}, schemas, 400)["Code"] == 1030
    assert _get(client, path, {**_auth(requestor="nobody"), **dates}, schemas, 401)["Code"] == 2000
    assert _get(client, path, {**_auth(key="wrong"), **dates}, schemas, 401)["Code"] == 2020
    assert _get(client, path, {**_auth(key=""), **dates}, schemas, 401)["Code"] == 2020
    # Rabat's credential for Oran's usage; Oran's key with Rabat's requestor id
    assert _get(client, path, {**_auth(customer="ORAN"), **dates}, schemas, 403)["Code"] == 2010
    assert _get(client, path, {**_auth(key="oran-key"), **dates}, schemas, 401)["Code"] == 2020
    assert _get(client, "/r51/members", _auth(customer="ORAN"), schemas, 403)["Code"] == 2010
    # the address is no key: a request from the library's own address without a key is refused
    response = client.get(path, {**_auth(key=""), **dates}, REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 401


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("begin", "end"),
    [
        ("2026-13", "2026-12"),
        ("2026-02-02", "2026-03"),
        ("2026-03", "2026-02"),
        ("yesterday", "2026-01"),
        ("2026-01", "2026-02-27"),
    ],
)
def test_invalid_dates_give_3020(client, network, schemas, begin, end):
    make_credential("RABAT", network.rabat)
    body = _get(client, "/r51/reports/tr", _auth(begin_date=begin, end_date=end), schemas, 400)
    assert body["Code"] == 3020


@pytest.mark.shared_data
def test_missing_dates_give_1030(client, network, schemas):
    make_credential("RABAT", network.rabat)
    assert _get(client, "/r51/reports/tr", _auth(), schemas, 400)["Code"] == 1030


@pytest.mark.shared_data
def test_months_not_ready_no_longer_available_and_empty(client, network, schemas):
    make_credential("RABAT", network.rabat)
    before = network.two_months_ago.replace(year=network.two_months_ago.year - 1)
    now = network.last_month.replace(
        month=network.last_month.month % 12 + 1,
        year=network.last_month.year + (network.last_month.month == 12),
    )
    body = _get(
        client, "/r51/reports/tr", _auth(begin_date=month_id(before), end_date=month_id(now)), schemas
    )
    codes = [e["Code"] for e in body["Report_Header"]["Exceptions"]]
    assert codes == [3032, 3031]
    assert body["Report_Items"]  # the months available are reported
    body = _get(client, "/r51/reports/tr", _auth(begin_date=month_id(now), end_date=month_id(now)), schemas)
    assert [e["Code"] for e in body["Report_Header"]["Exceptions"]] == [3031]
    assert body["Report_Items"] == []
    # a month with usage by other libraries' readers only: 3030
    make_credential("ORAN", network.oran, api_key="oran-key")
    month = month_id(network.last_month)
    body = _get(
        client,
        "/r51/reports/ir",
        _auth("ORAN", "req-ORAN", "oran-key", begin_date=month, end_date=month),
        schemas,
    )
    assert [e["Code"] for e in body["Report_Header"]["Exceptions"]] == [3030]


@pytest.mark.shared_data
def test_invalid_filters_attributes_and_parameters_are_named(client, network, schemas):
    make_credential("RABAT", network.rabat)
    month = month_id(network.two_months_ago)
    body = _get(
        client,
        "/r51/reports/tr",
        _auth(
            begin_date=month,
            end_date=month,
            metric_type="Searches_Foo|Total_Item_Requests|Unique_Title_Requests",
            access_type="Gratis",
            attributes_to_show="Authors",
            colour="blue",
        ),
        schemas,
    )
    exceptions = {e["Code"]: e["Data"] for e in body["Report_Header"]["Exceptions"]}
    assert exceptions[3050] == "colour"
    assert "Searches_Foo" in exceptions[3060] or "Gratis" in exceptions[3060]
    assert "Authors" in exceptions[3062]
    performance = _performance(body, "Kitab al-Ibar")[0]["Performance"]
    assert set(performance) == {"Total_Item_Requests", "Unique_Title_Requests"}
    # a Standard View takes no filters
    body = _get(
        client, "/r51/reports/tr_b1", _auth(begin_date=month, end_date=month, metric_type="x"), schemas
    )
    assert [e["Code"] for e in body["Report_Header"]["Exceptions"]] == [3050]


def test_report_not_supported(client, network):
    make_credential("RABAT", network.rabat)
    response = client.get("/r51/reports/dr", _auth(begin_date="2026-01", end_date="2026-01"))
    assert response.status_code == 404
    assert response.json()["Code"] == 3000


def test_revoked_credentials_are_refused(client, network):
    credential = make_credential("RABAT", network.rabat)
    credential.active = False
    credential.save()
    response = client.get("/r51/reports", _auth())
    assert response.status_code == 401 and response.json()["Code"] == 2000


def test_recorded_usage_keeps_the_user_agent_and_robots_are_not_counted(network):
    from datetime import date

    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from khizana.digital.counter import services
    from khizana.digital.counter.reports import Request
    from khizana.digital.models import UsageEvent
    from khizana.digital.usage import record_usage

    factory = RequestFactory()
    reader = factory.get("/digital/", HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")
    reader.user, reader.session = network.oran_reader, None
    robot = factory.get("/digital/", HTTP_USER_AGENT="Mozilla/5.0 (compatible; YandexBot/3.0)")
    robot.user, robot.session = AnonymousUser(), None
    record_usage(reader, network.ibar1, "download")
    record_usage(robot, network.ibar1, "download")
    events = UsageEvent.objects.filter(item=network.ibar1, action="download")
    assert sorted(e.user_agent for e in events) == [
        "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        "Mozilla/5.0 (compatible; YandexBot/3.0)",
    ]
    # this month's usage, counted without the robot (the report of a month not ended, asked directly)
    today = date.today()
    month = f"{today.year:04d}-{today.month:02d}"
    asked = Request(report="ir", begin=today.replace(day=1), end=today, months=[month])
    report = services.make_report(services.network_customer(), asked)
    (group,) = report["Report_Items"]
    (item,) = [i for i in group["Items"] if i["Item_ID"]["Proprietary"] == f"Khizana:item-{network.ibar1.pk}"]
    assert item["Attribute_Performance"][0]["Performance"]["Total_Item_Requests"] == {month: 1}
