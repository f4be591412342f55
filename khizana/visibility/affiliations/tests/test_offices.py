"""Research offices' accounts scoped to their institution, over HTTP: each sees and corrects its own
reports only; forged requests (another office, a reader, anonymous, no CSRF token) change nothing.
Network administrators create the accounts on a page or with ``khizana affiliations office``."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from khizana.accounts.models import AuditEntry
from khizana.testing import make_user
from khizana.visibility.affiliations.figures import address_key
from khizana.visibility.models import AffiliationReport, Correction, InstitutionName, ResearchOffice

from .conftest import CADI_AYYAD, HOME, MOHAMMED_V, UNKNOWN, client_for, upload

pytestmark = pytest.mark.django_db
KEY = address_key(UNKNOWN)
LINK = {"institution": CADI_AYYAD, "written": "Ecole Zeta des Mines"}


def test_an_office_upload_is_its_institution_report_and_only_it_sees_it(report_a, people, office_registry):
    assert report_a.owner == office_registry["cadi"] and report_a.created_by == people["officer_a"]
    own = client_for(people["officer_a"]).get(HOME).content.decode()
    assert (
        f'href="{HOME}{report_a.pk}/"' in own and "You see the reports of <bdi>Cadi Ayyad University" in own
    )
    upload(client_for(people["officer_b"]), name="um5.csv")
    report_b = AffiliationReport.objects.exclude(pk=report_a.pk).get()
    assert report_b.owner == office_registry["um5"]
    listing = client_for(people["officer_b"]).get(HOME).content.decode()
    assert f'href="{HOME}{report_b.pk}/"' in listing and f'href="{HOME}{report_a.pk}/"' not in listing
    staff = client_for(people["cataloguer"]).get(HOME).content.decode()  # staff read every report
    assert f'href="{HOME}{report_a.pk}/"' in staff and f'href="{HOME}{report_b.pk}/"' in staff
    reader_page = client_for(people["reader_a"]).get(HOME)  # the office's reader reads, sends nothing
    assert (
        reader_page.status_code == 200 and 'enctype="multipart/form-data"' not in reader_page.content.decode()
    )
    assert f'href="{HOME}{report_a.pk}/"' in reader_page.content.decode()
    assert upload(client_for(people["reader_a"])).status_code == 403
    assert AffiliationReport.objects.count() == 2


@pytest.mark.parametrize("who", ["officer_b", "reader"])
def test_another_institution_report_is_refused(report_a, people, who):
    client = client_for(people[who])
    for path in ("", "addresses/", f"addresses/{KEY}/", "corrections.csv", "report.csv"):
        assert client.get(f"{HOME}{report_a.pk}/{path}").status_code == 403, path
    for path in (f"addresses/{KEY}/link/", f"addresses/{KEY}/new/", "again/"):
        assert client.post(f"{HOME}{report_a.pk}/{path}", LINK).status_code == 403, path
    assert client.get(f"{HOME}progress/{report_a.owner_id}/").status_code == 403
    assert not Correction.objects.exists() and AffiliationReport.objects.get().analyses == 1


def test_anonymous_requests_go_to_sign_in_and_change_nothing(report_a):
    client = client_for()
    for path in ("", f"{report_a.pk}/", f"{report_a.pk}/addresses/", "progress/", "offices/", "corrections/"):
        response = client.get(f"{HOME}{path}")
        assert response.status_code == 302 and "/login" in response["Location"], path
    response = client.post(f"{HOME}{report_a.pk}/addresses/{KEY}/link/", LINK)
    assert response.status_code == 302 and "/login" in response["Location"]
    assert not Correction.objects.exists()


def test_a_forged_request_without_the_csrf_token_is_refused(report_a, people):
    client = client_for(people["officer_a"], csrf=True)
    assert client.post(f"{HOME}{report_a.pk}/addresses/{KEY}/link/", LINK).status_code == 403
    assert client.post(f"{HOME}{report_a.pk}/again/").status_code == 403
    assert not Correction.objects.exists()
    page = client.get(f"{HOME}{report_a.pk}/addresses/{KEY}/")  # the page's own form carries the token
    token = page.cookies["csrftoken"].value
    response = client.post(
        f"{HOME}{report_a.pk}/addresses/{KEY}/link/", {**LINK, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and Correction.objects.count() == 1


def test_undo_is_the_office_own_or_a_registry_editor(report_a, people):
    client_for(people["officer_a"]).post(f"{HOME}{report_a.pk}/addresses/{KEY}/link/", LINK)
    correction = Correction.objects.get()
    for who in ("officer_b", "reader_a", "reader", "cataloguer"):
        assert client_for(people[who]).post(f"{HOME}corrections/{correction.pk}/undo/").status_code == 403, (
            who
        )
    correction.refresh_from_db()
    assert correction.in_force and InstitutionName.objects.filter(value="Ecole Zeta des Mines").exists()
    assert client_for(people["officer_b"]).get(f"{HOME}corrections/").content.decode().count(UNKNOWN) == 0
    assert client_for(people["reader_a"]).get(f"{HOME}corrections/").content.decode().count(UNKNOWN) == 1
    response = client_for(people["library_admin"]).post(f"{HOME}corrections/{correction.pk}/undo/")
    assert response.status_code == 302
    correction.refresh_from_db()
    assert correction.undone_by == people["library_admin"]


def test_staff_correct_any_report_but_a_cataloguer_reads_only(report_a, people):
    cataloguer = client_for(people["cataloguer"])
    assert cataloguer.get(f"{HOME}{report_a.pk}/addresses/{KEY}/").status_code == 200
    assert cataloguer.post(f"{HOME}{report_a.pk}/addresses/{KEY}/link/", LINK).status_code == 403
    admin = client_for(people["network_admin"])
    assert admin.post(f"{HOME}{report_a.pk}/addresses/{KEY}/link/", LINK).status_code == 302
    assert Correction.objects.get().created_by == people["network_admin"]


def test_a_staff_upload_naming_an_institution_is_its_report(people, office_registry):
    upload(client_for(people["cataloguer"]), institution=MOHAMMED_V)
    report = AffiliationReport.objects.get()
    assert report.owner == office_registry["um5"] and report.summary["publications"] == 1
    assert client_for(people["officer_b"]).get(f"{HOME}{report.pk}/").status_code == 200
    assert client_for(people["officer_a"]).get(f"{HOME}{report.pk}/").status_code == 403


def test_network_administrators_create_office_accounts_on_their_page(people, office_registry):
    page = f"{HOME}offices/"
    for who in ("library_admin", "cataloguer", "officer_a", "reader"):
        assert client_for(people[who]).get(page).status_code == 403, who
    assert client_for(people["library_admin"]).post(page, {"username": "x"}).status_code == 403
    admin = client_for(people["network_admin"])
    listing = admin.get(page).content.decode()
    assert "bureau_cadi" in listing and "Cadi Ayyad University" in listing
    form = {
        "username": "bureau_um5_2",
        "email": "recherche@um5.ac.ma",
        "password1": "Un-long-mot-de-passe-2024",
        "password2": "Un-long-mot-de-passe-2024",
        "institution": "00r8w8f84",
        "role": "reader",
    }
    assert admin.post(page, {**form, "institution": "local:nowhere"}).status_code == 400
    response = admin.post(page, form)
    assert response.status_code == 302
    office = ResearchOffice.objects.get(user__username="bureau_um5_2")
    assert office.institution == office_registry["um5"] and office.role == "reader"
    assert office.created_by == people["network_admin"]
    assert AuditEntry.objects.filter(action="research-office-add", target="bureau_um5_2").exists()
    assert office.user.check_password(form["password1"]) and office.user.email == "recherche@um5.ac.ma"
    signed_in = client_for(office.user)
    assert signed_in.get(HOME).status_code == 200
    response = admin.post(f"{page}{office.pk}/remove/")
    assert response.status_code == 302 and not ResearchOffice.objects.filter(pk=office.pk).exists()
    assert signed_in.get(HOME).status_code == 403  # the account stays, without the office's reports


def test_the_office_command(office_registry, people, monkeypatch):
    out = io.StringIO()
    monkeypatch.setenv("KHIZANA_OFFICE_PASSWORD", "Un-long-mot-de-passe-2024")
    call_command("affiliations", "office", "add", "recherche_cadi", "04xf6nm78", stdout=out)
    office = ResearchOffice.objects.get(user__username="recherche_cadi")
    assert office.institution == office_registry["cadi"] and office.role == "officer"
    assert get_user_model().objects.get(username="recherche_cadi").check_password("Un-long-mot-de-passe-2024")
    assert "officer of the research office of Cadi Ayyad University" in out.getvalue()
    call_command(
        "affiliations", "office", "add", "recherche_cadi", MOHAMMED_V, "--role", "reader", stdout=out
    )
    office.refresh_from_db()
    assert office.institution == office_registry["um5"] and office.role == "reader"
    make_user("catalogueur_b", "cataloguer", people["cataloguer"].membership.library)
    with pytest.raises(CommandError, match="is a member of staff"):
        call_command("affiliations", "office", "add", "catalogueur_b", CADI_AYYAD, stdout=out)
    with pytest.raises(CommandError, match="not in the registry"):
        call_command("affiliations", "office", "add", "recherche_cadi", "local:nowhere", stdout=out)
    listing = io.StringIO()
    call_command("affiliations", "office", "list", stdout=listing)
    assert f"recherche_cadi\treader\t{MOHAMMED_V}\tMohammed V University" in listing.getvalue()
    call_command("affiliations", "office", "remove", "recherche_cadi", stdout=out)
    assert not ResearchOffice.objects.filter(user__username="recherche_cadi").exists()
    with pytest.raises(CommandError, match="no research office account"):
        call_command("affiliations", "office", "remove", "recherche_cadi", stdout=out)
    monkeypatch.delenv("KHIZANA_OFFICE_PASSWORD")
    call_command("affiliations", "office", "add", "sans_mot", CADI_AYYAD, "--no-password", stdout=out)
    assert not get_user_model().objects.get(username="sans_mot").has_usable_password()
