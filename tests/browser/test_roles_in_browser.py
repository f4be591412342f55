"""Each role in a real browser: a reader registers and signs in, a cataloguer and a library administrator of
BNRM and the network administrator sign in through the sign-in form and see what their role allows; a
cataloguer meets the 403 page on another library's holding; a file goes through the upload form and its
run page shows the counts. The accounts and staff pages pass axe-core and are translated, in the three
languages."""

import re

import pytest

from tests.support import REPO

from .conftest import LANGUAGES, axe_violations, watch_csp
from .pages import untranslated_text

PASSWORD = "Khizana-browser-2026!"
LIBRARY = "BNRM"
OTHER_LIBRARY = "BNA"
UPLOAD = REPO / "demo" / "records" / LIBRARY / "yaz_marc9.marc"
STAFF = {
    "cat-bnrm": ("cataloguer", LIBRARY),
    "admin-bnrm": ("library_admin", LIBRARY),
    "network-admin": ("network_admin", None),
}


@pytest.fixture(scope="module")
def staff(site):
    """The staff accounts, made the way an operator makes them (the password comes from the environment)."""
    site.env["KHIZANA_STAFF_PASSWORD"] = PASSWORD
    try:
        for username, (role, library) in STAFF.items():
            scope = ["--library", library] if library else []
            site.khizana("create-staff", username, "--role", role, *scope)
    finally:
        del site.env["KHIZANA_STAFF_PASSWORD"]
    return STAFF


@pytest.fixture(scope="module")
def ids(site):
    """A record of BNRM with holdings, and a holding of another library."""

    def first(sql: str) -> int:
        rows = site.query(sql)
        assert rows, sql
        return rows[0][0]

    holdings_of = (
        "SELECT h.id, h.record_id FROM catalog_holding h JOIN libraries_library l ON l.id = h.library_id "
        "WHERE l.code = '{}' ORDER BY h.id LIMIT 1"
    )
    return {
        "library": first(f"SELECT id FROM libraries_library WHERE code = '{LIBRARY}'"),
        "record": site.query(holdings_of.format(LIBRARY))[0][1],
        "other-holding": first(holdings_of.format(OTHER_LIBRARY)),
    }


def sign_in(page, site, username: str, password: str = PASSWORD) -> None:
    page.goto(site.base_url + "/account/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/account/$"))


def column(page, index: int) -> list[str]:
    return page.locator(f"main table tbody tr td:nth-child({index})").all_inner_texts()


def test_a_reader_registers_asks_for_verification_and_the_library_confirms(page_in, site, staff, ids):
    page = page_in("fr")
    page.goto(site.base_url + "/account/register/")
    page.get_by_label("Nom d’utilisateur").fill("lectrice")
    page.get_by_label("Adresse électronique").fill("lectrice@example.org")
    page.locator("#id_last_name").fill("Benali")
    page.get_by_label("Numéro d’adhérent").fill("BNRM-2026-0042")
    page.get_by_label("Bibliothèque d’inscription").select_option(str(ids["library"]))
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/account/$"))
    assert page.get_by_role("status").first.inner_text().startswith("Bienvenue !")
    unverified = page.locator("#membership-status").inner_text()
    page.locator("#id_note").fill("Inscrite au guichet le 2 mars")
    with page.expect_navigation():
        page.locator("section.verification form button[type=submit]").click()
    assert page.locator("section.verification").get_by_role("status").count() == 1

    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(site.base_url + "/")
    sign_in(page, site, "cat-bnrm")
    page.goto(site.base_url + "/staff/members/")
    row = page.locator("tr", has_text="lectrice")
    assert "Inscrite au guichet" in row.inner_text()
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    assert site.query(
        "SELECT m.verified_by FROM accounts_membership m JOIN auth_user u ON u.id = m.user_id"
        " WHERE u.username = 'lectrice'"
    ) == [("staff",)]
    page.goto(site.base_url + "/account/")
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(site.base_url + "/")

    sign_in(page, site, "lectrice")
    account = page.locator("dl.account")
    assert "lectrice" in account.inner_text()
    assert "BNRM20260042" in account.inner_text()
    assert "(BNRM)" in account.inner_text()
    assert "lecteur" in account.inner_text()
    assert page.locator("#membership-status").inner_text() != unverified
    assert page.locator("section.verification").count() == 0
    assert page.get_by_role("link", name="Espace professionnel").count() == 0
    assert page.goto(site.base_url + "/staff/").status == 403


def test_a_cataloguer_sees_only_the_library_and_is_refused_another(page_in, site, staff, ids):
    page = page_in("fr")
    sign_in(page, site, "cat-bnrm")
    assert "catalogueur" in page.locator("dl.account").inner_text()
    page.get_by_role("link", name="Espace professionnel").first.click()
    page.wait_for_url(re.compile(r"/staff/$"))
    assert page.locator("main h2 + ul li").all_inner_texts()[0].endswith(f"({LIBRARY})")
    assert page.locator("main h2 + ul li").count() == 1
    assert page.get_by_role("link", name="Comptes du personnel").count() == 0  # library administrators only

    page.goto(site.base_url + "/staff/imports/")
    libraries = column(page, 2)
    assert libraries and set(libraries) == {LIBRARY}

    response = page.goto(f"{site.base_url}/staff/holdings/{ids['other-holding']}/edit/")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "Accès refusé"
    refusal = "Cet exemplaire appartient à une autre bibliothèque."
    assert page.locator("main").get_by_text(refusal).count() == 1


def test_a_cataloguer_uploads_a_file_and_follows_the_run(page_in, site, staff, ids):
    page = page_in("fr")
    sign_in(page, site, "cat-bnrm")
    page.goto(site.base_url + "/staff/imports/upload/")
    choices = page.get_by_label("Bibliothèque").locator("option")
    assert choices.count() == 1  # the cataloguer's own library only
    assert choices.first.get_attribute("value") == str(ids["library"])
    page.get_by_label("Fichier de catalogue").set_input_files(UPLOAD)
    page.get_by_role("button", name="Importer").click()
    page.wait_for_url(re.compile(r"/staff/imports/\d+/$"))  # the job page sends on to the run once it ran
    assert page.locator("h1").inner_text() == UPLOAD.name
    assert page.locator("dd.status-finished").count() == 1
    read = int(page.locator("td.count-read").inner_text())
    assert read > 0
    unchanged = int(page.locator("td.count-unchanged").inner_text())
    added = int(page.locator("td.count-added").inner_text())
    updated = int(page.locator("td.count-updated").inner_text())
    rejected = int(page.locator("td.count-rejected").inner_text())
    assert unchanged + added + updated + rejected == read


def test_a_library_administrator_manages_the_staff_of_the_library(page_in, site, staff):
    page = page_in("fr")
    sign_in(page, site, "admin-bnrm")
    assert "administrateur de bibliothèque" in page.locator("dl.account").inner_text()
    page.goto(site.base_url + "/staff/")
    page.get_by_role("link", name="Comptes du personnel").click()
    page.wait_for_url(re.compile(r"/staff/users/$"))
    assert "cat-bnrm" in column(page, 1)
    assert set(column(page, 2)) == {LIBRARY}


def test_the_network_administrator_sees_every_library(page_in, site, staff, ids):
    page = page_in("fr")
    sign_in(page, site, "network-admin")
    assert "administrateur du réseau" in page.locator("dl.account").inner_text()
    page.goto(site.base_url + "/staff/")
    libraries = page.locator("main h2 + ul li").all_inner_texts()
    codes = {re.search(r"\((\w+)\)$", text).group(1) for text in libraries}
    every = {code for (code,) in site.query("SELECT code FROM libraries_library")}
    assert codes == every
    page.goto(site.base_url + "/staff/imports/")
    assert len(set(column(page, 2))) > 1
    page.goto(f"{site.base_url}/staff/holdings/{ids['other-holding']}/edit/")
    assert page.locator("h1").inner_text() == "Modifier un exemplaire"


@pytest.mark.parametrize("language", LANGUAGES)
def test_accounts_and_staff_pages_are_accessible_and_translated(page_in, site, staff, ids, language):
    page = page_in(language)
    violations, leftovers, refused = {}, {}, {}
    csp = watch_csp(page)

    def check(name: str, path: str, status: int = 200) -> None:
        response = page.goto(site.base_url + path)
        assert response.status == status, name
        page.wait_for_load_state("load")
        if csp:  # the Content-Security-Policy refused something the page needs
            refused[name] = list(csp)
            csp.clear()
        assert page.locator("html").get_attribute("lang") == language, name
        found = axe_violations(page)
        if found:
            violations[name] = found
        if language != "en":
            text = untranslated_text(page, language)
            if text:
                leftovers[name] = text

    check("sign-in", "/account/login/")
    check("registration", "/account/register/")
    sign_in(page, site, "cat-bnrm")
    check("account", "/account/")
    check("staff-home", "/staff/")
    check("staff-review", "/staff/review/")
    check("staff-imports", "/staff/imports/")
    check("staff-upload", "/staff/imports/upload/")
    check("staff-record", f"/staff/records/{ids['record']}/")
    check("staff-members", "/staff/members/?state=all")
    check("staff-member-file", "/staff/members/file/")
    check("forbidden", f"/staff/holdings/{ids['other-holding']}/edit/", status=403)
    assert refused == {}, refused
    assert violations == {}, violations
    assert leftovers == {}, leftovers
