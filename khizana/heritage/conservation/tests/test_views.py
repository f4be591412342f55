"""The conservation pages over HTTP: who may create plans, add titles, enter statements and assign roles
(forged requests included), the public page with the gaps, the exports, and the warning when staff
withdraw a copy their library committed to keep."""

from __future__ import annotations

import io

import pymarc
import pytest
from django.test import Client
from django.urls import reverse

from khizana.catalog.models import Holding, SourceRecord
from khizana.heritage.conservation import services
from khizana.heritage.conservation.formats.records import read_bytes
from khizana.heritage.conservation.models import Commitment, HoldingsStatement, Plan, PlanTitle


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def plan(lib_a):
    return services.create_plan(
        None, name="Chimie", programme="PCChimie", coordinator=lib_a, discipline="Chimie"
    )


@pytest.fixture
def title(plan):
    return services.add_title(
        None, plan, title="Helvetica chimica acta", issn="0018-019X", numbering="1 (1918)-"
    )


def _state():
    return (
        list(Plan.objects.values_list("id", "name", "programme")),
        list(PlanTitle.objects.values_list("id", "title", "issn")),
        list(HoldingsStatement.objects.values_list("id", "library_id", "text")),
        list(Commitment.objects.values_list("id", "library_id", "role")),
    )


# --- the writes, each a (url, data) for one user -----------------------------------------------------


def write_plan(lib_a, lib_b, title):
    return reverse("conservation-staff:plan-create"), {
        "name": "Médecine",
        "programme": "PCMed",
        "coordinator": lib_a.pk,
        "discipline": "",
        "description": "",
    }


def write_title(lib_a, lib_b, title):
    return reverse("conservation-staff:title-add", args=[title.plan_id]), {
        "title": "Autre",
        "issn": "1662-4246",
    }


def write_statement_a(lib_a, lib_b, title):
    return reverse("conservation-staff:statement", args=[title.pk]), {
        "library": lib_a.pk,
        "text": "v.1 (1918) -",
    }


def write_role(lib_a, lib_b, title):
    return reverse("conservation-staff:role", args=[title.pk]), {"library": lib_b.pk, "role": "pole"}


WRITES = {"plan": write_plan, "title": write_title, "statement": write_statement_a, "role": write_role}
# Who may do each write: the plan is coordinated by library A.
ALLOWED = {
    "plan": {"cataloguer_a", "library_admin_a", "network_admin"},
    "title": {"cataloguer_a", "library_admin_a", "network_admin"},
    "statement": {"cataloguer_a", "library_admin_a", "network_admin"},
    "role": {"cataloguer_a", "library_admin_a", "network_admin"},
}


@pytest.mark.parametrize("write", sorted(WRITES))
@pytest.mark.parametrize(
    "who", ["anonymous", "reader", "cataloguer_a", "library_admin_a", "cataloguer_b", "network_admin"]
)
def test_each_role_against_each_write(who, write, users, lib_a, lib_b, title):
    url, data = WRITES[write](lib_a, lib_b, title)
    before = _state()
    response = client_for(users[who]).post(url, data)
    if who in ALLOWED[write]:
        assert response.status_code == 302, response.content[:2000]
        assert _state() != before
    else:
        assert _state() == before
        if who == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("accounts:login"))
        elif write == "plan" and who == "cataloguer_b":  # library A is not among the choices offered to B
            assert response.status_code == 400 and "coordinator" in response.context["form"].errors
        else:
            assert response.status_code == 403 and b"Traceback" not in response.content


def test_another_library_enters_its_own_statement_but_not_a_forged_one(users, lib_a, lib_b, title):
    client = client_for(users["cataloguer_b"])
    url = reverse("conservation-staff:statement", args=[title.pk])
    assert client.post(url, {"library": lib_b.pk, "text": "v.10 (1927) - v.40 (1957)"}).status_code == 302
    statement = HoldingsStatement.objects.get(title=title, library=lib_b)
    assert statement.source == "staff" and statement.extents == [
        {"first_volume": 10, "first_year": 1927, "last_volume": 40, "last_year": 1957}
    ]
    before = _state()
    assert client.post(url, {"library": lib_a.pk, "text": "v.1 (1918) -"}).status_code == 403
    assert _state() == before


def test_forged_ids_and_another_librarys_plan(users, lib_a, lib_b, title):
    other = services.create_plan(None, name="B's plan", programme="PCB", coordinator=lib_b)
    other_title = services.add_title(None, other, title="Journal B")
    client = client_for(users["cataloguer_a"])
    before = _state()
    assert (
        client.post(reverse("conservation-staff:title-add", args=[other.pk]), {"title": "X"}).status_code
        == 403
    )
    data = {"library": lib_a.pk, "role": "pole"}
    assert client.post(reverse("conservation-staff:role", args=[other_title.pk]), data).status_code == 403
    assert client.post(reverse("conservation-staff:role", args=[999999]), data).status_code == 404
    assert (
        client.post(reverse("conservation-staff:title-add", args=[999999]), {"title": "X"}).status_code == 404
    )
    forged = {"name": "Forged", "programme": "PCF", "coordinator": lib_b.pk}
    response = client.post(reverse("conservation-staff:plan-create"), forged)
    assert response.status_code == 400 and "coordinator" in response.context["form"].errors
    commitment = services.assign_role(None, other_title, lib_b, "pole")
    before = _state()
    assert client.post(reverse("conservation-staff:role-remove", args=[commitment.pk])).status_code == 403
    assert _state() == before


def test_a_statement_not_understood_is_refused_with_the_part_named(users, lib_a, title):
    client = client_for(users["cataloguer_a"])
    url = reverse("conservation-staff:statement", args=[title.pk])
    response = client.post(url, {"library": lib_a.pk, "text": "v.1 (1918) - v.5 (1922) ; quelques numéros"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "quelques numéros" in page and "names no volume, issue or year" in page
    assert not HoldingsStatement.objects.exists()


def test_bad_role_input_is_refused(users, lib_a, title):
    client = client_for(users["cataloguer_a"])
    url = reverse("conservation-staff:role", args=[title.pk])
    bad_dates = {"library": lib_a.pk, "role": "pole", "committed_on": "2030-01-01", "until": "2020-01-01"}
    response = client.post(url, bad_dates)
    assert response.status_code == 400 and "ends before it starts" in response.content.decode()
    assert client.post(url, {"library": lib_a.pk, "role": "keeper"}).status_code == 400
    assert not Commitment.objects.exists()


def test_public_page_lists_who_keeps_what_and_the_gaps(users, lib_a, lib_b, title):
    services.enter_statement(None, title, lib_a, "v.1 (1918) - v.20 (1937) ; v.50 (1967) - v.60 (1977)")
    services.enter_statement(None, title, lib_b, "v.15 (1932) - v.40 (1957)")
    services.assign_role(None, title, lib_a, "pole")
    title.last_year = 1980
    title.save()
    page = client_for(None).get(reverse("conservation:plan", args=[title.plan_id]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Helvetica chimica acta" in text and "conservation pole" in text
    assert "1918-1957, 1967-1977" in text  # held by the network
    assert "1958-1966, 1978-1980" in text  # its gaps
    assert "<caption>" in text and 'scope="col"' in text
    assert client_for(None).get(reverse("conservation:plans")).status_code == 200
    staff_page = client_for(users["cataloguer_b"]).get(reverse("conservation-staff:title", args=[title.pk]))
    assert staff_page.status_code == 200 and "1958-1966, 1978-1980" in staff_page.content.decode()


def test_csv_and_marc_exports(lib_a, lib_b, title, catalog):
    import datetime

    services.enter_statement(None, title, lib_b, "v.15 (1932) - v.40 (1957)")
    services.assign_role(
        None, title, lib_a, "pole", committed_on=datetime.date(2024, 1, 15), until=datetime.date(2049, 12, 31)
    )
    csv_text = client_for(None).get(reverse("conservation:export-csv", args=[title.plan_id])).content.decode()
    assert "LIBA,pole,2024-01-15,2049-12-31" in csv_text and "LIBB,,,,v.15 (1932) - v.40 (1957)" in csv_text
    # A title linked to a catalog record: its copy carries the 583, the record as sent is left alone.
    record = SourceRecord.objects.filter(library=lib_a, deleted=False).first()
    raw_before = bytes(record.raw)
    linked = services.add_title(None, title.plan, title="Linked", record=record)
    services.assign_role(None, linked, lib_b, "associated", materials="v.1-")
    response = client_for(None).get(reverse("conservation:export-marc", args=[title.plan_id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/marc"
    records = list(pymarc.MARCReader(io.BytesIO(response.content), to_unicode=True, force_utf8=True))
    assert len(records) == 2
    by_title = {r.get_fields("583")[0]["5"]: r for r in records}
    pole = by_title["LIBA"].get_fields("583")[0]
    assert pole["a"] == "committed to retain" and pole["c"] == "20240115" and pole["d"] == "20491231"
    assert pole["f"] == "PCChimie" and by_title["LIBA"]["022"]["a"] == "0018-019X"
    copy = by_title["LIBB"]
    assert copy["001"].data.strip() == record.local_id and copy.get_fields("583")[0]["3"] == "v.1-"
    record.refresh_from_db()
    assert bytes(record.raw) == raw_before
    assert not read_bytes(raw_before)[0].get_fields("583")


def test_withdrawing_a_committed_copy_needs_a_confirmation(users, lib_a, plan, catalog):
    holding = Holding.objects.filter(library=lib_a).select_related("record").order_by("id").first()
    linked = services.add_title(None, plan, title="Serial", record=holding.record)
    services.assign_role(None, linked, lib_a, "pole")
    client = client_for(users["cataloguer_a"])
    url = reverse("staff:holding-edit", args=[holding.pk])
    data = {"call_number": holding.call_number, "barcode": holding.barcode, "location": "", "status": "lost"}
    warned = client.post(url, data)
    assert warned.status_code == 409
    assert "committed to retain this serial as conservation pole of the conservation plan Chimie" in (
        warned.content.decode().replace("\n", " ")
    )
    holding.refresh_from_db()
    assert holding.status != "lost"
    assert client.post(url, {**data, "confirm": "yes"}).status_code == 302
    holding.refresh_from_db()
    assert holding.status == "lost"


def test_other_edits_and_uncommitted_copies_need_no_confirmation(users, lib_a, lib_b, plan, catalog):
    holding = Holding.objects.filter(library=lib_a).select_related("record").order_by("id").first()
    linked = services.add_title(None, plan, title="Serial", record=holding.record)
    services.assign_role(None, linked, lib_b, "pole")  # another library's commitment
    client = client_for(users["cataloguer_a"])
    data = {"call_number": "NEW", "barcode": "", "location": "", "status": "lost"}
    assert client.post(reverse("staff:holding-edit", args=[holding.pk]), data).status_code == 302


def test_the_api_refuses_to_withdraw_a_committed_copy_without_a_person_confirming(
    users, lib_a, plan, catalog
):
    from khizana.api.services import ApiError, change_holding

    holding = Holding.objects.filter(library=lib_a).select_related("record").order_by("id").first()
    linked = services.add_title(None, plan, title="Serial", record=holding.record)
    services.assign_role(None, linked, lib_a, "associated")
    with pytest.raises(ApiError) as refused:
        change_holding(users["cataloguer_a"], holding.pk, {"status": "lost"})
    assert refused.value.status == 409 and "committed to retain" in refused.value.detail
    holding.refresh_from_db()
    assert holding.status != "lost"


def test_staff_pages_and_the_menu(users, lib_a, title):
    pages = [
        reverse("conservation-staff:plans"),
        reverse("conservation-staff:plan-create"),
        reverse("conservation-staff:plan", args=[title.plan_id]),
        reverse("conservation-staff:title", args=[title.pk]),
    ]
    for url in pages:
        anonymous = client_for(None).get(url)
        assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("accounts:login"))
        assert client_for(users["reader"]).get(url).status_code == 403
        page = client_for(users["cataloguer_b"]).get(url)
        assert page.status_code == 200
        assert 'href="/staff/heritage/conservation/"' in page.content.decode()  # the Heritage menu entry
    not_theirs = client_for(users["cataloguer_b"]).get(reverse("conservation-staff:title", args=[title.pk]))
    assert "Assign a conservation role" not in not_theirs.content.decode()
    theirs = client_for(users["cataloguer_a"]).get(reverse("conservation-staff:title", args=[title.pk]))
    assert "Assign a conservation role" in theirs.content.decode()
    assert (
        client_for(users["cataloguer_a"]).get(reverse("conservation-staff:role", args=[title.pk])).status_code
        == 405
    )
