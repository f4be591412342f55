"""Membership verification over HTTP: an unverified reader may search and ask, nothing more; the library's
staff (and nobody else) confirm or withdraw it; the member file vouches for readers it holds."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from khizana.accounts.models import AuditEntry, MemberRecord, Membership, Role, Verification
from khizana.digital.models import DigitalItem
from khizana.digital.tests.loans_support import PDF, make_item, make_licence
from khizana.testing import PASSWORD, make_user

MEMBER_FILE = (
    "cardnumber,surname,firstname,email,dateexpiry,categorycode\n"
    "A-100,Benali,Amina,amina@example.org,2099-12-31,ADULT\n"
    "A-101,El Idrissi,Karim,,2099-12-31,STUDENT\n"
    "A-102,Zerhouni,Salma,salma@example.org,2001-01-31,ADULT\n"  # expired
)


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"  # the messages asserted below are the English ones


@pytest.fixture
def store(settings, tmp_path):
    settings.KHIZANA_DIGITAL_STORE = tmp_path / "digital"
    return settings.KHIZANA_DIGITAL_STORE


@pytest.fixture
def items(store, lib_a):
    members_only = make_item(lib_a, "M-1", access=DigitalItem.Access.MEMBERS)
    licensed = make_item(lib_a, "L-1", access=DigitalItem.Access.LICENSED)
    make_licence(licensed, starts_on=date(2020, 1, 1), ends_on=date(2099, 1, 1))
    return {"members": members_only, "licensed": licensed}


def register(client, library, username="amina", number="A-100", surname="Benali", email=None):
    data = {
        "username": username,
        "email": email or f"{username}@example.org",
        "last_name": surname,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "membership_number": number,
        "home_library": library.pk,
    }
    response = client.post(reverse("accounts:register"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Membership.objects.get(user__username=username)


def load_file(client, library, text: str, name="members.csv", **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text)
    return client.post(reverse("staff:member-file"), {"library": library.pk, "file": upload, **extra})


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_unverified_reader_searches_and_asks_but_reads_and_borrows_nothing(client, lib_a, items):
    membership = register(client, lib_a, number="Z-999")
    assert not membership.is_verified
    assert client.get("/search?q=habibi").status_code == 200
    content = client.get(f"/digital/{items['members'].pk}/content")
    assert content.status_code == 403 and "verif" in content.content.decode().lower()
    page = client.get(f"/digital/{items['members'].pk}/")
    assert reverse("accounts:account") in page.content.decode()
    borrow = client.post(f"/digital/{items['licensed'].pk}/borrow/confirm")
    assert borrow.status_code == 403
    assert not items["licensed"].loans.exists()
    waitlist = client.post(f"/digital/{items['licensed'].pk}/waitlist/join")
    assert waitlist.status_code == 403 and not items["licensed"].waitlist.exists()
    asked = client.post(reverse("accounts:ask-verification"), {"note": "Carte perdue, inscrite en 2024"})
    assert asked.status_code == 302
    membership.refresh_from_db()
    assert membership.verification_requested_at and "2024" in membership.verification_note
    assert not membership.is_verified


def test_staff_of_the_library_confirm_and_withdraw(client, lib_a, items):
    membership = register(client, lib_a, number="Z-999")
    client.post(reverse("accounts:ask-verification"))
    staff = staff_client(make_user("catalogueur_a", Role.CATALOGUER, lib_a))
    waiting = staff.get(reverse("staff:members"))
    assert waiting.status_code == 200 and "amina" in waiting.content.decode()
    assert staff.post(reverse("staff:member-verify", args=[membership.pk])).status_code == 302
    membership.refresh_from_db()
    assert membership.is_verified and membership.verified_by == Verification.STAFF
    assert AuditEntry.objects.filter(action="member_verified", library=lib_a).exists()
    content = client.get(f"/digital/{items['members'].pk}/content")
    assert content.status_code == 200
    assert client.post(f"/digital/{items['licensed'].pk}/borrow/confirm").status_code == 302
    assert items["licensed"].loans.count() == 1

    assert staff.post(reverse("staff:member-withdraw", args=[membership.pk])).status_code == 302
    membership.refresh_from_db()
    assert not membership.is_verified
    assert client.get(f"/digital/{items['members'].pk}/content").status_code == 403


@pytest.mark.parametrize("who", ["anonymous", "reader_itself", "other_reader", "cataloguer_b", "admin_b"])
def test_forged_confirmations_are_refused(client, lib_a, lib_b, items, who):
    membership = register(client, lib_a, number="Z-999")
    forger = {
        "anonymous": None,
        "reader_itself": membership.user,
        "other_reader": make_user("voisin", Role.READER, lib_a),
        "cataloguer_b": make_user("catalogueur_b", Role.CATALOGUER, lib_b),
        "admin_b": make_user("admin_b", Role.LIBRARY_ADMIN, lib_b),
    }[who]
    forged = Client() if forger is None else staff_client(forger)
    response = forged.post(reverse("staff:member-verify", args=[membership.pk]))
    assert response.status_code in (302, 403)
    if forger is None:
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == 403
    listing = forged.get(reverse("staff:members") + "?state=all")
    assert "Z999" not in listing.content.decode()
    membership.refresh_from_db()
    assert not membership.is_verified


def test_a_confirmation_without_the_csrf_token_is_refused(lib_a):
    reader = make_user("amina", Role.READER, lib_a, verified=False)
    staff = Client(enforce_csrf_checks=True)
    staff.force_login(make_user("catalogueur_a", Role.CATALOGUER, lib_a))
    response = staff.post(reverse("staff:member-verify", args=[reader.membership.pk]))
    assert response.status_code == 403
    reader.membership.refresh_from_db()
    assert not reader.membership.is_verified


def test_the_member_file_vouches_for_the_readers_it_holds(client, lib_a, items):
    holder = register(client, lib_a, "amina", "A 100", surname="BENALI")  # spaces, case: the same card
    client.logout()
    stranger = register(client, lib_a, "intrus", "A-101", surname="Dupont")  # the card of someone else
    client.logout()
    expired = register(client, lib_a, "salma", "A-102", surname="Zerhouni")
    staff = staff_client(make_user("catalogueur_a", Role.CATALOGUER, lib_a))
    page = load_file(staff, lib_a, MEMBER_FILE)
    assert page.status_code == 200 and page.context["result"].created == 3
    assert page.context["result"].verified == ["amina"]
    for membership, verified in [(holder, True), (stranger, False), (expired, False)]:
        membership.refresh_from_db()
        assert membership.is_verified is verified, membership.user.username
    holder.refresh_from_db()
    assert holder.verified_by == Verification.MEMBER_FILE

    # a reader whose card is already in the file is verified as they register
    client.logout()
    owner = register(client, lib_a, "karim", "a-101", surname="El-Idrissi")
    assert owner.is_verified

    # a full load without amina's card withdraws the member file's word; add-only keeps the others
    smaller = "cardnumber;surname\nA-101;El Idrissi\n"
    result = load_file(staff, lib_a, smaller).context["result"]
    assert result.removed == 2 and result.unverified == ["amina"]
    holder.refresh_from_db()
    assert not holder.is_verified
    added = load_file(staff, lib_a, MEMBER_FILE, add_only="on").context["result"]
    assert added.removed == 0 and added.verified == ["amina"]
    assert MemberRecord.objects.filter(library=lib_a).count() == 3


def test_a_card_claimed_first_by_someone_else_does_not_keep_its_owner_out(client, lib_a):
    staff = staff_client(make_user("catalogueur_a", Role.CATALOGUER, lib_a))
    load_file(staff, lib_a, MEMBER_FILE)
    squatter = register(client, lib_a, "intrus", "A-100", surname="Dupont")
    client.logout()
    assert not squatter.is_verified
    owner = register(client, lib_a, "amina", "A-100", surname="Benali")
    owner.refresh_from_db()
    assert owner.is_verified
    # the card is now held: staff cannot verify the squatter for it
    refused = staff.post(reverse("staff:member-verify", args=[squatter.pk]), follow=True)
    assert "already held" in refused.content.decode()
    squatter.refresh_from_db()
    assert not squatter.is_verified


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "empty"),
        (b"nom,prenom\nBenali,Amina\n", "no card number column"),
        (b"\x00\x01\x02binary" * 10, "not a text file"),
        (b"PK\x03\x04 not really a workbook", "not a readable Excel workbook"),
        (b"cardnumber,dateexpiry\n,2025-01-01\nX1,31/02/2025\n", "holds no member"),
    ],
)
def test_a_bad_member_file_says_why_and_changes_nothing(lib_a, content, expected):
    MemberRecord.objects.create(library=lib_a, number="KEEP")
    staff = staff_client(make_user("catalogueur_a", Role.CATALOGUER, lib_a))
    page = load_file(staff, lib_a, content, name="adherents.csv")
    assert page.status_code == 200 and page.context["result"] is None
    errors = " ".join(page.context["form"].errors["file"])
    assert "adherents.csv" in errors and expected in errors
    assert list(MemberRecord.objects.values_list("number", flat=True)) == ["KEEP"]


def test_refused_rows_are_listed_with_their_lines(lib_a):
    staff = staff_client(make_user("catalogueur_a", Role.CATALOGUER, lib_a))
    text = (
        "cardnumber,email,dateexpiry\nA1,a@example.org,2030-01-01\n,x@example.org,\nA2,pas-une-adresse,\n"
        "A1,,\n"
    )
    page = load_file(staff, lib_a, text)
    assert page.context["result"].created == 1
    problems = dict(page.context["problems"])
    assert set(problems) == {3, 4, 5}
    assert "line 2" in problems[5] or "2" in problems[5]


def test_another_library_staff_cannot_load_a_member_file_for_this_one(lib_a, lib_b):
    staff_b = staff_client(make_user("catalogueur_b", Role.CATALOGUER, lib_b))
    page = load_file(staff_b, lib_a, MEMBER_FILE)
    assert page.status_code == 200 and "library" in page.context["form"].errors
    assert not MemberRecord.objects.exists()
    reader = staff_client(make_user("lecteur", Role.READER, lib_a))
    assert load_file(reader, lib_a, MEMBER_FILE).status_code == 403


def test_the_command_line_loads_and_refuses_with_clear_errors(lib_a, tmp_path, capsys):
    good = tmp_path / "adherents.csv"
    good.write_text(MEMBER_FILE.replace(",", ";"), encoding="cp1256")
    call_command("members", "load", "LIBA", str(good), "--report", str(tmp_path / "refused.csv"))
    assert MemberRecord.objects.filter(library=lib_a).count() == 3
    assert "3 cards added" in capsys.readouterr().out
    with pytest.raises(CommandError, match="NOPE: no library has this code"):
        call_command("members", "load", "NOPE", str(good))
    with pytest.raises(CommandError, match=r"missing\.csv"):
        call_command("members", "load", "LIBA", str(tmp_path / "missing.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_text("name\nx\n")
    with pytest.raises(CommandError, match="no card number column"):
        call_command("members", "load", "LIBA", str(bad))


def test_expired_cards_lose_the_member_file_verification(lib_a):
    reader = make_user("amina", Role.READER, lib_a, verified=False, last_name="Benali")
    reader.membership.membership_number = "A100"
    reader.membership.verified_at = timezone.now()
    reader.membership.verified_by = Verification.MEMBER_FILE
    reader.membership.save()
    record = MemberRecord.objects.create(library=lib_a, number="A100", surname="Benali")
    from khizana.accounts.verification import recheck_expired_cards

    assert recheck_expired_cards() == 0
    record.expires_on = timezone.localdate() - timedelta(days=1)
    record.save()
    assert recheck_expired_cards() == 1
    reader.membership.refresh_from_db()
    assert not reader.membership.is_verified


def test_staff_accounts_need_no_verification(store, lib_a):
    item = make_item(lib_a, "M-2", access=DigitalItem.Access.MEMBERS)
    staff = staff_client(make_user("catalogueur_a", Role.CATALOGUER, lib_a))
    assert staff.get(f"/digital/{item.pk}/content").status_code == 200
    assert PDF.exists()


def test_the_nightly_job_withdraws_expired_cards(lib_a):
    from huey.contrib.djhuey import HUEY

    from khizana.accounts.tasks import withdraw_expired_cards

    reader = make_user("amina", Role.READER, lib_a, verified=False, last_name="Benali")
    Membership.objects.filter(pk=reader.membership.pk).update(
        membership_number="A100", verified_at=timezone.now(), verified_by=Verification.MEMBER_FILE
    )
    MemberRecord.objects.create(
        library=lib_a, number="A100", surname="Benali", expires_on=timezone.localdate() - timedelta(days=3)
    )
    from datetime import datetime

    due = HUEY.read_periodic(datetime(2026, 3, 2, 3, 41))
    assert any(isinstance(task, withdraw_expired_cards.task_class) for task in due)
    withdraw_expired_cards.call_local()
    reader.membership.refresh_from_db()
    assert not reader.membership.is_verified
