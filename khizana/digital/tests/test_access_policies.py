"""Access policies (open, members, on site, licensed), the usage events and their 30-second double-click
rule, and the admin of on-site ranges and licences (validation, library scoping)."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import RequestFactory
from django.utils import timezone

from khizana.accounts.models import Role
from khizana.digital.access import can_read
from khizana.digital.admin import LicenceForm, OnSiteNetworkForm
from khizana.digital.lending import loans
from khizana.digital.models import DigitalItem, Licence, OnSiteNetwork, UsageEvent
from khizana.digital.tests.loans_support import make_item, make_licence, make_member
from khizana.digital.usage import record_usage

pytest_plugins = ["khizana.digital.tests.loans_support"]  # its fixtures: store, lib_a, lib_b, item


def request_for(user=None, address="10.0.0.1", session=None):
    request = RequestFactory().get("/", REMOTE_ADDR=address)
    request.user = user or AnonymousUser()
    request.session = session if session is not None else SessionStore()
    return request


def reasons(item, *requests):
    return [(bool(d), d.reason) for d in (can_read(r, item) for r in requests)]


def test_open_and_members_items(store, lib_a, lib_b):
    open_item = make_item(lib_a, "O", access=DigitalItem.Access.OPEN)
    members = make_item(lib_a, "M", access=DigitalItem.Access.MEMBERS)
    reader, other = make_member(lib_a, "ahmed"), make_member(lib_b, "other")
    admin = make_member(None, "network", role=Role.NETWORK_ADMIN)
    assert reasons(open_item, request_for()) == [(True, "open")]
    assert reasons(members, request_for(), request_for(other), request_for(reader), request_for(admin)) == [
        (False, "login_required"),
        (False, "not_member"),
        (True, "member"),
        (True, "member"),
    ]


def test_on_site_by_the_librarys_address_ranges_or_membership(store, lib_a, lib_b):
    item = make_item(lib_a, "S", access=DigitalItem.Access.ON_SITE)
    OnSiteNetwork.objects.create(library=lib_a, cidr="196.200.128.0/20")
    OnSiteNetwork.objects.create(library=lib_a, cidr="2001:db8:1::/48")
    OnSiteNetwork.objects.create(library=lib_a, cidr="not a range")  # stored by hand: skipped, never fatal
    OnSiteNetwork.objects.create(library=lib_b, cidr="10.0.0.0/8")  # another library's range
    assert reasons(
        item,
        request_for(address="196.200.140.9"),
        request_for(address="2001:db8:1:5::1"),
        request_for(address="196.200.144.1"),
        request_for(address="10.1.2.3"),
        request_for(make_member(lib_b, "other"), address="8.8.8.8"),
        request_for(make_member(lib_a, "ahmed"), address="8.8.8.8"),
    ) == [
        (True, "on_site"),
        (True, "on_site"),
        (False, "off_site"),
        (False, "off_site"),
        (False, "off_site"),
        (True, "member"),
    ]


def test_on_site_over_http(client, store, lib_a):
    item = make_item(lib_a, "S", access=DigitalItem.Access.ON_SITE)
    OnSiteNetwork.objects.create(library=lib_a, cidr="196.200.128.0/20")
    inside = client.get(f"/digital/{item.pk}/content", REMOTE_ADDR="196.200.129.1")
    assert inside.status_code == 200
    assert client.get(f"/digital/{item.pk}/content", REMOTE_ADDR="41.250.1.1").status_code in (401, 403)
    # Read on site, never carried away.
    assert client.get(f"/digital/{item.pk}/download", REMOTE_ADDR="196.200.129.1").status_code == 403


def test_licensed_items_need_a_current_loan(store, lib_a, lib_b):
    item = make_item(lib_a, "L")
    make_licence(item, max_loan_days=7)
    reader, other = make_member(lib_a, "ahmed"), make_member(lib_a, "badia")
    admin = make_member(None, "network", role=Role.NETWORK_ADMIN)
    assert reasons(
        item, request_for(), request_for(make_member(lib_b, "x")), request_for(reader), request_for(admin)
    ) == [(False, "login_required"), (False, "not_member"), (False, "no_loan"), (True, "staff")]
    loan = loans.borrow(reader, item)
    decision = can_read(request_for(reader), item)
    assert decision and decision.reason == "loan" and decision.loan == loan
    assert not can_read(request_for(other), item)  # the loan is the borrower's alone
    loans.return_loan(reader, loan.pk)
    assert reasons(item, request_for(reader)) == [(False, "no_loan")]
    old = loans.borrow(reader, item, now=timezone.now() - timedelta(days=8))
    assert old.due_at < timezone.now() and old.returned_at is None
    assert reasons(item, request_for(reader)) == [(False, "no_loan")]  # ended by the clock


def test_usage_double_click_rule(store, lib_a):
    item = make_item(lib_a, "U", access=DigitalItem.Access.OPEN)
    reader = make_member(lib_a, "ahmed")
    first = record_usage(request_for(reader), item, "read")
    again = record_usage(request_for(reader), item, "read")
    assert again.pk == first.pk and again.occurred_at >= first.occurred_at  # the later click is kept
    assert record_usage(request_for(reader), item, "download").pk != first.pk  # another action
    assert record_usage(request_for(reader), item, "read", page=2).pk != first.pk  # another page
    UsageEvent.objects.filter(pk=first.pk).update(occurred_at=timezone.now() - timedelta(seconds=31))
    assert record_usage(request_for(reader), item, "read").pk != first.pk  # 31 s later: a new event
    assert UsageEvent.objects.filter(item=item, action="read", page=None).count() == 2

    one, two = SessionStore(), SessionStore()
    one.create(), two.create()  # anonymous clients that have a session are told apart by it
    anonymous = [record_usage(request_for(session=s), item, "view") for s in (one, one, two)]
    assert anonymous[0].pk == anonymous[1].pk != anonymous[2].pk
    assert anonymous[0].user is None and anonymous[0].session_key == one.session_key
    # Those without one get none: told apart by address and browser (hashed, with the date and hour).
    sessions = Session.objects.count()
    addresses = ("10.0.0.7", "10.0.0.7", "10.0.0.8")
    sessionless = [record_usage(request_for(address=a), item, "download") for a in addresses]
    assert sessionless[0].pk == sessionless[1].pk != sessionless[2].pk
    assert sessionless[0].session_key.startswith("client:") and "10.0.0" not in sessionless[0].session_key
    assert Session.objects.count() == sessions
    event = UsageEvent.objects.get(pk=first.pk)
    assert (event.is_request, event.access_type, event.user_library_id) == (True, "Open", lib_a.pk)
    assert not anonymous[0].is_request and event.work_id == item.record.work_id


def test_on_site_range_form_checks_and_normalises():
    def form(cidr):
        return OnSiteNetworkForm(data={"cidr": cidr})

    checked = form(" 196.200.130.7/20 ")
    checked.is_valid()
    assert checked.cleaned_data["cidr"] == "196.200.128.0/20"
    for bad in ("not-a-range", "300.1.1.1/24", "0.0.0.0/0", "2001::/8"):
        errors = form(bad).errors.get("cidr")
        assert errors, bad


def test_licence_form_checks_dates_counts_access_and_library(store, lib_a, lib_b):
    licensed = make_item(lib_a, "L")
    members = make_item(lib_a, "M", access=DigitalItem.Access.MEMBERS)
    elsewhere = make_item(lib_b, "B")

    def errors(item, user=None, **data):
        fields = {"item": item.pk, "concurrent_loans": 2, "max_loan_days": 21, "total_loans": 10, **data}
        form_class = type("Form", (LicenceForm,), {"staff_user": user})
        return form_class(data=fields).errors

    assert errors(licensed) == {}
    assert "ends_on" in errors(licensed, starts_on="2026-05-01", ends_on="2026-04-01")
    assert "concurrent_loans" in errors(licensed, concurrent_loans=0)
    assert "max_loan_days" in errors(licensed, max_loan_days=0)
    assert "total_loans" in errors(licensed, total_loans=0)
    assert "item" in errors(members)
    cataloguer = make_member(lib_a, "cat", role=Role.CATALOGUER)
    assert "item" in errors(elsewhere, cataloguer)
    assert errors(licensed, cataloguer) == {}


def test_admin_lists_only_the_staff_members_library(client, store, lib_a, lib_b):
    make_licence(make_item(lib_a, "A1"), reference="ORDER-A")
    make_licence(make_item(lib_b, "B1"), reference="ORDER-B")
    OnSiteNetwork.objects.create(library=lib_a, cidr="196.200.128.0/20")
    OnSiteNetwork.objects.create(library=lib_b, cidr="41.248.0.0/16")
    cataloguer = make_member(lib_a, "cat", role=Role.CATALOGUER)
    cataloguer.is_staff = True  # "staff status": may enter /admin/
    cataloguer.save()
    client.force_login(cataloguer)
    licences_page = client.get("/admin/digital/licence/").content.decode()
    assert "ORDER-A" in licences_page and "ORDER-B" not in licences_page
    ranges = client.get("/admin/digital/onsitenetwork/").content.decode()
    assert "196.200.128.0/20" in ranges and "41.248.0.0/16" not in ranges
    other = Licence.objects.get(reference="ORDER-B")
    assert client.get(f"/admin/digital/licence/{other.pk}/change/").status_code in (302, 403, 404)

    response = client.post("/admin/digital/onsitenetwork/add/", {"library": lib_b.pk, "cidr": "10.0.0.0/8"})
    assert response.status_code == 200 and not OnSiteNetwork.objects.filter(cidr="10.0.0.0/8").exists()
    item = make_item(lib_a, "A2")
    created = client.post(
        "/admin/digital/licence/add/",
        {
            "item": item.pk,
            "reference": "NEW",
            "total_loans": 20,
            "concurrent_loans": 2,
            "max_loan_days": 14,
            "starts_on": "2026-01-01",
            "ends_on": "2027-01-01",
        },
    )
    assert created.status_code == 302
    licence = Licence.objects.get(reference="NEW")
    assert (licence.item, licence.total_loans, licence.loans_used, licence.ends_on) == (
        item,
        20,
        0,
        date(2027, 1, 1),
    )
    from khizana.accounts.models import AuditEntry

    assert AuditEntry.objects.filter(action="licence", library=lib_a).exists()
