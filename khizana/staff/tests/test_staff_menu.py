"""The staff menu (staff/_nav.html, on every staff page of every app): one labelled nav landmark, the links
grouped by task under their headings, the page shown marked aria-current="page" and its group open, no
script; the staff accounts only for those who manage them; styles that mirror in Arabic."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from khizana.staff.templatetags.staff_menu import MENU
from khizana.testing import REPO

GROUPS = {
    "catalog": [
        "staff:imports",
        "staff:import-upload",
        "staff:records",
        "staff:works",
        "staff:review-list",
        "ai-staff:subjects",
        "ai-staff:languages",
    ],
    "digital": [
        "digital-staff",
        "digital-staff-alerts",
        "counter-staff:dashboard",
        "counter-staff:reports",
        "counter-staff:credentials",
    ],
    "research": [
        "visibility:registry",
        "visibility:affiliations",
        "visibility:affiliations-progress",
        "visibility:affiliations-corrections",
        "visibility:affiliations-offices",
    ],
    "network": ["harvest:index", "staff:members", "staff:users"],
    "ill": ["ill:staff-supplying", "ill:pick-list", "ill:staff-requesting", "ill:stats", "ill:policy"],
    "eresources": [
        "eresources:staff",
        "eresources:staff-links",
        "eresources:staff-usage",
        "federation:providers",
    ],
    "heritage": [
        "conservation-staff:plans",
        "theses-staff:list",
        "theses-staff:deposit",
        "digitisation-staff:dashboard",
        "digitisation-staff:candidates",
        "digitisation-staff:import",
        "preservation-staff:overview",
    ],
    # shared by the apps of khizana/programmes, each testing its own entries: the menu's list as written
    "programmes": [
        name for key, _heading, entries in MENU if key == "programmes" for name, _label, _who in entries
    ],
}


def client_for(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def menu_of(html: str) -> str:
    navs = re.findall(
        r'<nav aria-label="[^"]+" class="staff-nav">\s*<ul class="staff-menu">.*?</nav>', html, re.S
    )
    assert len(navs) == 1, "one staff menu per page"
    return navs[0]


def groups_of(menu: str) -> dict[str, dict]:
    """key -> {"open": bool, "heading": str, "links": [href...]}"""
    found = {}
    for attrs, key, heading, body in re.findall(
        r'<details([^>]*)>\s*<summary id="staff-menu-(\w+)">([^<]+)</summary>\s*'
        r'<ul aria-labelledby="staff-menu-\2">(.*?)</ul>\s*</details>',
        menu,
        re.S,
    ):
        found[key] = {
            "open": "open" in attrs,
            "heading": heading,
            "links": re.findall(r'href="([^"]+)"', body),
        }
    return found


def current_links(menu: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)" aria-current="page">', menu)


def test_the_menu_groups_the_links_by_task_under_headings(users):
    html = client_for(users["network_admin"]).get(reverse("staff:home")).content.decode()
    menu = menu_of(html)
    assert '<nav aria-label="Staff space" class="staff-nav">' in menu
    groups = groups_of(menu)
    assert list(groups) == list(GROUPS)
    headings = [
        "Catalog",
        "Digital library",
        "Research",
        "Network",
        "Interlibrary loan",
        "Electronic resources",
        "Heritage",
        "Network programmes",
    ]
    assert [g["heading"] for g in groups.values()] == headings
    for key, names in GROUPS.items():
        assert groups[key]["links"] == [reverse(name) for name in names]
    assert "<script" not in menu and "tabindex" not in menu and "style=" not in menu
    # the home page is the current page; no group holds it, so each is closed
    assert current_links(menu) == [reverse("staff:home")]
    assert not any(group["open"] for group in groups.values())


PAGES = [
    ("staff:imports", "catalog"),
    ("staff:import-upload", "catalog"),
    ("staff:records", "catalog"),
    ("staff:works", "catalog"),
    ("staff:review-list", "catalog"),
    ("ai-staff:subjects", "catalog"),
    ("ai-staff:languages", "catalog"),
    ("digital-staff", "digital"),
    ("digital-staff-alerts", "digital"),
    ("counter-staff:dashboard", "digital"),
    ("counter-staff:reports", "digital"),
    ("counter-staff:credentials", "digital"),
    ("visibility:registry", "research"),
    ("visibility:affiliations", "research"),
    ("visibility:affiliations-progress", "research"),
    ("visibility:affiliations-corrections", "research"),
    ("visibility:affiliations-offices", "research"),
    ("harvest:index", "network"),
    ("staff:members", "network"),
    ("staff:users", "network"),
    ("ill:staff-supplying", "ill"),
    ("ill:pick-list", "ill"),
    ("ill:staff-requesting", "ill"),
    ("ill:stats", "ill"),
    ("ill:policy", "ill"),
    ("eresources:staff", "eresources"),
    ("eresources:staff-links", "eresources"),
    ("eresources:staff-usage", "eresources"),
    ("federation:providers", "eresources"),
    ("conservation-staff:plans", "heritage"),
    ("digitisation-staff:dashboard", "heritage"),
    ("preservation-staff:overview", "heritage"),
    ("calls-staff:calls", "programmes"),
    ("events-staff:events", "programmes"),
    ("surveys-staff:surveys", "programmes"),
]


@pytest.mark.parametrize(("name", "group"), PAGES)
def test_the_page_shown_is_marked_and_its_group_open(users, name, group):
    url = reverse(name)
    response = client_for(users["network_admin"]).get(url)
    assert response.status_code == 200, url
    menu = menu_of(response.content.decode())
    assert current_links(menu) == [url]
    opened = [key for key, found in groups_of(menu).items() if found["open"]]
    assert opened == [group]


def test_a_page_inside_a_group_opens_it_without_marking_a_link(users, catalog):
    client = client_for(users["cataloguer_a"])
    response = client.get(reverse("harvest:index"), follow=True)  # one library: its harvest page
    assert response.redirect_chain[-1][0] == reverse("harvest:library", args=["LIBA"])
    menu = menu_of(response.content.decode())
    assert current_links(menu) == []
    assert [key for key, found in groups_of(menu).items() if found["open"]] == ["network"]
    run = client.get(reverse("staff:imports")).context["runs"][0]
    menu = menu_of(client.get(reverse("staff:import-run", args=[run.pk])).content.decode())
    assert current_links(menu) == [] and groups_of(menu)["catalog"]["open"]


def test_staff_accounts_are_offered_to_those_who_manage_them(users):
    users_url = reverse("staff:users")
    for role, offered in [("cataloguer_a", False), ("library_admin_a", True), ("network_admin", True)]:
        menu = menu_of(client_for(users[role]).get(reverse("staff:home")).content.decode())
        assert (f'href="{users_url}"' in menu) is offered, role
        assert f'href="{reverse("staff:review-list")}"' in menu


def test_the_research_pages_are_in_the_menu_and_the_offices_for_network_admins_only(users):
    offices = reverse("visibility:affiliations-offices")
    for role, offered in [("cataloguer_a", False), ("library_admin_a", False), ("network_admin", True)]:
        menu = menu_of(client_for(users[role]).get(reverse("staff:home")).content.decode())
        research = groups_of(menu)["research"]["links"]
        assert reverse("visibility:affiliations-progress") in research, role
        assert reverse("visibility:affiliations-corrections") in research, role
        assert (offices in research) is offered, role


def office_user():
    from khizana.testing import make_user
    from khizana.visibility.models import Institution, ResearchOffice

    institution = Institution.objects.create(
        local_key="local:ma-test-office",
        source="local",
        detail="local",
        name="Test University",
        sort_key="test",
    )
    user = make_user("bureau_test")
    ResearchOffice.objects.create(user=user, institution=institution, role=ResearchOffice.Role.READER)
    return user


def test_the_account_page_links_a_research_office_to_its_reports(users):
    link = f'<a href="{reverse("visibility:affiliations")}" id="research-office-link">'
    officer = office_user()
    html = client_for(officer).get(reverse("accounts:account")).content.decode()
    assert link + "Research office: your institution's reports</a>" in html
    for role in ("reader", "cataloguer_a", "network_admin"):
        html = client_for(users[role]).get(reverse("accounts:account")).content.decode()
        assert 'id="research-office-link"' not in html, role
    for language, words in (("fr", "Bureau de la recherche"), ("ar", "مكتب البحث")):
        client = client_for(officer, language)
        client.cookies["django_language"] = language
        assert words in client.get(reverse("accounts:account")).content.decode(), language


def test_the_menu_in_arabic_and_french(users):
    for language, direction in (("ar", "rtl"), ("fr", "ltr")):
        client = client_for(users["cataloguer_a"], language)
        client.cookies["django_language"] = language
        html = client.get(reverse("staff:review-list")).content.decode()
        assert f'lang="{language}" dir="{direction}"' in html
        menu = menu_of(html)
        assert current_links(menu) == [reverse("staff:review-list")]
        assert len(groups_of(menu)) == 7  # catalog, digital, research, network, ill, heritage, programmes


def test_the_staff_styles_use_logical_properties():
    css = (REPO / "khizana" / "web" / "static" / "web" / "khizana.css").read_text(encoding="utf-8")
    start = css.index("/* ---------------------------------------------------------------- staff space */")
    staff = css[start : css.index("/* ----", start + 10)]
    assert ".staff-nav" in staff and "aria-current" in staff
    physical = re.findall(
        r"(?<![\w-])(?:margin|padding|border)-(?:left|right)|(?<![\w-])(?:left|right)\s*:", staff
    )
    assert physical == []
    assert "text-align: left" not in staff and "text-align: right" not in staff
