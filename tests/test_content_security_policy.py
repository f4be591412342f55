"""The Content-Security-Policy (django-csp): every page kind carries the site's policy, the readers and the
files they read keep their own, and no template holds what the policy refuses (inline scripts, event
handler attributes, inline styles), so nothing on the pages breaks under it."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from khizana.accounts.models import Membership, Role
from khizana.digital.models import DigitalItem
from khizana.digital.reading.views import EPUB_CSP, PDF_CSP, READER_CSP
from khizana.digital.tests.iiif_support import image_item, validator_image
from khizana.digital.tests.reader_items import DATA, add_item, make_record
from khizana.search import services as search_services
from khizana.testing import make_library

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "une phrase de passe assez longue"
SITE_POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}
# Script elements that are data, never run (JSON-LD, json_script): no policy applies to them.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


def directives(header: str) -> dict[str, set[str]]:
    policy = {}
    for part in header.split(";"):
        name, *values = part.split()
        policy[name] = set(values)
    return policy


@pytest.fixture
def site(db, settings, tmp_path):
    settings.KHIZANA_DIGITAL_STORE = tmp_path / "digital"
    settings.KHIZANA_IIIF_CACHE = tmp_path / "iiif-cache"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    library = make_library("CSP")
    record = make_record(library, "CSP-1", "حبيبي habibi")
    pdf = add_item(record, (DATA / "samplefiles_habibi.pdf").read_bytes(), "pdf", "habibi.pdf", page_count=1)
    epub_name = "epubtests_pkg-spine-progression_rtl.epub"
    epub = add_item(record, (DATA / epub_name).read_bytes(), "epub", epub_name)
    images = image_item(make_record(library, "CSP-2", "Images"), [validator_image()])
    search_services.rebuild_index()
    users = get_user_model().objects
    reader = users.create_user("csp-reader", "reader@example.org", PASSWORD)
    Membership.objects.create(user=reader, role=Role.READER, library=library)
    admin = users.create_superuser("csp-admin", "admin@example.org", PASSWORD)
    Membership.objects.create(user=admin, role=Role.NETWORK_ADMIN, library=None)
    return {
        "library": library,
        "work": record.work,
        "pdf": pdf,
        "epub": epub,
        "images": images,
        "reader": reader,
        "admin": admin,
    }


def public_pages(site) -> dict[str, str]:
    return {
        "home": "/",
        "results": "/search?q=habibi",
        "work": f"/work/{site['work'].pk}/",
        "libraries": "/libraries/",
        "library": f"/libraries/{site['library'].code}/",
        "help": "/help/",
        "not found": "/no-such-page/",
        "login": "/account/login/",
        "register": "/account/register/",
        "password reset": "/account/password/reset/",
        "admin login": "/admin/login/",
        "digital item": f"/digital/{site['pdf'].pk}/",
        "viewer": f"/digital/{site['images'].pk}/pages/",
        "search inside": f"/digital/{site['pdf'].pk}/search?q=habibi",
        "api docs": "/api/docs",
    }


def reader_pages(site) -> dict[str, str]:
    return {"account": "/account/", "my loans": "/digital/account/loans/"}


def staff_pages(site) -> dict[str, str]:
    return {
        "staff home": "/staff/",
        "staff imports": "/staff/imports/",
        "staff upload": "/staff/imports/upload/",
        "staff records": "/staff/records/",
        "staff works": "/staff/works/",
        "staff users": "/staff/users/",
        "staff digital": "/staff/digital/",
        "licence alerts": "/digital/staff-alerts/",
        "harvest": f"/staff/harvest/{site['library'].code}/",
        "registry": "/research/registry/",
        "affiliations": "/research/affiliations/",
        "admin": "/admin/",
        "admin licences": "/admin/digital/licence/",
        "admin licence form": "/admin/digital/licence/add/",
    }


def fetch_all(client, site) -> dict[str, object]:
    responses = {name: client.get(url) for name, url in public_pages(site).items()}
    client.force_login(site["reader"])
    responses.update({name: client.get(url) for name, url in reader_pages(site).items()})
    client.force_login(site["admin"])
    responses.update({name: client.get(url) for name, url in staff_pages(site).items()})
    return responses


def test_every_page_kind_carries_the_site_policy(client, site):
    responses = fetch_all(client, site)
    for name, response in responses.items():
        assert response.status_code == (404 if name == "not found" else 200), name
        header = response.get("Content-Security-Policy")
        assert header, f"{name}: no Content-Security-Policy"
        policy = directives(header)
        if name == "viewer":  # its one inline <style> (for OpenSeadragon) carries the response's nonce
            nonce = re.search(
                r'<style data-openseadragon-mobile-css nonce="([^"]+)">', response.content.decode()
            )
            assert nonce and policy["style-src"] == {"'self'", f"'nonce-{nonce.group(1)}'"}
            policy["style-src"] = {"'self'"}
        assert policy == SITE_POLICY, f"{name}: {header}"
        assert "unsafe" not in header, name


def test_the_readers_and_their_files_keep_their_own_policies(client, site):
    for item in (site["pdf"], site["epub"]):
        response = client.get(f"/digital/{item.pk}/read")
        assert response.status_code == 200
        assert response["Content-Security-Policy"] == READER_CSP  # not replaced by the site's
        assert directives(READER_CSP)["script-src"] == {"'self'"}
    epub = client.get(f"/digital/{site['epub'].pk}/content")
    assert epub["Content-Security-Policy"] == EPUB_CSP and "sandbox" in directives(EPUB_CSP)
    # A PDF opened directly is drawn by the browser's own viewer, which fetch directives would break.
    pdf = client.get(f"/digital/{site['pdf'].pk}/content")
    assert pdf.status_code == 200 and pdf["Content-Security-Policy"] == PDF_CSP
    ranged = client.get(f"/digital/{site['pdf'].pk}/content", HTTP_RANGE="bytes=0-99")
    assert ranged.status_code == 206 and ranged["Content-Security-Policy"] == PDF_CSP


def test_a_refused_reader_page_has_the_site_policy(client, site):
    site["pdf"].access = DigitalItem.Access.MEMBERS
    site["pdf"].save(update_fields=["access"])
    for url in (f"/digital/{site['pdf'].pk}/read", f"/digital/{site['pdf'].pk}/content"):
        response = client.get(url)
        assert response.status_code == 401, url
        assert directives(response["Content-Security-Policy"]) == SITE_POLICY, url


class InlineCode(HTMLParser):
    """What a policy without 'unsafe-inline' refuses: inline scripts, on*= handlers, style attributes and
    elements (unless they carry the response's nonce), javascript: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and not names.get("src") and names.get("type") not in DATA_SCRIPT_TYPES:
            self.found.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style" and not names.get("nonce"):
            self.found.append(f"<style> element at line {self.getpos()[0]}")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"{name}= on <{tag}> at line {self.getpos()[0]}")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL on <{tag}> at line {self.getpos()[0]}")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


def test_rendered_pages_have_no_inline_script_handler_or_style(client, site):
    responses = fetch_all(client, site)
    responses["reader (PDF)"] = client.get(f"/digital/{site['pdf'].pk}/read")
    responses["reader (EPUB)"] = client.get(f"/digital/{site['epub'].pk}/read")
    found = {}
    for name, response in responses.items():
        problems = inline_code(response.content.decode())
        if problems:
            found[name] = problems
    assert found == {}


def test_template_files_have_no_inline_script_handler_or_style():
    templates = sorted((REPO / "khizana").glob("**/templates/**/*.html"))
    assert len(templates) > 40
    found = {}
    for path in templates:
        text = path.read_text(encoding="utf-8")
        # Template tags and variables stand for words (an attribute's value, a name): a placeholder each.
        problems = inline_code(re.sub(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", " T ", text, flags=re.S))
        if problems:
            found[str(path.relative_to(REPO))] = problems
    assert found == {}


def test_the_detector_finds_what_the_policy_refuses():
    assert inline_code('<script>alert(1)</script><script type="module">x()</script>') == [
        "inline <script> at line 1",
        "inline <script> at line 1",
    ]
    assert inline_code('<button onclick="go()">') == ["onclick= on <button> at line 1"]
    assert inline_code('<p style="color: red"><style>p {}</style>') == [
        "style= on <p> at line 1",
        "<style> element at line 1",
    ]
    assert inline_code('<a href=" JavaScript:go()">') == ["javascript: URL on <a> at line 1"]
    assert inline_code('<style nonce="r4nd0m"></style>') == []
    assert (
        inline_code(
            '<script src="/static/x.js"></script><script type="application/ld+json">{}</script>'
            '<script id="d" type="application/json">[]</script>'
        )
        == []
    )


def test_a_chart_in_a_page_has_no_inline_script_or_style():
    from khizana.visibility.affiliations.reports import InstitutionRow, anomaly_chart

    chart = str(anomaly_chart(InstitutionRow(institution_id="", name="all", affiliations=4)))
    assert inline_code(chart) == [] and '<script type="application/json" id="anomaly-shares-config">' in chart


def test_the_server_error_page_takes_its_style_from_a_static_file(rf):
    from django.views.defaults import server_error

    page = server_error(rf.get("/")).content.decode()
    assert inline_code(page) == []
    assert '<link rel="stylesheet" href="/static/web/error.css">' in page
    assert (REPO / "khizana" / "web" / "static" / "web" / "error.css").is_file()
